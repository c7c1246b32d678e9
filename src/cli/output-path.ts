/**
 * Where a download is published: the `-o PATH` of `swarm-download` and `swarm download`.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { StorageError, UsageError, storageErrorFrom } from '../errors.js';
import type { CliContext } from './common-options.js';

/** The default output name: the URL path's last segment, like wget. */
export function outputNameFromUrl(url: URL): string | null {
  const segment = url.pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return null;
  }
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return null;
  return name;
}

/** What `-o` asks for: an absolute path, and whether it must be a directory (`-o DIR/`). */
export interface OutputRequest {
  readonly path: string;
  readonly directory: boolean;
}

/** Reads `-o PATH` (relative to `cwd`): a trailing `/` means a directory, like `cp` and `rsync`. Pure. */
export function outputRequest(cwd: string, output: string): OutputRequest {
  return { path: resolve(cwd, output), directory: output.endsWith('/') || output.endsWith(sep) };
}

/**
 * The absolute output path: `-o PATH` (a directory means DIR/<name from URL>; `-o DIR/` creates
 * DIR when its parent exists), else the URL's name in the current directory; its directory must
 * be writable. Failures are a {@link StorageError} (exit 5) whose advice the errno chooses.
 */
export async function resolveOutput(ctx: CliContext, url: URL, output: string | undefined): Promise<string> {
  const name = outputNameFromUrl(url);
  let path: string;
  if (output === undefined || output === '') {
    if (name === null) throw new UsageError(`cannot name the output file after ${url.origin}${url.pathname}; pass -o PATH`);
    path = resolve(ctx.cwd, name);
  } else {
    const request = outputRequest(ctx.cwd, output);
    if (request.directory) await makeOutputDirectory(request.path);
    const isDir = request.directory || (await stat(request.path).then((s) => s.isDirectory(), () => false));
    path = request.path;
    if (isDir) {
      if (name === null) throw new UsageError(`${path} is a directory and the URL names no file; pass -o DIR/NAME`);
      path = join(path, name);
    }
  }
  try {
    await access(dirname(path), fsConstants.W_OK);
  } catch (err) {
    throw storageErrorFrom(err, dirname(path), 'output') ?? new StorageError(`cannot write to ${dirname(path)}: ${String(err)}; choose another -o PATH`, { cause: err });
  }
  return path;
}

/** `-o DIR/`: DIR exists as a directory, or is created when its parent exists. */
async function makeOutputDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(directory).then((s) => s.isDirectory(), () => false))) return;
    if (code === 'ENOENT') {
      throw new StorageError(`-o ${directory}/ names a directory whose parent ${dirname(directory)} does not exist (ENOENT); create the parent, or choose another -o PATH (only the last directory is created)`, { cause: err });
    }
    throw storageErrorFrom(err, directory, 'output') ?? err;
  }
}
