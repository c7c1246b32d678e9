/**
 * One seeding `swarm-download` for tests that talk to it with clients of their own: an origin
 * with the content, the seeder (`--seed-until-idle`), a {@link DiscoveryEar} on the test's
 * discovery port, and what a client needs to reach it (the file key, the TCP port).
 *
 * Not responsible for cleanup (register `useE2eCleanup()`; close the ear) nor for assertions.
 */
import type { OriginServer } from '../../src/testing/origin-server.js';
import { makeContent } from '../../src/testing/origin-server.js';
import { startTestOrigin } from '../e2e/e2e-fixture.js';
import { newSwarmPort, spawnMember, type SwarmMember } from './swarm-fixture.js';
import { DiscoveryEar, type FileKey } from './wire-client.js';

/** A seeder that is seeding, and how to reach it. */
export interface ListenedSeeder {
  readonly content: Buffer;
  readonly origin: OriginServer;
  readonly discoveryPort: number;
  readonly ear: DiscoveryEar;
  readonly seeder: SwarmMember;
  readonly key: FileKey;
  readonly pieceCount: number;
  /** The seeder's TCP port, as overheard in its announce. */
  readonly port: number;
}

/** Starts the origin, the ear and the seeder (`extra` flags added); resolves once it seeds. */
export async function startListenedSeeder(bytes: number, seed: number, extra: readonly string[] = []): Promise<ListenedSeeder> {
  const content = makeContent(bytes, seed);
  const origin = await startTestOrigin({ content });
  const discoveryPort = newSwarmPort();
  const ear = await DiscoveryEar.listen(discoveryPort);
  const seeder = await spawnMember(origin.url, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '60', ...extra] });
  const start = (await seeder.waitForKind('start')).event;
  const key: FileKey = { md5Hex: String(start.md5), fileBytes: Number(start.size), pieceBytes: Number(start.pieceBytes) };
  await seeder.waitForKind('seeding');
  const port = (await ear.first((entry) => entry.announce !== null && entry.address === '127.0.0.1')).announce?.tcpPort ?? 0;
  return { content, origin, discoveryPort, ear, seeder, key, pieceCount: Number(start.pieceCount), port };
}
