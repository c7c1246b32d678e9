/**
 * swarm-download against Azure Blob Storage, as emulated by Azurite on loopback: the Azure client
 * (SDK) with each kind of credentials, a blob without Content-MD5, a blob overwritten mid-download,
 * throttling answers, a swarm of three processes, and an Azure host sharing with a plain-HTTP host.
 * No output of any run may hold a key or a SAS signature.
 *
 * NETWORK SAFETY: Azurite, the fault proxy and the HTTP origin listen on 127.0.0.1; swarm members
 * broadcast to 127.255.255.255 only.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerClient } from '@azure/storage-blob';
import { makeContent } from '../../src/testing/origin-server.js';
import { AZURITE_KEY, blobSasUrl, createContainer, startAzurite, uploadBlob, type Azurite } from '../helpers/azurite.js';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../helpers/fault-proxy.js';
import type { CliResult } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnMember, spawnSwarm } from '../helpers/swarm-fixture.js';
import {
  FAST_RETRY_FLAGS, MiB, describeRun, download, expectDownloaded, expectFailed, md5Hex, newPaths, startEvent,
  startTestOrigin, useE2eCleanup, downloadArgs,
} from './e2e-fixture.js';
import { spawnCli } from '../helpers/run-cli.js';

useE2eCleanup();

const TEST_TIMEOUT_MS = 90_000;
/** Account + key: the Azurite development account. */
const ACCOUNT_KEY_ENV = { AZURE_STORAGE_ACCOUNT: 'devstoreaccount1', AZURE_STORAGE_KEY: AZURITE_KEY };

let azurite: Azurite;
let privateContainer: ContainerClient;
let publicContainer: ContainerClient;
const proxies: FaultProxy[] = [];
/** Every secret a test used: no output may contain one. */
const secrets = new Set<string>([AZURITE_KEY, encodeURIComponent(AZURITE_KEY)]);

beforeAll(async () => {
  azurite = await startAzurite();
  privateContainer = await createContainer(azurite, 'private');
  publicContainer = await createContainer(azurite, 'public', true);
});

afterAll(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await azurite.stop();
});

