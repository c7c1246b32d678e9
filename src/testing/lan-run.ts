/**
 * One run of N hosts fetching one file at once on a LAN of network namespaces: an origin host
 * serving the file and N client hosts running `swarm-download` (or plain `curl`, the baseline).
 * Shared by the namespace test and the swarm benchmark. Needs root and iproute2.
 *
 * Reports each host's completion time (from the common start to its `done` event, or to curl's
 * exit), the origin's egress, and whether every output matches the source byte for byte.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createNamespaceLan } from './netns-lan.js';
import { writeRandomFile } from './random-file.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Options of {@link runLan}. */
export interface LanRunOptions {
  readonly clients: number;
  readonly rateMbit: number;
  readonly fileBytes: number;
  readonly mode: 'swarm' | 'curl';
  /** Where the source file, outputs and storage go. */
  readonly workDir: string;
  /** Extra swarm-download flags. */
  readonly extraArgs?: readonly string[];
  readonly timeoutMs: number;
}

/** What one run measured. */
export interface LanRunResult {
  readonly mode: 'swarm' | 'curl';
  readonly clients: number;
  readonly fileBytes: number;
  readonly rateMbit: number;
  /** Seconds from the start to each client's completion. */
  readonly completionSeconds: readonly number[];
  readonly exitCodes: readonly (number | null)[];
  readonly originEgressBytes: number;
  readonly allVerified: boolean;
}

async function ensureSource(path: string, bytes: number): Promise<void> {
  if ((await stat(path).then((s) => s.size, () => -1)) === bytes) return;
  await writeRandomFile(path, bytes);
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`origin exited early (${code})`)));
  });
}

/** Watches a client: resolves with seconds to completion (its `done` event, or its exit for curl). */
function completion(child: ChildProcess, startedMs: number, mode: 'swarm' | 'curl'): Promise<{ seconds: number; code: number | null }> {
  let doneMs: number | null = null;
  if (mode === 'swarm') {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (process.env['SWARM_LAN_TRACE']) process.stderr.write(`${child.pid} +${Date.now() - startedMs}ms ${line.slice(0, 220)}\n`);
      if (doneMs === null && line.includes('"event":"done"')) doneMs = Date.now();
    });
  }
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ seconds: ((doneMs ?? Date.now()) - startedMs) / 1000, code }));
  });
}

/** Runs one swarm (or curl baseline) on a fresh namespace LAN and removes the LAN after. */
export async function runLan(opts: LanRunOptions): Promise<LanRunResult> {
  await mkdir(opts.workDir, { recursive: true });
  const source = join(opts.workDir, 'source.bin');
  await ensureSource(source, opts.fileBytes);
  const sourceMd5 = await md5Of(source);
  await clearRun(opts.workDir, opts.clients);
  const lan = createNamespaceLan({ hosts: opts.clients + 1, rateMbit: opts.rateMbit });
  const children: ChildProcess[] = [];
  const timer = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), opts.timeoutMs);
  try {
    const [originHost, ...clientHosts] = lan.hosts;
    const origin = originHost!.spawn(process.execPath, [join(ROOT, 'scripts/serve-origin.js'), '--file', source, '--host', originHost!.address], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(origin);
    const { port } = JSON.parse(await firstLine(origin)) as { port: number };
    const url = `http://${originHost!.address}:${port}/file.bin`;
    const startedMs = Date.now();
    const outputs = clientHosts.map((_, index) => join(opts.workDir, `out-${opts.mode}-${index}.bin`));
    const clients = clientHosts.map((host, index) => {
      const args = opts.mode === 'curl'
        ? ['-sf', '-o', outputs[index]!, url]
        : [join(ROOT, 'bin/swarm-download.js'), url, '-o', outputs[index]!, '--storage-directory', join(opts.workDir, `storage-${index}`), '--json', ...(opts.extraArgs ?? [])];
      const child = host.spawn(opts.mode === 'curl' ? 'curl' : process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return completion(child, startedMs, opts.mode);
    });
    const results = await Promise.all(clients);
    origin.kill('SIGTERM');
    const statsLine = await new Promise<string>((resolve) => {
      createInterface({ input: origin.stdout! }).once('line', resolve);
    });
    await once(origin, 'exit');
    const verified = await Promise.all(outputs.map((path) => md5Of(path).then((md5) => md5 === sourceMd5, () => false)));
    return {
      mode: opts.mode,
      clients: opts.clients,
      fileBytes: opts.fileBytes,
      rateMbit: opts.rateMbit,
      completionSeconds: results.map((r) => r.seconds),
      exitCodes: results.map((r) => r.code),
      originEgressBytes: (JSON.parse(statsLine) as { bodyBytes: number }).bodyBytes,
      allVerified: verified.every(Boolean),
    };
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    lan.destroy();
    await clearRun(opts.workDir, opts.clients);
  }
}

/** Removes a run's outputs and caches (the source stays for the next run). */
async function clearRun(workDir: string, clients: number): Promise<void> {
  for (let index = 0; index < clients; index++) {
    await rm(join(workDir, `storage-${index}`), { recursive: true, force: true });
    for (const mode of ['swarm', 'curl']) await rm(join(workDir, `out-${mode}-${index}.bin`), { force: true });
  }
}

/**
 * The fluid-model lower bound (Kumar and Ross) on the time for N hosts to get F bytes:
 * max(F/u_origin, F/d_host, N*F/(u_origin + N*u_host)), every link `rateMbit` each way.
 */
export function lowerBoundSeconds(fileBytes: number, clients: number, rateMbit: number): number {
  const rate = (rateMbit * 1e6) / 8;
  return Math.max(fileBytes / rate, fileBytes / rate, (clients * fileBytes) / (rate + clients * rate));
}
