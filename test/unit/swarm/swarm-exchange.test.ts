/**
 * Peer exchange in the Swarm (the policy itself is tested in peer-exchange.test.ts): what a peer's
 * `listen` and `peers` messages become at the host, which listen addresses each peer is told of,
 * and the flood cap, against fake peers ({@link FakeLink}) and a fake host ({@link FakeSwarmHost}).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PEX_BURST_MESSAGES, PEX_INTERVAL_MS } from '../../../src/swarm/peer-exchange.js';
import type { PexAddress } from '../../../src/wire/codec.js';
import { SWARM_FAKE_TIMERS, SWARM_ID, addressOf, connect, listenPortOf, useSwarmHarness } from '../../helpers/swarm-harness.js';
import type { FakeLink } from '../../helpers/fake-link.js';
import { useTempStores } from '../../helpers/temp-store.js';

const openStore = useTempStores();
const setup = useSwarmHarness(openStore);

/** Peer `n`'s listen address. */
function pexOf(n: number): PexAddress {
  return { address: addressOf(n), port: listenPortOf(n) };
}

/** The `added` lists of the `peers` messages `link` was sent, in order. */
function told(link: FakeLink): PexAddress[][] {
  return link.sentOf('peers').map((message) => [...message.added]);
}

describe('Swarm: listen', () => {
  it("a peer's listen port goes to the host with its connection id; only the first counts", async () => {
    const h = await setup();
    const inbound = connect(h, 1, { outbound: false });
    inbound.link.receive({ type: 'listen', port: 7777 });
    inbound.link.receive({ type: 'listen', port: 8888 });
    expect(h.host.listens).toEqual([{ connectionId: inbound.info.connectionId, port: 7777 }]);
  });

  it('a peer we dialled has its listen port already: its listen message is ignored', async () => {
    const h = await setup();
    const dialled = connect(h, 1);
    dialled.link.receive({ type: 'listen', port: 7777 });
    expect(h.host.listens).toEqual([]);
  });
});

describe('Swarm: telling peers of each other', () => {
  it('two peers whose listen addresses are known are told of each other, never of themselves', async () => {
    const h = await setup();
    const a = connect(h, 1);
    expect(told(a.link), 'nobody else to tell of').toEqual([]);
    const b = connect(h, 2, { outbound: false });
    expect(told(b.link), 'b hears of a at once').toEqual([[pexOf(1)]]);
    expect(told(a.link), "b's listen port is not known yet").toEqual([]);
    b.link.receive({ type: 'listen', port: listenPortOf(2) });
    expect(told(a.link)).toEqual([[pexOf(2)]]);
    expect(told(b.link)).toEqual([[pexOf(1)]]);
  });

  describe('on the tick', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a peer that joined later is told to the others once their interval has passed', async () => {
      const h = await setup();
      vi.useFakeTimers({ toFake: [...SWARM_FAKE_TIMERS.toFake] });
      h.swarm.start();
      const a = connect(h, 1);
      const b = connect(h, 2);
      const c = connect(h, 3);
      expect(told(c.link)).toEqual([[pexOf(1), pexOf(2)]]);
      expect([told(a.link), told(b.link)], 'a and b were told of each other just now').toEqual([[[pexOf(2)]], [[pexOf(1)]]]);
      await vi.advanceTimersByTimeAsync(PEX_INTERVAL_MS - 1);
      expect([told(a.link).length, told(b.link).length]).toEqual([1, 1]);
      await vi.advanceTimersByTimeAsync(1);
      expect(told(a.link)).toEqual([[pexOf(2)], [pexOf(3)]]);
      expect(told(b.link)).toEqual([[pexOf(1)], [pexOf(3)]]);
      expect(told(c.link), 'c has heard everything').toEqual([[pexOf(1), pexOf(2)]]);
    });
  });
});

describe('Swarm: what peers tell us', () => {
  it('goes to the host with the swarm id, without undialable addresses or the sender itself', async () => {
    const h = await setup();
    const { link } = connect(h, 1);
    link.receive({
      type: 'peers',
      added: [
        pexOf(1),
        { address: '0.0.0.0', port: 7100 },
        { address: '224.0.0.1', port: 7101 },
        { address: 'fe80::1', port: 7102 },
        { address: '10.0.0.5', port: 7105 },
        { address: '::ffff:10.0.0.6', port: 7106 },
        { address: '10.0.0.5', port: 7105 },
      ],
    });
    expect(h.host.exchanges).toEqual([{ swarmId: SWARM_ID, found: [{ address: '10.0.0.5', port: 7105 }, { address: '10.0.0.6', port: 7106 }] }]);
    link.receive({ type: 'peers', added: [{ address: '10.0.0.5', port: 7105 }, pexOf(1)] });
    expect(h.host.exchanges, 'nothing new: the host is not called').toHaveLength(1);
  });

  it('from a peer that dialled us and has not said its listen port yet (it used to throw out of the message handler)', async () => {
    const h = await setup();
    const { link } = connect(h, 1, { outbound: false });
    link.receive({ type: 'peers', added: [{ address: '10.0.0.5', port: 7105 }] });
    expect(link.closed).toBe(false);
    expect(h.host.exchanges).toEqual([{ swarmId: SWARM_ID, found: [{ address: '10.0.0.5', port: 7105 }] }]);
    link.receive({ type: 'listen', port: listenPortOf(1) });
    link.receive({ type: 'peers', added: [pexOf(1), { address: '10.0.0.7', port: 7107 }] });
    expect(h.host.exchanges.at(-1), 'once its listen port is known, it is left out').toEqual({ swarmId: SWARM_ID, found: [{ address: '10.0.0.7', port: 7107 }] });
  });

  it(`a burst of more than ${PEX_BURST_MESSAGES} peers messages drops the peer as a flood`, async () => {
    const h = await setup();
    const { link } = connect(h, 1);
    for (let i = 0; i < PEX_BURST_MESSAGES; i++) link.receive({ type: 'peers', added: [{ address: `10.0.1.${i + 1}`, port: 7000 }] });
    expect(link.closed).toBe(false);
    expect(h.host.exchanges).toHaveLength(PEX_BURST_MESSAGES);
    link.receive({ type: 'peers', added: [{ address: '10.0.2.1', port: 7000 }] });
    expect(link.closeReason).toMatch(/flood/);
    expect(h.host.exchanges, 'what came with the flood is not taken').toHaveLength(PEX_BURST_MESSAGES);
    expect(h.swarm.peerCount).toBe(0);
  });
});
