/**
 * Loopback TCP ports for tests that hand a process hostile peer addresses: listeners that accept
 * and never send a byte (a peer that hangs every handshake), counting how many connections they
 * hold at once, and ports where nothing listens (every dial is refused at once).
 *
 * Not responsible for: asserting (the tests do). NETWORK SAFETY: 127.0.0.1 only.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Listens on 127.0.0.1, port 0. */
async function listenLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Listeners on 127.0.0.1 that accept every connection and never answer. */
export class SilentListeners {
  /** One port per listener, in the order they were started. */
  readonly ports: readonly number[];
  /** Connections held now, over every listener. */
  open = 0;
  /** The most connections held at once, over every listener. */
  peakOpen = 0;
  readonly #accepted = new Map<number, number>();
  readonly #servers: readonly Server[];
  readonly #sockets = new Set<Socket>();

  private constructor(servers: readonly Server[], ports: readonly number[]) {
    this.#servers = servers;
    this.ports = ports;
    servers.forEach((server, i) => server.on('connection', (socket) => this.#hold(socket, ports[i] ?? 0)));
  }

  /** Starts `count` listeners. */
  static async start(count: number): Promise<SilentListeners> {
    const servers = Array.from({ length: count }, () => createServer());
    const ports = await Promise.all(servers.map((server) => listenLoopback(server)));
    return new SilentListeners(servers, ports);
  }

  /** Connections accepted on `port` so far (every listener when `port` is left out). */
  accepted(port?: number): number {
    if (port !== undefined) return this.#accepted.get(port) ?? 0;
    let total = 0;
    for (const count of this.#accepted.values()) total += count;
    return total;
  }

  /** Closes every listener and every connection they hold. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  #hold(socket: Socket, port: number): void {
    this.#accepted.set(port, (this.#accepted.get(port) ?? 0) + 1);
    this.#sockets.add(socket);
    this.open++;
    this.peakOpen = Math.max(this.peakOpen, this.open);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.open--;
    });
  }
}

/**
 * `count` distinct ports on which nothing listens: each was just bound on 127.0.0.1 and let go
 * (so no wildcard listener holds it either); a dial to any 127.x.y.z on it is refused.
 */
export async function deadPorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(servers.map((server) => listenLoopback(server)));
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}
