/**
 * Shows download events to a person or a program: NDJSON with `--json`, a redrawn progress bar on
 * a TTY, a start and an end line otherwise, nothing but errors with `--quiet`. While the origin
 * is retried, the bar says what failed and counts down to the next attempt until `origin-ok`;
 * without a TTY each `origin-retry` and `origin-ok` is a line.
 *
 * Not responsible for exit codes. Writes go to the streams given, so tests can capture them.
 */
import type { SwarmError } from '../errors.js';
import type { DownloadEvent } from '../session/download.js';
import { formatBytes } from '../config/size.js';
import { describeOriginEvent, type OriginRetryEvent } from '../http-seed/origin-outage.js';
import { formatDoneLine, formatProgressLine, formatRetryStatus, type ProgressFigures, type RetryShown } from './format-progress.js';
import { terminalWidth } from './terminal-width.js';

/** A stream the reporter writes to; `columns` sizes the progress bar. */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** How output is shown. */
export type ReportMode = 'json' | 'tty' | 'plain' | 'quiet';

/** Writes events in one of the {@link ReportMode}s. */
export class Reporter {
  readonly #mode: ReportMode;
  readonly #out: OutputStream;
  readonly #err: OutputStream;
  readonly #program: string;
  #barShown = false;
  /** The last progress figures, to redraw the bar when the retry state changes. */
  #figures: ProgressFigures | null = null;
  /** The origin's last failure and when its retry is due (`Date.now()`), until `origin-ok`. */
  #retry: { readonly event: OriginRetryEvent; readonly dueMs: number } | null = null;

  constructor(mode: ReportMode, program: string, out: OutputStream, err: OutputStream) {
    this.#mode = mode;
    this.#program = program;
    this.#out = out;
    this.#err = err;
  }

  /** Shows one event. */
  event(event: DownloadEvent): void {
    if (this.#mode === 'json') {
      this.#out.write(`${JSON.stringify({ ...event, ts: new Date().toISOString() })}\n`);
      return;
    }
    if (this.#mode === 'quiet') return;
    switch (event.event) {
      case 'start':
        this.#line(`${event.url}: ${formatBytes(event.size)}, MD5 ${event.md5} (${event.md5Source})${event.resumedBytes > 0 ? `, resuming with ${formatBytes(event.resumedBytes)}` : ''}`);
        break;
      case 'progress':
        this.#figures = event;
        if (this.#mode === 'tty') this.#drawBar();
        break;
      case 'origin-retry':
        this.#retry = { event, dueMs: Date.now() + event.delayMs };
        if (this.#mode === 'tty') this.#drawBar();
        else this.#line(describeOriginEvent(event));
        break;
      case 'origin-ok':
        this.#retry = null;
        if (this.#mode === 'tty') this.#drawBar();
        else this.#line(describeOriginEvent(event));
        break;
      case 'verifying':
        if (this.#mode === 'tty') this.#line('verifying MD5…');
        break;
      case 'done':
        this.#line(formatDoneLine(event));
        break;
      case 'seeding':
        this.#line(`seeding to ${event.peers} peers until the swarm is idle for ${event.idleTimeoutSeconds}s`);
        break;
      case 'idle':
        this.#line(`swarm idle; served ${formatBytes(event.uploadedBytes)} to peers`);
        break;
      case 'peer-source-warning':
        this.#line(`warning: ${event.source}: ${event.message}`);
        break;
      case 'peer-port-fallback':
        this.#line(`warning: port ${event.configuredPort} (from the config file or SWARM_PORT) is in use, by swarm-server on this host perhaps; peers reach this download on port ${event.port} (give --port to insist)`);
        break;
    }
  }

  /** Shows a failure: one line on stderr, and an `error` event with `--json`. */
  error(err: SwarmError): void {
    if (this.#mode === 'json') {
      this.#out.write(`${JSON.stringify({ event: 'error', code: err.code, exitCode: err.exitCode, message: err.message, ts: new Date().toISOString() })}\n`);
    }
    this.#line(`error: ${err.message}`);
  }

  /** The bar, with the retry state while there is one; before any figures, the retry state alone. */
  #drawBar(): void {
    const columns = terminalWidth(this.#err.columns);
    const retry: RetryShown | null = this.#retry && { ...this.#retry.event, retryInMs: this.#retry.dueMs - Date.now() };
    if (this.#figures === null && retry === null) return;
    const text = this.#figures ? formatProgressLine(this.#figures, columns, retry) : `${this.#program}: ${formatRetryStatus(retry as RetryShown)}`.slice(0, Math.max(0, columns - 1));
    this.#err.write(`\r${text}\x1b[K`);
    this.#barShown = true;
  }

  #line(text: string): void {
    if (this.#barShown) {
      this.#err.write('\r\x1b[K');
      this.#barShown = false;
    }
    this.#err.write(`${this.#program}: ${text}\n`);
  }
}
