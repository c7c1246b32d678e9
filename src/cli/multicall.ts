/**
 * The single executable of a release is one program under three names (links to one file, as
 * busybox does): which program runs is the name it was started as. One executable carries
 * Node.js once, where three would carry it three times (about 100 MB each).
 *
 * Pure: the caller passes `process.argv0`. Not responsible for running the program.
 */

/** The programs, as their executables are named. */
export const PROGRAM_NAMES = ['swarm-download', 'swarm-server', 'swarm'] as const;

/** One of {@link PROGRAM_NAMES}. */
export type ProgramName = (typeof PROGRAM_NAMES)[number];

/** The program an executable started as `argv0` (a path or a bare name) runs, or null if none. */
export function programFor(argv0: string): ProgramName | null {
  const base = (argv0.split(/[\\/]/).pop() ?? '').replace(/\.exe$/i, '');
  return (PROGRAM_NAMES as readonly string[]).includes(base) ? base as ProgramName : null;
}

/** The one-line error for an executable started under another name. */
export function unknownProgramMessage(argv0: string): string {
  return `swarm: started as ${JSON.stringify(argv0)}; run this executable as ${PROGRAM_NAMES.join(', ')} (a link to it under that name)`;
}
