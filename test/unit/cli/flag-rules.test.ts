/** The command-line rules beyond yargs, on a small option table: repeats, unknown flags, --json. */
import { describe, expect, it } from 'vitest';
import { jsonRequested, repeatedFlagMessage, unknownArgumentsMessage, type FlagTable } from '../../../src/cli/flag-rules.js';

const TABLE: FlagTable = {
  key: { output: true, o: true, 'speed-limit-up': true, broadcast: true, json: true, peer: true, help: true },
  alias: { output: ['o'], help: ['h'] },
  boolean: ['broadcast', 'json', 'help'],
  array: ['peer'],
};

describe('repeatedFlagMessage', () => {
  it.each<[string[], string | null]>([
    [['URL', '-o', 'a'], null],
    [['--peer', 'a:1', '--peer', 'b:2'], null],
    [['-o', 'a', '--', '-o', 'b'], null],
    [['--speed-limit-up', '1MB/s', '--speed-limit-up', '1MB/s'], '--speed-limit-up is given more than once (--speed-limit-up, --speed-limit-up)'],
    [['--speed-limit-up=1', '--speedLimitUp', '2'], '--speed-limit-up is given more than once (--speed-limit-up=1, --speedLimitUp)'],
    [['-o', 'a', '--output=b'], '-o/--output is given more than once (-o, --output=b)'],
    [['--no-broadcast', '--broadcast'], '--broadcast is given more than once (--no-broadcast, --broadcast)'],
    [['--json', '--peer', 'a:1', '--json'], '--json is given more than once (--json, --json)'],
  ])('%j: %s', (argv, expected) => {
    const message = repeatedFlagMessage(argv, TABLE);
    if (expected === null) expect(message).toBeNull();
    else expect(message).toBe(`${expected}: pass it once; only the flags marked "repeatable" in --help may repeat`);
  });

  it('leaves unknown flags to the unknown-flag rule', () => {
    expect(repeatedFlagMessage(['--colour', 'a', '--colour', 'b'], TABLE)).toBeNull();
  });
});

describe('unknownArgumentsMessage', () => {
  it.each<[string[], string[], string]>([
    [['speed-limt-up', 'speedLimtUp'], ['URL', '--speed-limt-up', '5'], 'unknown flag --speed-limt-up; did you mean --speed-limit-up? (see --help)'],
    [['speed-limt-up', 'speedLimtUp'], ['URL', '--speed-limt-up=5'], 'unknown flag --speed-limt-up; did you mean --speed-limit-up? (see --help)'],
    [['colour'], ['--colour'], 'unknown flag --colour (see --help)'],
    [['x'], ['-x'], 'unknown flag -x (see --help)'],
    [['ouput', 'jsn'], ['--ouput', 'a', '--jsn'], 'unknown flags --ouput (did you mean --output?), --jsn (did you mean --json?) (see --help)'],
    [['extra'], ['URL', 'extra'], 'unexpected argument "extra" (see --help)'],
    [['peers', 'extra'], ['--peers', 'a', 'extra'], 'unknown flag --peers; did you mean --peer? (see --help)'.replace(' (see', '; unexpected argument "extra" (see')],
  ])('%j in %j', (names, argv, expected) => {
    expect(unknownArgumentsMessage(names, argv, TABLE)).toBe(expected);
  });
});

describe('unknownArgumentsMessage with commands', () => {
  const commands = ['download', 'info', 'peers', 'files'];
  it.each<[string[], string[], string]>([
    [['donwload', 'http://x/f'], ['donwload', 'http://x/f'], 'unknown command "donwload"; did you mean download? (see --help)'],
    [['lsit'], ['--json', 'lsit'], 'unknown command "lsit" (see --help)'],
    [['extra'], ['info', 'http://x/f', 'extra'], 'unexpected argument "extra" (see --help)'],
    [['pn'], ['info', 'http://x/f', '--pn'], 'unknown flag --pn (see --help)'],
  ])('%j in %j', (names, argv, expected) => {
    expect(unknownArgumentsMessage(names, argv, TABLE, commands)).toBe(expected);
  });
});

describe('jsonRequested', () => {
  it.each<[string[], boolean]>([
    [[], false],
    [['URL', '--json'], true],
    [['--json=true'], true],
    [['--json', '--no-json'], false],
    [['--json=false'], false],
    [['--', '--json'], false],
    [['-o', 'json'], false],
  ])('%j: %s', (argv, expected) => {
    expect(jsonRequested(argv)).toBe(expected);
  });
});
