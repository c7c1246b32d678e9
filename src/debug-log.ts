/**
 * Debug lines on stderr when the environment sets SWARM_DEBUG=1: what the swarm and the origin
 * fetcher decide, with a millisecond clock. Off by default; costs one property check when off.
 */
const enabled = process.env['SWARM_DEBUG'] === '1';
const startedMs = Date.now();

/** Writes one debug line when SWARM_DEBUG=1. */
export function debugLog(topic: string, message: () => string): void {
  if (enabled) process.stderr.write(`[swarm +${Date.now() - startedMs}ms ${topic}] ${message()}\n`);
}
