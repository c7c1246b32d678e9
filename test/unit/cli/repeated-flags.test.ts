/**
 * Every flag of every program, read from the real parsers (so a flag added later is covered):
 * a flag that takes one value, given twice, is a usage error naming it; a repeatable flag
 * (yargs `array`) is accepted twice and says "repeatable" in --help.
 */
import { describe, expect, it } from 'vitest';
import type { Argv } from 'yargs';
import type { FlagTable } from '../../../src/cli/flag-rules.js';
import { buildParser as downloadParser } from '../../../src/cli/swarm-download.js';
import { buildParser as serverParser } from '../../../src/cli/swarm-server.js';
import { buildParser as swarmParser } from '../../../src/cli/swarm.js';
import { UsageError } from '../../../src/errors.js';

type Build = (argv: readonly string[]) => Argv;

/** Each program and command, with the arguments it needs before its flags. */
const COMMANDS: readonly [string, Build, readonly string[]][] = [
  ['swarm-download', downloadParser as unknown as Build, ['http://origin.test/f']],
  ['swarm-server', serverParser as unknown as Build, []],
  ['swarm download', swarmParser as unknown as Build, ['download', 'http://origin.test/f']],
  ['swarm info', swarmParser as unknown as Build, ['info', 'http://origin.test/f']],
  ['swarm peers', swarmParser as unknown as Build, ['peers']],
  ['swarm files', swarmParser as unknown as Build, ['files']],
];

/** yargs' own flags, which print and stop before any check. */
const BUILT_IN = new Set(['help', 'version']);
const POSITIONALS = new Set(['url']);

async function tableOf(build: Build, base: readonly string[]): Promise<FlagTable> {
  let table: FlagTable | undefined;
  await build(base).check((_args, options) => {
    table = options as unknown as FlagTable;
    return true;
  }, true).parseAsync();
  if (table === undefined) throw new Error('the check did not run');
  return table;
}

/** The options of the table by their main name, without aliases, positionals and yargs' own. */
function flagsOf(table: FlagTable): string[] {
  const aliases = new Set(Object.values(table.alias).flat());
  return Object.keys(table.key).filter((name) => !aliases.has(name) && !BUILT_IN.has(name) && !POSITIONALS.has(name));
}

async function helpOf(build: Build, base: readonly string[]): Promise<string> {
  let help = '';
  const argv = [...base.filter((arg) => !arg.startsWith('http')), '--help'];
  await build(argv).parseAsync(argv, {}, (_err: unknown, _args: unknown, output: string) => {
    help = output;
  });
  return help;
}

/** The lines of `--NAME` in the help, up to the next option. */
function helpEntry(help: string, name: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\s+(?:-\\w, )?--${name}\\s`).test(line));
  if (start < 0) throw new Error(`--${name} is not in the help:\n${help}`);
  const end = lines.findIndex((line, index) => index > start && /^\s+-/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join(' ');
}

async function parseError(build: Build, argv: readonly string[]): Promise<unknown> {
  try {
    await build(argv).parseAsync();
  } catch (err) {
    return err;
  }
  return null;
}

describe.each(COMMANDS)('%s', (_name, build, base) => {
  it('refuses every flag that takes one value given twice, naming it; accepts every repeatable one twice', async () => {
    const table = await tableOf(build, base);
    const flags = flagsOf(table);
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) {
      const once = table.boolean.includes(flag) ? [`--${flag}`] : [`--${flag}`, '1'];
      const err = await parseError(build, [...base, ...once, ...once]);
      if (table.array.includes(flag)) {
        expect(err, `--${flag} is repeatable`).toBeNull();
        continue;
      }
      expect(err, `--${flag} given twice`).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as UsageError).message).toMatch(new RegExp(`^(?:-\\w/)?--${flag} is given more than once \\(--${flag}, --${flag}\\): pass it once`));
    }
  });

  it('counts a short alias and its long name as one flag', async () => {
    const table = await tableOf(build, base);
    for (const [flag, aliases] of Object.entries(table.alias)) {
      const short = aliases.find((alias) => alias.length === 1);
      if (short === undefined || BUILT_IN.has(flag) || table.array.includes(flag)) continue;
      const value = table.boolean.includes(flag) ? [] : ['1'];
      const err = await parseError(build, [...base, `-${short}`, ...value, `--${flag}`, ...value]);
      expect((err as UsageError).message).toMatch(new RegExp(`^-${short}/--${flag} is given more than once \\(-${short}, --${flag}\\)`));
    }
  });

  it('says "repeatable" in --help for exactly the repeatable flags', async () => {
    const table = await tableOf(build, base);
    const help = await helpOf(build, base);
    expect(await helpOf(build, [])).toContain('A flag given twice is an error, except those marked "repeatable".');
    // A hidden flag (swarm-download's --metrics-address, refused with a pointer) has no entry.
    const hidden = new Set((table as FlagTable & { hiddenOptions?: string[] }).hiddenOptions ?? []);
    for (const flag of flagsOf(table).filter((name) => !hidden.has(name))) {
      expect(helpEntry(help, flag).includes('repeatable'), `--${flag}`).toBe(table.array.includes(flag));
    }
  });
});
