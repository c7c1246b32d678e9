/**
 * The version of swarm from package.json (for `GET /status`), or `0.0.0` where package.json is not
 * beside the code (a bundle that left it out).
 */
import { readFileSync } from 'node:fs';

/** The package version. Reads package.json once. */
export function packageVersion(): string {
  cached ??= read();
  return cached;
}

let cached: string | undefined;

function read(): string {
  try {
    const parsed = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
