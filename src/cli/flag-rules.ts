/**
 * The rules every program applies to its command line beyond yargs: a flag that takes one value
 * may be given once (a repeatable flag says so in `--help`), an unknown flag is named once with
 * the closest known flag, and `--json` is seen before parsing so a usage error can be an event.
 *
 * Not responsible for parsing values (yargs, then resolveConfig) or for printing.
 *
 * Pure: no I/O; synchronous and stateless. Works on the argument tokens and on the option table
 * of yargs' `getOptions()`.
 */
import { closestName, normalizeName } from '../config/closest-name.js';

/** The parts of yargs' `getOptions()` these rules read. */
export interface FlagTable {
  /** Every option, as keys (`key` of getOptions): long names, and short aliases too. */
  readonly key: Readonly<Record<string, unknown>>;
  /** Option name to its aliases, e.g. `{ output: ['o'] }`. */
  readonly alias: Readonly<Record<string, readonly string[]>>;
  readonly boolean: readonly string[];
  readonly array: readonly string[];
}

/** One flag of argv: its token and the option it names (`null` when unknown). */
interface FlagUse {
  readonly token: string;
  readonly option: string | null;
}

/** Name or alias to the option's main name. */
function canonicalNames(table: FlagTable): Map<string, string> {
  const names = new Map<string, string>();
  for (const name of Object.keys(table.key)) names.set(name, name);
  for (const [name, aliases] of Object.entries(table.alias)) {
    for (const alias of aliases) names.set(alias, name);
  }
  return names;
}

/** The name of a flag token without dashes and `=value`, or null when the token is not a flag. */
function namesOf(token: string): string[] {
  if (/^--[^-]/.test(token)) return [token.slice(2).split('=')[0] ?? ''];
  if (/^-[^-\d]/.test(token)) return [...(token.slice(1).split('=')[0] ?? '')];
  return [];
}

/** Every flag given in `argv` before a `--`, in order. */
function flagUses(argv: readonly string[], table: FlagTable): FlagUse[] {
  const names = canonicalNames(table);
  const booleans = new Set(table.boolean);
  const uses: FlagUse[] = [];
  for (const token of argv) {
    if (token === '--') break;
    for (const raw of namesOf(token)) {
      const name = raw.length > 1 ? normalizeName(raw) : raw;
      const negated = name.startsWith('no-') && booleans.has(names.get(name.slice(3)) ?? '');
      uses.push({ token, option: names.get(negated ? name.slice(3) : name) ?? null });
    }
  }
  return uses;
}

/** How an option is written in messages: `--output`, or `-o/--output` when it has a short alias. */
function display(option: string, table: FlagTable): string {
  const short = (table.alias[option] ?? []).find((alias) => alias.length === 1);
  return short === undefined ? `--${option}` : `-${short}/--${option}`;
}

/**
 * The message for the first option that takes one value and is given more than once (under any
 * of its names, `--no-X` included for a switch), or `null` when none is. Options in
 * `table.array` are repeatable.
 */
export function repeatedFlagMessage(argv: readonly string[], table: FlagTable): string | null {
  const repeatable = new Set(table.array);
  const seen = new Map<string, string[]>();
  for (const use of flagUses(argv, table)) {
    if (use.option === null || repeatable.has(use.option)) continue;
    const tokens = [...(seen.get(use.option) ?? []), use.token];
    if (tokens.length > 1) {
      return `${display(use.option, table)} is given more than once (${tokens.join(', ')}): pass it once; only the flags marked "repeatable" in --help may repeat`;
    }
    seen.set(use.option, tokens);
  }
  return null;
}

/** The long option names of the table, for suggestions. */
function longNames(table: FlagTable): string[] {
  return Object.keys(table.key).filter((name) => name.length > 1 && name === normalizeName(name));
}

/**
 * The message for yargs' unknown arguments `names` (which lists `speed-limt-up` and its camel
 * case `speedLimtUp`): each unknown flag named once, as typed, with the closest known flag, and
 * each other word as an unexpected argument; when the program has `commands` and the first word
 * is unknown, only that word, as an unknown command with the closest one.
 */
export function unknownArgumentsMessage(names: readonly string[], argv: readonly string[], table: FlagTable, commands: readonly string[] = []): string {
  const at = argv.findIndex((token) => !token.startsWith('-') && names.includes(token));
  const first = argv[at];
  if (commands.length > 0 && first !== undefined && !argv.slice(0, at).some((token) => commands.includes(token))) {
    const suggestion = closestName(first, commands);
    return `unknown command ${JSON.stringify(first)}${suggestion === null ? '' : `; did you mean ${suggestion}?`} (see --help)`;
  }
  const given = new Set(flagUses(argv, table).filter((use) => use.option === null).map((use) => use.token.split('=')[0] ?? use.token));
  const distinct = names.filter((name) => !names.some((other) => other !== name && normalizeName(name) === other));
  const known = longNames(table);
  const flags: { token: string; suggestion: string | null }[] = [];
  const words: string[] = [];
  for (const name of distinct) {
    const token = [`--${name}`, `-${name}`].find((candidate) => given.has(candidate));
    if (token === undefined) words.push(JSON.stringify(name));
    else flags.push({ token, suggestion: closestName(name, known) });
  }
  const parts: string[] = [];
  const [only] = flags;
  if (flags.length === 1 && only !== undefined) {
    parts.push(`unknown flag ${only.token}${only.suggestion === null ? '' : `; did you mean --${only.suggestion}?`}`);
  } else if (flags.length > 1) {
    parts.push(`unknown flags ${flags.map(({ token, suggestion }) => (suggestion === null ? token : `${token} (did you mean --${suggestion}?)`)).join(', ')}`);
  }
  if (words.length > 0) parts.push(`unexpected argument${words.length > 1 ? 's' : ''} ${words.join(', ')}`);
  return `${parts.join('; ')} (see --help)`;
}

/** Whether `argv` asks for `--json` (the last of `--json`, `--json=BOOL`, `--no-json` before a `--`). */
export function jsonRequested(argv: readonly string[]): boolean {
  let json = false;
  for (const token of argv) {
    if (token === '--') break;
    if (token === '--json' || token === '--json=true') json = true;
    else if (token === '--no-json' || token === '--json=false') json = false;
  }
  return json;
}
