/**
 * Reads and writes the daemon's notes on cache entries (see entry-meta-codec.ts) and lists the
 * entries of a storage directory with their resume state.
 *
 * `source.json` is written atomically with mode 0600 (temp file + rename), because a URL may carry
 * a SAS token or a presigned signature. Not responsible for what the daemon does with entries.
 */
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResumeState } from './resume-state.js';
import { decodeEntryMeta, encodeEntryMeta, type EntryMeta } from './entry-meta-codec.js';
import { asStorageError, readResumeState } from './piece-store.js';

/** One entry found in `<storage>/files/`. */
export interface ScannedEntry {
  /** `<md5hex>-<size>`. */
  readonly id: string;
  readonly directory: string;
  /** Its resume state; null when missing or corrupt (the entry is unusable until fetched again). */
  readonly state: ResumeState | null;
  /** The daemon's notes; null for entries written by swarm-download or before the daemon existed. */
  readonly meta: EntryMeta | null;
}

const ENTRY_NAME = /^[0-9a-f]{32}-\d+$/;

/** Reads `<directory>/source.json`; null when missing or unreadable. */
export async function readEntryMeta(directory: string): Promise<EntryMeta | null> {
  try {
    return decodeEntryMeta(await readFile(join(directory, 'source.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Writes `<directory>/source.json` atomically, mode 0600. */
export async function writeEntryMeta(directory: string, meta: EntryMeta): Promise<void> {
  const path = join(directory, 'source.json');
  try {
    await writeFile(`${path}.tmp`, encodeEntryMeta(meta), { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  } catch (err) {
    throw asStorageError(err, path);
  }
}

/** Lists the entries of `<storageDirectory>/files/` (none when it does not exist). */
export async function scanEntries(storageDirectory: string): Promise<ScannedEntry[]> {
  const filesDir = join(storageDirectory, 'files');
  const names = await readdir(filesDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw asStorageError(err, filesDir);
  });
  const entries: ScannedEntry[] = [];
  for (const name of names.filter((candidate) => ENTRY_NAME.test(candidate)).sort()) {
    const directory = join(filesDir, name);
    const state = await readResumeState(join(directory, 'state.json'));
    entries.push({ id: name, directory, state, meta: await readEntryMeta(directory) });
  }
  return entries;
}
