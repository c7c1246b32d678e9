/**
 * A loopback HTTP proxy in front of a real server (Azurite) that counts the response body bytes it
 * passes on and, on request, answers the next HEADs (probes) and the next ranged GETs with a
 * fault instead: Azure's throttling answers (503 ServerBusy, 500 OperationTimedOut), a connection
 * reset part-way through the body, or a body that stops part-way and hangs (a stall).
 *
 * Not responsible for: HTTPS, or anything beyond what the tests' clients send (plain HTTP/1.1).
 * NETWORK SAFETY: listens on 127.0.0.1 and forwards only to the loopback upstream it is given.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to one ranged read instead of forwarding it whole. */
export type Fault = 'server-busy' | 'operation-timed-out' | 'reset-mid-body' | 'stall-mid-body';

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Response body bytes passed on from upstream. */
  readonly bodyBytes: () => number;
  /** The faults served so far, in order, with the method of the request each answered. */
  readonly served: string[];
  /** Ranged reads (GETs with a range header) seen, faulted or not. */
  readonly rangedGets: () => number;
  /** `performance.now()` at the arrival of each HEAD and ranged read, in order. */
  readonly requestTimesMs: number[];
  close(): Promise<void>;
}

const BUSY: Record<'server-busy' | 'operation-timed-out', [number, string, string]> = {
  'server-busy': [503, 'ServerBusy', 'The server is currently unable to receive requests. Please retry your request.'],
  'operation-timed-out': [500, 'OperationTimedOut', 'The operation could not be completed within the permitted time.'],
};

/** Faults to serve: to the first HEADs (`probe`) and to the first ranged GETs (`ranges`), in order. */
export interface FaultPlan {
  readonly probe?: readonly Fault[];
  readonly ranges?: readonly Fault[];
}

/** Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) that serves the planned faults. */
export async function startFaultProxy(upstream: string, plan: FaultPlan = {}): Promise<FaultProxy> {
  const pendingProbe = [...(plan.probe ?? [])];
  const pendingRanges = [...(plan.ranges ?? [])];
  const served: string[] = [];
  let bodyBytes = 0;
  let rangedGets = 0;
  const requestTimesMs: number[] = [];
  const target = new URL(upstream);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ranged = req.method === 'GET' && (req.headers['x-ms-range'] !== undefined || req.headers.range !== undefined);
    if (ranged) rangedGets += 1;
    if (ranged || req.method === 'HEAD') requestTimesMs.push(performance.now());
    const fault = ranged ? pendingRanges.shift() : req.method === 'HEAD' ? pendingProbe.shift() : undefined;
    if (fault !== undefined) served.push(`${req.method ?? ''} ${fault}`);
    if (fault === 'server-busy' || fault === 'operation-timed-out') {
      const [status, code, message] = BUSY[fault];
      req.resume();
      res.writeHead(status, { 'x-ms-error-code': code, 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
      return;
    }
    const upstreamReq = request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
    }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      let sent = 0;
      upstreamRes.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
        sent += chunk.length;
        res.write(chunk);
        if (fault === 'reset-mid-body' && sent >= 64 * 1024) {
          upstreamRes.destroy();
          res.socket?.destroy();
        }
        // A stall: keep the connection open, send nothing more; the client must give up on it.
        if (fault === 'stall-mid-body' && sent >= 64 * 1024) upstreamRes.destroy();
      });
      upstreamRes.on('end', () => res.end());
      upstreamRes.on('error', () => {
        if (fault !== 'stall-mid-body') res.socket?.destroy();
      });
    });
    upstreamReq.on('error', () => res.socket?.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    bodyBytes: () => bodyBytes,
    served,
    rangedGets: () => rangedGets,
    requestTimesMs,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
