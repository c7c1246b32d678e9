import { describe, expect, it } from 'vitest';
import { PROGRAM_NAMES, programFor, unknownProgramMessage } from '../../../src/cli/multicall.js';
import { PROGRAMS } from '../../../scripts/programs.js';

describe('programFor', () => {
  it.each([
    ['swarm-download', 'swarm-download'],
    ['/usr/bin/swarm-server', 'swarm-server'],
    ['./swarm', 'swarm'],
    ['C:\\\\swarm\\\\swarm-download.exe', 'swarm-download'],
    ['/opt/swarm-0.1.0-linux-x64/bin/swarm', 'swarm'],
  ])('runs the program the executable started as: %s -> %s', (argv0, program) => {
    expect(programFor(argv0)).toBe(program);
  });

  it.each(['', '/usr/bin/node', 'swarm-1', 'swarm-download-old', 'SWARM', '/usr/bin/swarm/'])('runs none for %j', (argv0) => {
    expect(programFor(argv0)).toBeNull();
  });

  it('knows the programs the bundler builds', () => {
    expect([...PROGRAM_NAMES].sort()).toEqual(Object.keys(PROGRAMS).sort());
  });

  it('says how to start it', () => {
    expect(unknownProgramMessage('/tmp/x')).toBe('swarm: started as "/tmp/x"; run this executable as swarm-download, swarm-server, swarm (a link to it under that name)');
  });
});
