/**
 * s3rver, an S3-compatible server (an npm devDependency), for end-to-end tests: on 127.0.0.1 with a
 * free port, storing in a temp dir; objects uploaded through its S3 HTTP API (single PUT, or a
 * multipart upload), and presigned URLs in S3's query-string signature (version 2), which s3rver
 * checks (it does not check version 4 signatures).
 *
 * One difference from S3 is bridged here: s3rver gives a multipart-uploaded object the MD5 of its
 * bytes as ETag, where S3 gives `"<MD5 of the parts' MD5s>-<parts>"`. {@link putMultipart} writes
 * S3's ETag into s3rver's store (its `object.md5` file), so the server sends what S3 sends; the
 * helper checks with a HEAD that it does.
 *
 * NETWORK SAFETY: listens on 127.0.0.1 only.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

/** s3rver's built-in credentials (public, for the emulator only). */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/** A running s3rver with one bucket. */
export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly bucket: string;
  /** The object's public (unsigned) URL. */
  objectUrl(key: string): string;
  stop(): Promise<void>;
  /** The directory s3rver stores into. */
  readonly directory: string;
}

/** Starts s3rver on 127.0.0.1 with a free port and one bucket. */
export async function startS3rver(bucket = 'swarm-test'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'swarm-s3rver-'));
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    objectUrl: (key) => `${endpoint}/${bucket}/${key}`,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function send(url: string, method: 'PUT' | 'POST' | 'HEAD', body: Buffer | string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; text: string; etag: string | undefined }> {
  const res = await request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`s3rver ${method} ${url}: HTTP ${res.statusCode} ${text}`);
  const etag = res.headers.etag;
  return { status: res.statusCode, text, etag: Array.isArray(etag) ? etag[0] : etag };
}

/** Uploads `content` in one PUT (S3 sets the ETag to its MD5); `metadata` as `x-amz-meta-*` headers. */
export async function putObject(s3: S3Server, key: string, content: Buffer, metadata: Record<string, string> = {}): Promise<string> {
  await send(s3.objectUrl(key), 'PUT', content, metaHeaders(metadata));
  return s3.objectUrl(key);
}

function metaHeaders(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]));
}

/**
 * Uploads `content` as a multipart upload in parts of `partBytes` (CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload) and leaves the object with S3's multipart ETag. Returns the
 * object URL and that ETag.
 */
export async function putMultipart(s3: S3Server, key: string, content: Buffer, partBytes: number, metadata: Record<string, string> = {}): Promise<{ url: string; etag: string }> {
  const url = s3.objectUrl(key);
  const created = await send(`${url}?uploads`, 'POST', undefined, metaHeaders(metadata));
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)?.[1];
  if (uploadId === undefined) throw new Error(`s3rver gave no UploadId: ${created.text}`);
  const parts: string[] = [];
  const partMd5s: Buffer[] = [];
  for (let start = 0, number = 1; start < content.length; start += partBytes, number++) {
    const part = content.subarray(start, start + partBytes);
    const uploaded = await send(`${url}?partNumber=${number}&uploadId=${uploadId}`, 'PUT', part);
    parts.push(`<Part><PartNumber>${number}</PartNumber><ETag>${uploaded.etag ?? ''}</ETag></Part>`);
    partMd5s.push(createHash('md5').update(part).digest());
  }
  await send(`${url}?uploadId=${uploadId}`, 'POST', `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`);
  const s3Etag = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
  await writeFile(join(s3.directory, s3.bucket, `${key}._S3rver_object.md5`), s3Etag);
  const head = await send(url, 'HEAD', undefined);
  if (head.etag !== `"${s3Etag}"`) throw new Error(`s3rver sends ETag ${String(head.etag)}, not S3's multipart "${s3Etag}"`);
  return { url, etag: s3Etag };
}

/**
 * A presigned GET URL (S3 query-string authentication, signature version 2) valid for an hour.
 * `signature` is the secret part tests look for in output.
 */
export function presignGet(s3: S3Server, key: string): { url: string; signature: string } {
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const stringToSign = `GET\n\n\n${expires}\n/${s3.bucket}/${key}`;
  const signature = createHmac('sha1', SECRET_ACCESS_KEY).update(stringToSign, 'utf8').digest('base64');
  const query = new URLSearchParams({ AWSAccessKeyId: ACCESS_KEY_ID, Expires: String(expires), Signature: signature });
  return { url: `${s3.objectUrl(key)}?${query.toString()}`, signature };
}
