/**
 * The values of one header as strings, from undici's header record (a string, an array of
 * strings, or absent); anything not a string is dropped. Pure.
 */
/** Response headers as undici gives them: lower-case names; a repeated header is an array. */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;

export function headerValues(headers: HeaderRecord, name: string): string[] {
  if (!Object.hasOwn(headers, name)) return [];
  const value: unknown = headers[name];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  const strings: string[] = [];
  for (const item of value as unknown[]) if (typeof item === 'string') strings.push(item);
  return strings;
}
