/**
 * The unread bytes of a `StreamReader`: the chunks as they came from the socket, consumed from the front. Reads
 * that fit in the first chunk return a view of it (no copy); a separator is searched in one contiguous chunk,
 * made by joining the chunks only when a search needs it.
 */
import { Buffer } from "node:buffer"

export const EMPTY: Buffer = Buffer.alloc(0)

export const toBuffer = (chunk: Uint8Array | string): Buffer =>
  typeof chunk === "string"
    ? Buffer.from(chunk, "utf8")
    : Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)

export class ByteBuffer {
  private chunks: Array<Buffer> = []
  /** Bytes of `chunks[0]` already consumed. */
  private head = 0
  /** Unread bytes. */
  length = 0

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  /** Removes and returns the first `n` bytes (`n ≤ length`). */
  take(n: number): Buffer {
    if (n === 0) return EMPTY
    const first = this.chunks[0]
    let out: Buffer
    if (first.length - this.head >= n) {
      out = first.subarray(this.head, this.head + n)
      this.head += n
      if (this.head === first.length) {
        this.chunks.shift()
        this.head = 0
      }
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const chunk = this.chunks[0]
        const count = Math.min(chunk.length - this.head, n - filled)
        chunk.copy(out, filled, this.head, this.head + count)
        filled += count
        this.head += count
        if (this.head === chunk.length) {
          this.chunks.shift()
          this.head = 0
        }
      }
    }
    this.length -= n
    return out
  }

  takeAll(): Buffer {
    return this.take(this.length)
  }

  clear(): void {
    this.chunks = []
    this.head = 0
    this.length = 0
  }

  /** The index of `separator` at or after `from` (counted from the first unread byte), or -1. */
  indexOf(separator: Buffer, from: number): number {
    if (this.length === 0) return -1
    if (this.chunks.length > 1) {
      const joined = Buffer.concat([this.chunks[0].subarray(this.head), ...this.chunks.slice(1)])
      this.chunks = [joined]
      this.head = 0
    }
    const at = this.chunks[0].indexOf(separator, this.head + from)
    return at === -1 ? -1 : at - this.head
  }

  /** Whether the unread bytes continue with `separator` at `offset`. */
  startsWith(separator: Buffer, offset: number): boolean {
    return offset + separator.length <= this.length && this.indexOf(separator, offset) === offset
  }
}
