/**
 * The CPU time (user + system) a benchmarked process spent over its whole life, measured from
 * outside it: the command runs under GNU time (`/usr/bin/time -f '%U %S' -o FILE`), which waits
 * for it with wait4(2) and writes the rusage the kernel kept for it and its waited-for children.
 * So the figure covers the process alone (not the harness that started it) and is read after it
 * exited, which /proc/PID/stat cannot give.
 *
 * Not responsible for starting the process (the caller spawns the wrapped command), nor for
 * signals: GNU time ignores SIGINT and SIGQUIT while it waits, so signal the process group.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** GNU time's path (Debian package `time`). */
export const GNU_TIME = '/usr/bin/time';

/** Why CPU cannot be measured here (GNU time missing), or null. */
export function childCpuUnavailable(): string | null {
  return existsSync(GNU_TIME) ? null : `needs GNU time (${GNU_TIME}; Debian package time)`;
}

/**
 * `command args` wrapped to write its user and system CPU seconds and its voluntary and
 * involuntary context switches (wake-ups after a wait; preemptions) to `cpuFile` when it exits.
 */
export function cpuTimedCommand(command: string, args: readonly string[], cpuFile: string): [string, string[]] {
  return [GNU_TIME, ['-f', '%U %S %w %c', '-o', cpuFile, command, ...args]];
}

/** What {@link readCpuTimes} reads. */
export interface CpuTimes {
  readonly user: number;
  readonly system: number;
  /** Voluntary context switches: how often the process waited (for a socket, a disk, a timer). */
  readonly waits: number;
  /** Involuntary context switches: how often it was preempted. */
  readonly preemptions: number;
}

/**
 * The figures in a file {@link cpuTimedCommand} wrote, or null when it is missing or holds no
 * figures (the process was killed with its wrapper).
 */
export async function readCpuTimes(cpuFile: string): Promise<CpuTimes | null> {
  const text = await readFile(cpuFile, 'utf8').catch(() => '');
  const match = /(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+) (\d+)\s*$/.exec(text);
  return match ? { user: Number(match[1]), system: Number(match[2]), waits: Number(match[3]), preemptions: Number(match[4]) } : null;
}
