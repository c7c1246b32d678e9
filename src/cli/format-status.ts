/**
 * The text `swarm info`, `swarm files` and `swarm peers` print for people (`--json` prints the
 * API's JSON instead).
 *
 * Pure: API objects in, text out. Not responsible for writing it.
 */
import { formatBytes, formatRate } from '../config/size.js';
import type { FileInfo, FileStatus, FilesResponse, PeersResponse } from '../control/api-types.js';
import { formatEta } from './format-progress.js';

function percent(file: FileStatus): string {
  const fraction = file.size > 0 ? file.bytesHeld / file.size : 1;
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)}%`;
}

/** `downloading 12.5% (32/256 pieces)` and the like. */
export function formatProgressState(file: FileStatus): string {
  return `${file.state} ${percent(file)} (${file.piecesHeld}/${file.pieceCount} pieces)`;
}

/** `swarm info URL`: one `label  value` line per fact. */
export function formatFileInfo(info: FileInfo): string {
  const peers = info.peerList.map((peer) => `${peer.id.slice(0, 8)} ${peer.address} via ${peer.source} (${peer.piecesHeld}/${info.pieceCount} pieces)`);
  const rows: Array<[string, string]> = [
    ['id', info.id],
    ['urls', info.urls.join(' ') || '-'],
    ['md5', info.md5],
    ['tracker hash', info.trackerInfoHash],
    ['size', `${formatBytes(info.size)} (${info.size} bytes, ${info.pieceCount} pieces of ${formatBytes(info.pieceBytes)})`],
    ['state', formatProgressState(info)],
    ['peers', peers.length === 0 ? '0' : `${peers.length}: ${peers.join(', ')}`],
    ['rates', `down ${formatRate(info.downloadRateBytesPerSec)}, up ${formatRate(info.uploadRateBytesPerSec)}, ETA ${formatEta(info.etaSeconds)}`],
    ['bytes', `${formatBytes(info.originBytes)} from the origin, ${formatBytes(info.peerBytes)} from peers, ${formatBytes(info.uploadedBytes)} uploaded`],
    ['path', info.path],
    ['pinned', info.pinned ? 'yes' : 'no'],
    ['last used', info.lastUsed],
  ];
  if (info.error) rows.push(['error', `${info.error.code}: ${info.error.message}`]);
  return `${rows.map(([label, value]) => `${label.padEnd(10)} ${value}`).join('\n')}\n`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `swarm files`: a table of files, then the usage against the cap. */
export function formatFiles(files: FilesResponse): string {
  const rows = files.files.map((file) => [
    file.id.slice(0, 12),
    formatProgressState(file),
    formatBytes(file.size),
    String(file.peers),
    file.pinned ? 'pinned' : '',
    file.lastUsed,
    file.urls.at(-1) ?? '',
  ]);
  const cap = files.maxStorageBytes === null ? 'no limit' : formatBytes(files.maxStorageBytes);
  const count = files.files.length;
  const usage = `${count} ${count === 1 ? 'file' : 'files'}, ${formatBytes(files.usedBytes)} used of ${cap}`;
  return `${table(['ID', 'STATE', 'SIZE', 'PEERS', 'PIN', 'LAST USED', 'URL'], rows)}\n${usage}\n`;
}

/** `swarm peers`: a table of peers. */
export function formatPeers(peers: PeersResponse): string {
  if (peers.peers.length === 0) return 'no peers connected\n';
  const rows = peers.peers.map((peer) => [
    peer.id.slice(0, 16),
    peer.address,
    peer.sources.join(','),
    String(peer.files.length),
    `${formatBytes(peer.downloadedBytes)} (${formatRate(peer.downloadRateBytesPerSec)})`,
    `${formatBytes(peer.uploadedBytes)} (${formatRate(peer.uploadRateBytesPerSec)})`,
  ]);
  return `${table(['ID', 'ADDRESS', 'SOURCE', 'FILES', 'FROM IT', 'TO IT'], rows)}\n`;
}
