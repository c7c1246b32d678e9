/**
 * Finds the swarm secret the user gave, if any: `--swarm-secret-file FILE` (the flag), else env
 * `SWARM_SECRET` (the secret itself), else the `swarm-secret-file` of the environment
 * (`SWARM_SWARM_SECRET_FILE`) or the config file. Trailing whitespace (a final newline) is not
 * part of the secret.
 *
 * A shell: reads the file. Not responsible for what the secret does (see `swarm-secret.ts`).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { secretFromText } from '../discovery/swarm-secret.js';
import { UsageError } from '../errors.js';

/** Where the secret may come from. */
export interface SecretSources {
  /** `--swarm-secret-file` as typed, or undefined. */
  readonly flagFile: string | undefined;
  /** `swarm-secret-file` from env or config (or the flag: it is the highest layer), or null. */
  readonly configFile: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The secret's bytes, or null when none is given. @throws UsageError for an unreadable or empty secret. */
export async function readSwarmSecret(sources: SecretSources): Promise<Buffer | null> {
  const envSecret = sources.env['SWARM_SECRET'];
  if (sources.flagFile === undefined && envSecret !== undefined && envSecret !== '') {
    const secret = secretFromText(Buffer.from(envSecret, 'utf8'));
    if (secret === null) throw new UsageError('env SWARM_SECRET holds only whitespace; set it to the swarm secret or unset it');
    return secret;
  }
  const file = sources.flagFile ?? sources.configFile;
  if (file === null || file === undefined) return null;
  const path = resolve(sources.cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read the swarm secret file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check --swarm-secret-file`, { cause: err });
  }
  const secret = secretFromText(bytes);
  if (secret === null) throw new UsageError(`the swarm secret file ${path} is empty; put the swarm's shared secret in it`);
  return secret;
}
