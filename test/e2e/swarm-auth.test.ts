/**
 * Trust on the LAN, end to end: only hosts that know the swarm key (the MD5 and size the origin
 * publishes) get bytes from a peer, and with a swarm secret only hosts with the same secret even
 * find each other.
 *
 * Real `swarm-download` processes on a loopback discovery port of the test's own; the eavesdropper
 * is a client written here from src/wire that knows only what it overhears on that port.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELLO_BYTES, PROOF_BYTES, authProof, encodeHello } from '../../src/wire/handshake.js';
import { encodeMessage } from '../../src/wire/codec.js';
import { makeContent } from '../../src/testing/origin-server.js';
import { makeTempDir } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnMember } from '../helpers/swarm-fixture.js';
import { startListenedSeeder } from '../helpers/seeder-fixture.js';
import { WireClient, bytesUntilClose, keysOf, rawSocket } from '../helpers/wire-client.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const TEST_TIMEOUT_MS = 90_000;
const SEED_FLAGS = ['--seed-until-idle', '--idle-timeout', '60'];

/** A client that overheard `swarmId` tries its luck with a made-up key; returns every byte it got back. */
async function strangerTries(port: number, swarmId: Buffer, sendProof: boolean): Promise<Buffer> {
  const socket = await rawSocket(port);
  const received = bytesUntilClose(socket);
  const nonce = Buffer.alloc(32, 0x77);
  const guessedKey = Buffer.from(swarmId); // the best a listener can do: it has nothing else
  socket.write(encodeHello({ swarmId, peerId: Buffer.alloc(20, 0x33), nonce }));
  if (sendProof) {
    // Without the seeder's nonce yet, any proof is a guess; bind it to a nonce of our choosing.
    socket.write(authProof({ authKey: guessedKey, swarmId, senderDialled: true, senderPeerId: Buffer.alloc(20, 0x33), receiverPeerId: Buffer.alloc(20, 0x44), senderNonce: nonce, receiverNonce: Buffer.alloc(32) }));
  }
  socket.write(Buffer.concat([encodeMessage({ type: 'interested' }), encodeMessage({ type: 'request', piece: 0, begin: 0, length: 16384 })]));
  return received;
}

describe('swarm-download: who may take bytes', () => {
  it('a client that knows only what it overhears on the discovery port gets no piece; one that knows the swarm key does', async () => {
    const { content, ear, seeder, key } = await startListenedSeeder(8 * MiB, 601);
    try {
      const heard = await ear.first((entry) => entry.announce !== null && entry.address === '127.0.0.1');
      const announce = heard.announce!;
      const { swarmId, authKey } = keysOf(key);
      expect(announce.swarmIds.map((id) => id.toString('hex'))).toContain(swarmId.toString('hex'));
      expect(heard.bytes.includes(Buffer.from(key.md5Hex, 'hex')), 'the announce does not carry the MD5').toBe(false);
      expect(heard.bytes.includes(authKey), 'the announce does not carry the auth key').toBe(false);

      for (const sendProof of [true, false]) {
        const received = await strangerTries(announce.tcpPort, swarmId, sendProof);
        // The seeder's hello and its proof (bound to our nonce, useless elsewhere), then the close: no frame.
        expect(received.length, `bytes the stranger got back (proof sent: ${String(sendProof)})`).toBe(HELLO_BYTES + PROOF_BYTES);
      }

      const insider = await WireClient.connect(key, { port: announce.tcpPort });
      await insider.opened;
      await expect.poll(() => insider.receivedBytes, { timeout: 10_000 }).toBeGreaterThan(0);
      insider.close();
      expect(seeder.cli.kill('SIGTERM')).toBe(true);
      await expectVerified(await seeder.result, seeder.paths, content, 143);
    } finally {
      ear.close();
    }
  }, TEST_TIMEOUT_MS);

  it('two swarm secrets on one LAN: hosts share within a secret, never across, and hosts without one are left out', async () => {
    const content = makeContent(8 * MiB, 602);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const dir = await makeTempDir();
    const secretFile = join(dir, 'secret-one');
    await writeFile(secretFile, 'correct horse battery staple\n');
    const withOne = ['--swarm-secret-file', secretFile];
    const withTwo = { SWARM_SECRET: 'another secret entirely' };

    // Two seeders, one per secret, fetch the same file at the same time: neither helps the other.
    const [seedOne, seedTwo] = [
      await spawnMember(origin.url, { discoveryPort, extra: [...SEED_FLAGS, ...withOne] }),
      await spawnMember(origin.url, { discoveryPort, extra: SEED_FLAGS, env: withTwo }),
    ];
    for (const seeder of [seedOne, seedTwo]) {
      const done = (await seeder.waitForKind('done')).event;
      expect(done.peerBytes, 'a seeder took nothing from the host with the other secret').toBe(0);
      const seeding = (await seeder.waitForKind('seeding')).event;
      expect(seeding.peers, 'peers of a seeder once both are done: not the one with the other secret').toBe(0);
    }
    expect(origin.stats.bodyBytes, 'the origin served the file once per secret').toBeGreaterThanOrEqual(2 * content.length);

    // From now on the origin serves no body: bytes can only come from peers with the same secret.
    origin.setFaults({ failFirstRequests: { count: Number.MAX_SAFE_INTEGER, status: 503 } });
    const leechOne = await spawnMember(origin.url, { discoveryPort, extra: withOne });
    const leechTwo = await spawnMember(origin.url, { discoveryPort, env: withTwo });
    for (const leech of [leechOne, leechTwo]) {
      const done = await expectVerified(await leech.result, leech.paths, content);
      expect(done.originBytes).toBe(0);
      expect(done.peerBytes).toBe(content.length);
    }

    // A host without a secret finds nobody: with the origin back, it takes everything from there.
    origin.setFaults({});
    const outsider = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await outsider.result, outsider.paths, content);
    expect(done.peerBytes, 'the host without a secret took nothing from the swarm').toBe(0);
    expect(done.originBytes).toBe(content.length);

    for (const seeder of [seedOne, seedTwo]) expect(seeder.cli.kill('SIGTERM')).toBe(true);
    await Promise.all([seedOne.result, seedTwo.result]);
  }, TEST_TIMEOUT_MS);
});
