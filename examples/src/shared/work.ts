/**
 * CPU-bound functions for the thread examples (31). A worker thread loads this file by URL for `toThread`, so it
 * imports nothing but Node built-ins; the examples also call the same functions on the main thread.
 */
import { threadId } from "node:worker_threads"

/**
 * Number crunching for `seconds` of wall-clock time (a stand-in for hashing, parsing, image work): a tight loop
 * that never yields. Returns a checksum of the work and the thread it ran on (0 is the main thread).
 */
export const crunch = (seconds: number): { readonly checksum: number; readonly threadId: number } => {
  const end = performance.now() + seconds * 1000
  let x = 2463534242
  while (performance.now() < end) {
    for (let i = 0; i < 100_000; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
    }
  }
  return { checksum: x >>> 0, threadId }
}
