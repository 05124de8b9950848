// Inflating whole gzip bodies (API list pages, stored documents) in one output chunk: zlib's default
// 16 KiB chunks cost a callback, a copy and a concatenation each, which showed in profiles.

/** Output chunk of an inflate at most; the gzip trailer's size hint picks a tighter one when it can. */
const MAX_INFLATE_CHUNK = 8 * 1024 * 1024;

/** ISIZE, a gzip body's last four bytes: its inflated size mod 2^32 (0 when too short to have one). */
export function gzipSizeHint(gz: Uint8Array): number {
  return gz.length >= 18 ? Buffer.from(gz.buffer, gz.byteOffset, gz.byteLength).readUInt32LE(gz.length - 4) : 0;
}

/** A chunk size that takes the whole inflated body at once when the trailer tells its size. */
export function inflateChunkSize(gz: Uint8Array): number {
  return Math.min(MAX_INFLATE_CHUNK, Math.max(64 * 1024, gzipSizeHint(gz) + 1));
}
