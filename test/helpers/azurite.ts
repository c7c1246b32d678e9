/**
 * Azurite, the Azure Storage emulator (an npm devDependency), for end-to-end tests: its blob
 * service on 127.0.0.1 on a free port, in memory, in a temp dir, telemetry off; and small upload
 * helpers over the real SDK.
 *
 * NETWORK SAFETY: Azurite listens on 127.0.0.1 only and runs with `--disableTelemetry` (without it,
 * Azurite reports telemetry to a public endpoint).
 *
 * Not responsible for: assertions. `stop()` ends the process it started and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlobSASPermissions, BlobServiceClient, StorageSharedKeyCredential, generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';
import { REPO_ROOT } from './run-cli.js';

/** Azurite's documented development account and key (public, for the emulator only). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const AZURITE_BLOB_MAIN = join(REPO_ROOT, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
const LISTENING_RE = /listens on http:\/\/127\.0\.0\.1:(\d+)/;

/** A running Azurite blob service. */
export interface Azurite {
  /** `http://127.0.0.1:PORT/devstoreaccount1` */
  readonly endpoint: string;
  readonly port: number;
  /** The connection string of the development account on this port. */
  readonly connectionString: string;
  readonly credential: StorageSharedKeyCredential;
  readonly service: BlobServiceClient;
  /** Ends the Azurite process. */
  stop(): Promise<void>;
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (text: string): void => {
      output += text;
      const match = LISTENING_RE.exec(output);
      if (match?.[1] !== undefined) resolve(Number(match[1]));
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`azurite exited (code ${String(code)}) before listening: ${output}`)));
  });
}

/** Starts Azurite's blob service on 127.0.0.1 with a free port, in memory. */
export async function startAzurite(): Promise<Azurite> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-azurite-'));
  const child = spawn(process.execPath, [
    AZURITE_BLOB_MAIN, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence',
    '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await waitForPort(child);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoint,
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    credential,
    service: new BlobServiceClient(endpoint, credential),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a container (public read for blobs when `publicAccess`). */
export async function createContainer(azurite: Azurite, name: string, publicAccess = false): Promise<ContainerClient> {
  const container = azurite.service.getContainerClient(name);
  await container.create(publicAccess ? { access: 'blob' } : {});
  return container;
}

/**
 * Uploads `content` as a block blob. With `withMd5` the blob's Content-MD5 property is set; without,
 * it is uploaded in blocks (Put Block + Put Block List), which leaves no Content-MD5, as Azure does.
 * Returns the blob's URL (no credentials in it).
 */
export async function uploadBlob(container: ContainerClient, name: string, content: Buffer, withMd5: boolean): Promise<string> {
  const blob = container.getBlockBlobClient(name);
  const blockBytes = 4 * 1024 * 1024;
  const ids: string[] = [];
  for (let start = 0, index = 0; start < content.length || index === 0; start += blockBytes, index++) {
    const id = Buffer.from(`block-${String(index).padStart(6, '0')}`).toString('base64');
    const part = content.subarray(start, start + blockBytes);
    await blob.stageBlock(id, part, part.length);
    ids.push(id);
  }
  const md5 = createHash('md5').update(content).digest();
  await blob.commitBlockList(ids, withMd5 ? { blobHTTPHeaders: { blobContentMD5: md5 } } : {});
  return blob.url;
}

/** A read-only SAS URL for one blob, valid for an hour. Its `sig` is the secret tests look for. */
export function blobSasUrl(azurite: Azurite, container: string, blobName: string): { url: string; sig: string } {
  const sas = generateBlobSASQueryParameters({
    containerName: container,
    blobName,
    permissions: BlobSASPermissions.parse('r'),
    startsOn: new Date(Date.now() - 60_000),
    expiresOn: new Date(Date.now() + 3_600_000),
  }, azurite.credential);
  return { url: `${azurite.endpoint}/${container}/${blobName}?${sas.toString()}`, sig: sas.signature };
}
