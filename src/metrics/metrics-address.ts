/**
 * The `metrics-address` setting of `swarm-server`: where `GET /metrics` and `GET /healthz` are
 * served. `HOST:PORT` with an IP literal (`127.0.0.1:9464`, `[::1]:9464`), or a port alone
 * (`9464` or `:9464`), which means loopback 127.0.0.1: metrics are served to all interfaces only
 * when asked (`0.0.0.0:9464`, `[::]:9464`). Port 0 takes any free port (tests; the `ready` event
 * names the one bound). Hostnames are not accepted: an address to bind is a literal.
 *
 * Pure. Not responsible for binding. Concurrency: none (functions of their arguments).
 */
import { isIpLiteral } from '../config/resolve-config.js';

/** A parsed metrics address. */
export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
}

/** The host a port alone binds: loopback. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** Parses `text`; an error string (no throw: it is user input) when it is not an address. */
export function parseMetricsAddress(text: string): MetricsAddress | string {
  const trimmed = text.trim();
  if (trimmed.length > 100) return 'is too long for HOST:PORT';
  const portOnly = /^:?(\d{1,5})$/.exec(trimmed);
  const match = portOnly ? null : (/^\[([^\]]+)\]:(\d{1,5})$/.exec(trimmed) ?? /^([^:[\]]+):(\d{1,5})$/.exec(trimmed));
  const host = portOnly ? DEFAULT_METRICS_HOST : match?.[1];
  const portText = portOnly?.[1] ?? match?.[2];
  if (host === undefined || portText === undefined) {
    return 'must be HOST:PORT (e.g. 127.0.0.1:9464; IPv6 in brackets: [::1]:9464) or a port alone (loopback)';
  }
  const port = Number(portText);
  if (port > 65535) return `port ${port} is not between 0 and 65535`;
  if (!isIpLiteral(host)) return `${JSON.stringify(host)} is not an IP address literal; hostnames are not accepted`;
  return { host, port };
}

/** `host:port` as a URL authority (IPv6 in brackets). */
export function formatMetricsAddress(address: MetricsAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
