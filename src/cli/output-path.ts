/**
 * Where a download is published: the `-o PATH` of `swarm-download` and `swarm download`.
 */
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { StorageError, UsageError } from '../errors.js';
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

/**
 * The absolute output path: `-o PATH` (a directory means DIR/<name from URL>), else the URL's
 * name in the current directory; its directory must be writable.
 */
export async function resolveOutput(ctx: CliContext, url: URL, output: string | undefined): Promise<string> {
  const name = outputNameFromUrl(url);
  let path: string;
  if (output === undefined || output === '') {
    if (name === null) throw new UsageError(`cannot name the output file after ${url.origin}${url.pathname}; pass -o PATH`);
    path = resolve(ctx.cwd, name);
  } else {
    path = resolve(ctx.cwd, output);
    const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
    if (isDir) {
      if (name === null) throw new UsageError(`${path} is a directory and the URL names no file; pass -o DIR/NAME`);
      path = join(path, name);
    }
  }
  try {
    await access(dirname(path), fsConstants.W_OK);
  } catch (err) {
    throw new StorageError(`cannot write to ${dirname(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); create it or choose another -o PATH`, { cause: err });
  }
  return path;
}
