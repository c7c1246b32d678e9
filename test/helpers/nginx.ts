/**
 * A real nginx (Debian's /usr/sbin/nginx, `apt-get install nginx`) for tests, on loopback only:
 * a config file of our own in a temporary directory (`daemon off`, one process, its pid file,
 * temp paths and access log there) serves that directory's `www/` on 127.0.0.1, on a port picked
 * free, with `etag off` (nginx then sends Last-Modified and no ETag). `/slow/` is rate-limited per
 * connection; `/noranges/` has `max_ranges 0` (200 with the whole body, no Accept-Ranges). The
 * access log records `STATUS BODY_BYTES_SENT "RANGE"` per request, for egress counts.
 *
 * Not responsible for the files served: tests write them under `root`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, stopChild } from './opentracker.js';

export const NGINX_BIN = '/usr/sbin/nginx';
/** Why the nginx tests skip, or null when they run. */
export const NGINX_MISSING: string | null = existsSync(NGINX_BIN) ? null : `${NGINX_BIN} is missing (apt-get install nginx)`;

/** One line of the access log. */
export interface NginxLogLine {
  readonly status: number;
  readonly bodyBytes: number;
  readonly range: string;
}

/** A running nginx. */
export interface RunningNginx {
  /** `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** The directory served. */
  readonly root: string;
  /** The access log so far (nginx writes a line when a request ends, a cut one included). */
  log(): Promise<NginxLogLine[]>;
  stop(): Promise<void>;
}

/** The config file the tests give nginx. */
export function nginxConfig(port: number, dir: string, slowRate = '2m'): string {
  return `# swarm test origin: loopback only, on a port picked free; everything under ${dir}
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  log_format sent '$status $body_bytes_sent "$http_range"';
  access_log ${dir}/access.log sent;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    etag off;
    location /slow/ { limit_rate ${slowRate}; }
    location /noranges/ { max_ranges 0; }
  }
}
`;
}

/** The status of a HEAD of `url`, or null when the connection failed. */
function headStatus(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'HEAD', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * Waits until nginx answers (it says nothing when it listens). There is no event to wait on:
 * this polls, every 50 ms, for at most 5 s. False when it exited (a port taken meanwhile).
 */
async function ready(child: ChildProcess, url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await headStatus(url) === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function parseLog(text: string): NginxLogLine[] {
  return text.split('\n').flatMap((line) => {
    const match = /^(\d{3}) (\d+) "(.*)"$/.exec(line);
    return match ? [{ status: Number(match[1]), bodyBytes: Number(match[2]), range: match[3] ?? '' }] : [];
  });
}

/** Starts nginx on 127.0.0.1; tries fresh ports up to 3 times. */
export async function startNginx(slowRate?: string): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-nginx-'));
  await mkdir(join(dir, 'www'));
  await mkdir(join(dir, 'tmp'));
  await writeFile(join(dir, 'www', 'ready.txt'), 'ok\n');
  const logPath = join(dir, 'access.log');
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeTcpPort();
    await writeFile(join(dir, 'nginx.conf'), nginxConfig(port, dir, slowRate));
    const child = spawn(NGINX_BIN, ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    const baseUrl = `http://127.0.0.1:${port}`;
    if (await ready(child, `${baseUrl}/ready.txt`)) {
      await writeFile(logPath, '');
      return {
        baseUrl,
        root: join(dir, 'www'),
        log: async () => parseLog(await readFile(logPath, 'utf8').catch(() => '')),
        stop: async () => {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('nginx did not start on loopback (3 tries)');
}