/** The run's whole output holds no secret (key, SAS, signature, in plain or URL-encoded form). */
function expectNoSecrets(result: CliResult): void {
  const output = `${result.stdout}\n${result.stderr}`;
  for (const secret of secrets) expect(output.includes(secret), `output holds a secret: ${describeRun(result)}`).toBe(false);
  expect(output).not.toMatch(/sig=[^…&\s"]/);
}

/** The blob URL with its host:port moved to a proxy. */
function viaProxy(url: string, proxy: FaultProxy): string {
  const moved = new URL(url);
  const target = new URL(proxy.origin);
  moved.host = target.host;
  return moved.href;
}

async function proxy(plan: FaultPlan = {}): Promise<FaultProxy> {
  const started = await startFaultProxy(`http://127.0.0.1:${azurite.port}`, plan);
  proxies.push(started);
  return started;
}

describe('swarm-download: Azure Blob Storage (Azurite)', () => {
  it('downloads a blob with Content-MD5 (AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY, --azure)', async () => {
    const content = makeContent(6 * MiB + 123, 401);
    const url = await uploadBlob(privateContainer, 'single.bin', content, true);
    const { result, paths } = await download(url, ['--azure', '--no-discovery'], { env: ACCOUNT_KEY_ENV });
    await expectDownloaded(result, paths.output, content);
    expect(startEvent(result)).toMatchObject({ md5Source: 'x-ms-blob-content-md5', md5: md5Hex(content) });
    expectNoSecrets(result);
  }, TEST_TIMEOUT_MS);

  it('downloads with AZURE_STORAGE_CONNECTION_STRING, origin type from SWARM_ORIGIN_TYPE', async () => {
    const content = makeContent(3 * MiB, 402);
    const url = await uploadBlob(privateContainer, 'conn.bin', content, true);
    secrets.add(azurite.connectionString);
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, SWARM_ORIGIN_TYPE: 'azure' };
    const { result, paths } = await download(url, ['--no-discovery'], { env });
    await expectDownloaded(result, paths.output, content);
    expectNoSecrets(result);
  }, TEST_TIMEOUT_MS);

  it('downloads a SAS URL (--origin-type azure, a connection string SAS, and plain HTTP); a tampered signature is exit 3 naming the SAS, not showing it', async () => {
    const content = makeContent(2 * MiB + 7, 403);
    await uploadBlob(privateContainer, 'sas.bin', content, true);
    const { url, sig } = blobSasUrl(azurite, 'private', 'sas.bin');
    secrets.add(sig);
    secrets.add(encodeURIComponent(sig));
    const good = await download(url, ['--origin-type', 'azure', '--no-discovery']);
    await expectDownloaded(good.result, good.paths.output, content);
    expect(startEvent(good.result).url).toBe(`${azurite.endpoint}/private/sas.bin?…`);
    expectNoSecrets(good.result);

    // The same SAS as the SharedAccessSignature of a connection string, and the URL without it.
    const connectionString = `BlobEndpoint=${azurite.endpoint};SharedAccessSignature=${new URL(url).search.slice(1)}`;
    secrets.add(connectionString);
    const viaConnection = await download(`${azurite.endpoint}/private/sas.bin`, ['--azure', '--no-discovery'], { env: { AZURE_STORAGE_CONNECTION_STRING: connectionString } });
    await expectDownloaded(viaConnection.result, viaConnection.paths.output, content);
    expectNoSecrets(viaConnection.result);

    // Plain HTTP on the same SAS URL reads the blob's MD5 from its headers: the same swarm key.
    const plain = await download(url, ['--origin-type', 'http', '--no-discovery']);
    await expectDownloaded(plain.result, plain.paths.output, content);
    expect(startEvent(plain.result).md5).toBe(md5Hex(content));
    expectNoSecrets(plain.result);

    const tampered = url.replace(/sig=[^&]+/, `sig=${encodeURIComponent(Buffer.alloc(32, 7).toString('base64'))}`);
    const bad = await download(tampered, ['--origin-type', 'azure', '--no-discovery']);
    const { message, code } = expectFailed(bad.result, 3, bad.paths.output);
    expect(code).toBe('ORIGIN_HTTP_STATUS');
    expect(message).toContain('HTTP 403');
    expect(message).toContain('the SAS token in the URL');
    expect(`${bad.result.stdout}${bad.result.stderr}`).not.toContain(Buffer.alloc(32, 7).toString('base64'));
    expectNoSecrets(bad.result);
  }, TEST_TIMEOUT_MS);

  it('downloads from a public container without credentials; a wrong key on a private one is exit 3 without the key', async () => {
    const content = makeContent(1 * MiB, 404);
    const url = await uploadBlob(publicContainer, 'anon.bin', content, true);
    const anonymous = await download(url, ['--azure', '--no-discovery']);
    await expectDownloaded(anonymous.result, anonymous.paths.output, content);

    const privateUrl = await uploadBlob(privateContainer, 'denied.bin', content, true);
    const wrongKey = Buffer.alloc(64, 9).toString('base64');
    secrets.add(wrongKey);
    const denied = await download(privateUrl, ['--azure', '--no-discovery'], { env: { AZURE_STORAGE_ACCOUNT: 'devstoreaccount1', AZURE_STORAGE_KEY: wrongKey } });
    const { message } = expectFailed(denied.result, 3, denied.paths.output);
    expect(message).toContain('HTTP 403');
    expect(message).toContain('AZURE_STORAGE_ACCOUNT devstoreaccount1 and AZURE_STORAGE_KEY');
    expectNoSecrets(denied.result);
  }, TEST_TIMEOUT_MS);

  it('a blob without Content-MD5 is exit 3 saying to pass --md5 or set the property; --md5 then works', async () => {
    const content = makeContent(2 * MiB, 405);
    const url = await uploadBlob(privateContainer, 'no-md5.bin', content, false);
    const failed = await download(url, ['--azure', '--no-discovery'], { env: ACCOUNT_KEY_ENV });
    const { message, code } = expectFailed(failed.result, 3, failed.paths.output);
    expect(code).toBe('ORIGIN_NO_MD5');
    expect(message).toContain('--md5');
    expect(message).toContain("blob's Content-MD5 property");

    const given = await download(url, ['--azure', '--no-discovery', '--md5', md5Hex(content)], { env: ACCOUNT_KEY_ENV });
    await expectDownloaded(given.result, given.paths.output, content);
    expect(startEvent(given.result).md5Source).toBe('flag');
  }, TEST_TIMEOUT_MS);

  it('a blob overwritten mid-download is exit 3 ORIGIN_CHANGED and nothing is published', async () => {
    const content = makeContent(16 * MiB, 406);
    const url = await uploadBlob(privateContainer, 'overwritten.bin', content, true);
    const paths = await newPaths();
    const cli = spawnCli(downloadArgs(url, paths, ['--azure', '--no-discovery', '--speed-limit-down', '2MiB/s']), { env: ACCOUNT_KEY_ENV, timeoutMs: 60_000 });
    await cli.waitForEvent((event) => event.event === 'progress' && (event.bytes as number) > 0 && (event.bytes as number) < content.length);
    await uploadBlob(privateContainer, 'overwritten.bin', makeContent(16 * MiB, 407), true);
    const result = await cli.result;
    const { code } = expectFailed(result, 3, paths.output);
    expect(code).toBe('ORIGIN_CHANGED');
    expect(existsSync(paths.output)).toBe(false);
  }, TEST_TIMEOUT_MS);

  it('retries 503 ServerBusy (probe and range), 500 OperationTimedOut, a reset and a stall mid-body with backoff, then completes', async () => {
    const content = makeContent(4 * MiB, 408);
    const url = await uploadBlob(privateContainer, 'throttled.bin', content, true);
    const faulty = await proxy({ probe: ['server-busy'], ranges: ['operation-timed-out', 'reset-mid-body', 'stall-mid-body', 'server-busy'] });
    const { result, paths } = await download(viaProxy(url, faulty), ['--azure', '--no-discovery', '--connections', '1', ...FAST_RETRY_FLAGS], { env: ACCOUNT_KEY_ENV });
    await expectDownloaded(result, paths.output, content);
    expect(faulty.served).toEqual(['HEAD server-busy', 'GET operation-timed-out', 'GET reset-mid-body', 'GET stall-mid-body', 'GET server-busy']);
    // One try per SDK call: each fault cost exactly one request; the retries are ours. Two runs of
    // 2 MiB need two good GETs after the four faulted ones.
    expect(faulty.rangedGets(), describeRun(result)).toBe(6);
    // Our backoff, not the SDK's: each retry after a fault waits at least half the 200 ms base delay.
    // Requests: HEAD busy, HEAD, GET timed out, GET reset, GET stalled, GET busy, GET, GET.
    const times = faulty.requestTimesMs;
    const after = (faulted: number): number => (times[faulted + 1] ?? 0) - (times[faulted] ?? 0);
    const shown = `request times ${times.map((atMs) => Math.round(atMs - (times[0] ?? 0))).join(', ')}`;
    for (const faulted of [0, 2, 3, 5]) expect(after(faulted), shown).toBeGreaterThanOrEqual(100);
    // The stall was given up after --stall-timeout (2 s), not at once.
    expect(after(4), shown).toBeGreaterThanOrEqual(2000);
  }, TEST_TIMEOUT_MS);

  it('three processes share a blob and fetch it about once from the storage account', async () => {
    const content = makeContent(32 * MiB, 409);
    const url = await uploadBlob(privateContainer, 'swarm.bin', content, true);
    const counting = await proxy();
    const members = await spawnSwarm(viaProxy(url, counting), 3, { discoveryPort: newSwarmPort(), extra: ['--azure'], env: ACCOUNT_KEY_ENV });
    let peerBytes = 0;
    for (const member of members) {
      const result = await member.result;
      const done = await expectVerified(result, member.paths, content);
      peerBytes += done.peerBytes as number;
      expectNoSecrets(result);
    }
    expect(counting.bodyBytes(), 'bytes served by Azurite').toBeLessThanOrEqual(1.1 * content.length);
    expect(peerBytes, 'bytes the processes took from each other').toBeGreaterThan(0);
  }, TEST_TIMEOUT_MS);

  it('an Azure seeder and a plain-HTTP joiner of the same bytes share one swarm key', async () => {
    const content = makeContent(8 * MiB, 410);
    const url = await uploadBlob(privateContainer, 'shared.bin', content, true);
    const discoveryPort = newSwarmPort();
    const seeder = await spawnMember(url, { discoveryPort, extra: ['--azure', '--seed-until-idle', '--idle-timeout', '60'], env: ACCOUNT_KEY_ENV });
    await seeder.waitForKind('seeding');
    const origin = await startTestOrigin({ content });
    const joiner = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await joiner.result, joiner.paths, content);
    expect(done.originBytes, 'bytes the HTTP joiner took from its origin').toBe(0);
    expect(done.peerBytes).toBe(content.length);
    expect(seeder.cli.kill('SIGTERM')).toBe(true);
    await expectVerified(await seeder.result, seeder.paths, content, 143);
  }, TEST_TIMEOUT_MS);

  it('refuses a bad origin type and half-set credentials with exit 2', async () => {
    const url = `${azurite.endpoint}/private/single.bin`;
    const badType = await download(url, ['--origin-type', 's3', '--no-discovery']);
    expect(expectFailed(badType.result, 2).message).toContain('invalid origin-type "s3" (from flag --origin-type): must be one of "auto", "http", "azure"');
    const conflicting = await download(url, ['--azure', '--origin-type', 'http', '--no-discovery']);
    expect(expectFailed(conflicting.result, 2).message).toContain('--azure contradicts --origin-type');
    const halfSet = await download(url, ['--azure', '--no-discovery'], { env: { AZURE_STORAGE_ACCOUNT: 'devstoreaccount1' } });
    expect(expectFailed(halfSet.result, 2).message).toContain('AZURE_STORAGE_ACCOUNT is set without AZURE_STORAGE_KEY');
    const badConnection = await download(url, ['--azure', '--no-discovery'], { env: { AZURE_STORAGE_CONNECTION_STRING: 'AccountName=x;AccountKey' } });
    expect(expectFailed(badConnection.result, 2).message).toContain('AZURE_STORAGE_CONNECTION_STRING is not a storage connection string');
  }, TEST_TIMEOUT_MS);
});
