import { describe, expect, it } from 'vitest';
import { MonotonicTotals } from '../../../src/metrics/monotonic-totals.js';
import { SwarmMetrics } from '../../../src/metrics/swarm-metrics.js';
import { parsePromText } from '../../helpers/prom-text.js';

const figures = { bytes: 0, size: 100, peers: 0 };

describe('MonotonicTotals', () => {
  it.each([
    { name: 'adds growth only', reports: [['a', 10], ['a', 10], ['a', 25]] as const, total: 25 },
    { name: 'sums keys', reports: [['a', 10], ['b', 5], ['a', 12]] as const, total: 17 },
    { name: 'a shrinking figure starts over', reports: [['a', 10], ['a', 4]] as const, total: 14 },
  ])('$name', ({ reports, total }) => {
    const totals = new MonotonicTotals();
    for (const [key, value] of reports) totals.observe(key, value);
    expect(totals.total).toBe(total);
  });

  it('throws TypeError quoting a bad value', () => {
    expect(() => new MonotonicTotals().observe('a', -1)).toThrow(/got -1/);
    expect(() => new MonotonicTotals().observe('a', Number.NaN)).toThrow(TypeError);
  });
});

describe('SwarmMetrics', () => {
  it('counts a download from its events without counting figures twice', async () => {
    const metrics = new SwarmMetrics();
    metrics.downloadEvent({ event: 'progress', ...figures, originBytes: 30, peerBytes: 10, rateBytesPerSec: 0, etaSeconds: null, uploadedBytes: 5, peersBySource: {} });
    metrics.downloadEvent({ event: 'corrupt-piece', piece: 1, source: 'peer', peers: ['p'] });
    metrics.downloadEvent({ event: 'peer-banned', peer: 'p', reason: 'bad' });
    metrics.downloadEvent({ event: 'done', path: '/x', size: 100, md5: 'm', originBytes: 60, peerBytes: 40, originRequests: 2, elapsedMs: 2500, maxRssBytes: 1 });
    metrics.downloadEvent({ event: 'idle', uploadedBytes: 70, peers: 0 });
    metrics.watch({ peersBySource: () => ({ tracker: 2, incoming: 1 }) });
    const samples = parsePromText(await metrics.text());
    expect(samples.get('swarm_origin_bytes_total')).toBe(60);
    expect(samples.get('swarm_peer_bytes_total')).toBe(40);
    expect(samples.get('swarm_delivered_bytes_total')).toBe(100);
    expect(samples.get('swarm_uploaded_bytes_total')).toBe(70);
    expect(samples.get('swarm_peer_share_ratio')).toBe(0.4);
    expect(samples.get('swarm_corrupt_pieces_total{source="peer"}')).toBe(1);
    expect(samples.get('swarm_corrupt_pieces_total{source="disk"}')).toBe(0);
    expect(samples.get('swarm_peers_banned_total')).toBe(1);
    expect(samples.get('swarm_downloads_total{result="done"}')).toBe(1);
    expect(samples.get('swarm_download_duration_seconds_sum')).toBe(2.5);
    expect(samples.get('swarm_download_duration_seconds_bucket{le="5"}')).toBe(1);
    expect(samples.get('swarm_peers_connected{source="tracker"}')).toBe(2);
    expect(samples.get('swarm_peers_connected{source="dns"}')).toBe(0);
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('reads the daemon figures at scrape time, and counts its events', async () => {
    const metrics = new SwarmMetrics();
    const files = new Map([['f1', { originBytes: 10, peerBytes: 90, uploadedBytes: 3 }]]);
    metrics.watch({ fileBytes: () => files, filesByState: () => ({ complete: 2, partial: 1 }), cache: () => ({ usedBytes: 500, maxBytes: null }) });
    metrics.daemonEvent({ event: 'evicted', id: 'f0', size: 1 });
    metrics.daemonEvent({ event: 'download-failed', id: 'f2', code: 'ORIGIN_HTTP_STATUS', message: 'm' });
    let samples = parsePromText(await metrics.text());
    expect(samples.get('swarm_peer_bytes_total')).toBe(90);
    files.set('f1', { originBytes: 10, peerBytes: 95, uploadedBytes: 3 });
    metrics.daemonEvent({ event: 'download-done', id: 'f1', originBytes: 10, peerBytes: 95, elapsedMs: 1000 });
    samples = parsePromText(await metrics.text());
    expect(samples.get('swarm_peer_bytes_total')).toBe(95);
    expect(samples.get('swarm_origin_bytes_total')).toBe(10);
    expect(samples.get('swarm_files{state="complete"}')).toBe(2);
    expect(samples.get('swarm_cache_used_bytes')).toBe(500);
    expect(samples.get('swarm_cache_max_bytes')).toBe(0);
    expect(samples.get('swarm_evictions_total')).toBe(1);
    expect(samples.get('swarm_origin_errors_total{code="ORIGIN_HTTP_STATUS"}')).toBe(1);
    expect(samples.get('swarm_downloads_total{result="failed"}')).toBe(1);
  });

  it('counts origin requests by kind and result, and each retried one by its code', async () => {
    const metrics = new SwarmMetrics();
    // Coalesced events are not what retries are counted from: this one counts nothing.
    metrics.downloadEvent({ event: 'origin-retry', attempt: 1, delayMs: 100, reason: 'x', code: 'ORIGIN_STALLED' });
    metrics.originRequest({ kind: 'probe', result: 'retried', code: 'ORIGIN_HTTP_STATUS' });
    metrics.originRequest({ kind: 'probe', result: 'ok', code: null });
    metrics.originRequest({ kind: 'range', result: 'retried', code: 'ORIGIN_STALLED' });
    metrics.originRequest({ kind: 'range', result: 'retried', code: 'ORIGIN_STALLED' });
    metrics.originRequest({ kind: 'range', result: 'ok', code: null });
    metrics.originRequest({ kind: 'range', result: 'failed', code: 'ORIGIN_CHANGED' });
    const samples = parsePromText(await metrics.text());
    expect(samples.get('swarm_origin_requests_total{kind="probe",result="ok"}')).toBe(1);
    expect(samples.get('swarm_origin_requests_total{kind="probe",result="retried"}')).toBe(1);
    expect(samples.get('swarm_origin_requests_total{kind="range",result="retried"}')).toBe(2);
    expect(samples.get('swarm_origin_requests_total{kind="range",result="failed"}')).toBe(1);
    expect(samples.get('swarm_origin_requests_total{kind="range",result="cancelled"}')).toBe(0);
    expect(samples.get('swarm_origin_retries_total{code="ORIGIN_STALLED"}')).toBe(2);
    expect(samples.get('swarm_origin_retries_total{code="ORIGIN_HTTP_STATUS"}')).toBe(1);
    expect(samples.has('swarm_origin_retries_total{code="ORIGIN_CHANGED"}')).toBe(false);
  });

  it('registers no default Node.js collectors and no URL-like label', async () => {
    const text = await new SwarmMetrics().text();
    expect(text).not.toMatch(/process_|nodejs_/);
    expect(text).not.toMatch(/url=|peer=|id=/);
  });
});
