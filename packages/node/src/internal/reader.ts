/**
 * asyncio's `StreamReader`, fed as asyncio's `StreamReaderProtocol` feeds it: the socket flows, every chunk goes
 * into the buffer (`feed_data`), the end of the stream and errors are recorded (`feed_eof`, `set_exception`). When
 * the buffer holds more than twice the `limit` the socket is paused, and it is resumed once reads have brought it
 * down to `limit` (or a read needs more than is buffered): asyncio's flow control.
 *
 * A read that must wait registers one waiter with the number of bytes it needs; the socket's `data` handler wakes
 * it only when they are there (or the stream ended), so a read resumes its fiber once. Cancelling a read only
 * removes the waiter: the bytes stay in the buffer (cancel-safety).
 *
 * The platform's pull-based `Socket.Reader` (`NodeSocket.fromDuplex`) is not used: see docs/io.md.
 */

import type * as Net from "node:net"
import { RuntimeError, TypeError, ValueError } from "@effect-asyncio/core/Errors"
import { show } from "@effect-asyncio/core/Validate"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type AnyOSError, IncompleteReadError, LimitOverrunError } from "../Errors.ts"
import type { StreamReader } from "../Streams.ts"
import { ByteBuffer, EMPTY, toBuffer } from "./buffer.ts"

const NEWLINE = Buffer.from("\n")

/** Checks a `limit` argument (asyncio: `ValueError('Limit cannot be <= 0')`). */
export const checkLimit = (what: string, limit: number | undefined): number => {
  if (limit === undefined) return 2 ** 16
  if (typeof limit !== "number" || !Number.isSafeInteger(limit)) {
    throw new TypeError(`${what}: limit must be a positive integer, got ${show(limit)}`)
  }
  if (limit <= 0) throw new ValueError(`${what}: limit cannot be <= 0, got ${limit}`)
  return limit
}

const checkSize = (what: string, n: unknown): number => {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`${what}: the size must be an integer, got ${show(n)}`)
  }
  return n
}

interface Waiter {
  /** The read that waits, for the message when a second read comes. */
  readonly what: string
  /** Wake it when the buffer holds this many bytes (or the stream ended or failed). */
  readonly need: number
  /** Resumes the read (called from the socket's event handler). */
  readonly wake: () => void
}

export class StreamReaderImpl implements StreamReader {
  readonly limit: number
  private readonly socket: Net.Socket
  private readonly buffer = new ByteBuffer()
  private eof = false
  private error: AnyOSError | undefined = undefined
  private paused = false
  private waiter: Waiter | undefined = undefined

  constructor(socket: Net.Socket, limit: number) {
    this.socket = socket
    this.limit = limit
    socket.on("data", (chunk: Buffer | string) => this.feedData(toBuffer(chunk)))
    socket.on("end", () => this.feedEof())
  }

  // --- the protocol side ---------------------------------------------------------------------------------

  private feedData(chunk: Buffer): void {
    this.buffer.push(chunk)
    const waiter = this.waiter
    if (waiter !== undefined) {
      if (this.buffer.length < waiter.need) return // it needs more: keep reading, even past the limit
      this.waiter = undefined
      waiter.wake()
    }
    if (!this.paused && this.buffer.length > 2 * this.limit && this.waiter === undefined) {
      this.paused = true
      this.socket.pause()
    }
  }

  /** The end of the stream (asyncio's `feed_eof`); also when the connection closed without an error. */
  feedEof(): void {
    this.eof = true
    this.wake()
  }

  /** The connection failed (asyncio's `set_exception`): every read fails with `error` from now on. */
  setException(error: AnyOSError): void {
    this.error ??= error
    this.wake()
  }

  private wake(): void {
    const waiter = this.waiter
    if (waiter === undefined) return
    this.waiter = undefined
    waiter.wake()
  }

  private maybeResume(): void {
    if (this.paused && this.buffer.length <= this.limit) {
      this.paused = false
      this.socket.resume()
    }
  }

  private take(n: number): Buffer {
    const bytes = this.buffer.take(n)
    this.maybeResume()
    return bytes
  }

  /**
   * Waits until `need` bytes are buffered, the stream ended, or it failed (asyncio's `_wait_for_data`), then
   * continues with `next()`, computed when the socket's event wakes the read. A read that is cancelled has
   * removed its waiter by then (interrupting a suspended fiber runs its clean-up at once), so `next()` never
   * takes bytes for a read that will not get them.
   */
  private waitFor<A, E>(
    what: string,
    need: number,
    next: () => Effect.Effect<A, E>
  ): Effect.Effect<A, E | AnyOSError> {
    return Effect.callback<A, E | AnyOSError>((resume) => {
      if (this.waiter !== undefined) {
        resume(
          Effect.die(
            new RuntimeError(`${what}() called while another task is already waiting for incoming data`)
          )
        )
        return
      }
      const waiter: Waiter = {
        what,
        need,
        wake: () => resume(this.error === undefined ? next() : Effect.fail(this.error))
      }
      this.waiter = waiter
      // Waiting while paused would never end (readexactly(n) with n > 2 * limit): read on.
      if (this.paused) {
        this.paused = false
        this.socket.resume()
      }
      return Effect.sync(() => {
        if (this.waiter === waiter) this.waiter = undefined
      })
    })
  }

  // --- reads ---------------------------------------------------------------------------------------------

  read(n: number = -1): Effect.Effect<Buffer, AnyOSError> {
    return Effect.suspend((): Effect.Effect<Buffer, AnyOSError> => {
      const size = checkSize("read()", n)
      if (this.error !== undefined) return Effect.fail(this.error)
      if (size === 0) return Effect.succeed(EMPTY)
      if (size < 0) return this.readAll
      if (this.buffer.length === 0 && !this.eof) return this.waitFor("read", 1, () => this.takeUpTo(size))
      return this.takeUpTo(size)
    })
  }

  private takeUpTo(size: number): Effect.Effect<Buffer, AnyOSError> {
    return this.error !== undefined
      ? Effect.fail(this.error)
      : Effect.succeed(this.take(Math.min(size, this.buffer.length)))
  }

  /** Everything until the end of the stream. */
  private readonly readAll: Effect.Effect<Buffer, AnyOSError> = Effect.suspend(
    (): Effect.Effect<Buffer, AnyOSError> => {
      if (this.error !== undefined) return Effect.fail(this.error)
      if (this.eof) return Effect.succeed(this.take(this.buffer.length))
      return this.waitFor("read", Number.POSITIVE_INFINITY, () => this.readAll)
    }
  )

  readexactly(n: number): Effect.Effect<Buffer, AnyOSError | IncompleteReadError> {
    return Effect.suspend((): Effect.Effect<Buffer, AnyOSError | IncompleteReadError> => {
      const size = checkSize("readexactly()", n)
      if (size < 0) return Effect.die(new ValueError("readexactly size can not be less than zero"))
      return this.exactly(size)
    })
  }

  private exactly(size: number): Effect.Effect<Buffer, AnyOSError | IncompleteReadError> {
    if (this.error !== undefined) return Effect.fail(this.error)
    if (this.buffer.length >= size) return Effect.succeed(this.take(size))
    if (this.eof) return Effect.fail(new IncompleteReadError(this.take(this.buffer.length), size))
    return this.waitFor("readexactly", size, () => this.exactly(size))
  }

  readuntil(
    separator: Uint8Array | string = NEWLINE
  ): Effect.Effect<Buffer, AnyOSError | IncompleteReadError | LimitOverrunError> {
    return Effect.suspend(() => {
      if (typeof separator !== "string" && !(separator instanceof Uint8Array)) {
        return Effect.die(
          new TypeError(`readuntil(): the separator must be a Uint8Array or a string, got ${show(separator)}`)
        )
      }
      const sep = toBuffer(separator)
      if (sep.length === 0) return Effect.die(new ValueError("Separator should be at least one-byte string"))
      return this.until(sep, "readuntil")
    })
  }

  readline(): Effect.Effect<Buffer, AnyOSError | LimitOverrunError> {
    return this.line
  }

  private readonly line: Effect.Effect<Buffer, AnyOSError | LimitOverrunError> = Effect.suspend(() =>
    Effect.catchIf(
      this.until(NEWLINE, "readline"),
      (e): e is IncompleteReadError | LimitOverrunError =>
        e instanceof IncompleteReadError || e instanceof LimitOverrunError,
      (e) => {
        if (e instanceof IncompleteReadError) return Effect.succeed(e.partial)
        // asyncio discards the overlong line (the whole line if its end is buffered, else the buffer).
        if (this.buffer.startsWith(NEWLINE, e.consumed)) this.take(e.consumed + NEWLINE.length)
        else this.take(this.buffer.length)
        return Effect.fail(e)
      }
    )
  )

  /** asyncio's `readuntil` algorithm, step for step. */
  private until(
    sep: Buffer,
    what: string
  ): Effect.Effect<Buffer, AnyOSError | IncompleteReadError | LimitOverrunError> {
    if (this.error !== undefined) return Effect.fail(this.error)
    // Bytes from the start of the buffer known not to contain the separator.
    let offset = 0
    const loop: Effect.Effect<Buffer, AnyOSError | IncompleteReadError | LimitOverrunError> = Effect.suspend(
      () => {
        const length = this.buffer.length
        if (length - offset >= sep.length) {
          const at = this.buffer.indexOf(sep, offset)
          if (at !== -1) {
            if (at > this.limit) {
              return Effect.fail(
                new LimitOverrunError("Separator is found, but chunk is longer than limit", at)
              )
            }
            return Effect.succeed(this.take(at + sep.length))
          }
          offset = length + 1 - sep.length
          if (offset > this.limit) {
            return Effect.fail(
              new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset)
            )
          }
        }
        if (this.eof) return Effect.fail(new IncompleteReadError(this.take(this.buffer.length), undefined))
        return this.waitFor(what, length + 1, () => loop)
      }
    )
    return loop
  }

  atEof(): Effect.Effect<boolean> {
    return Effect.sync(() => this.eof && this.buffer.length === 0)
  }

  exception(): Effect.Effect<AnyOSError | undefined> {
    return Effect.sync(() => this.error)
  }

  get lines(): Stream.Stream<Buffer, AnyOSError | LimitOverrunError> {
    return Stream.fromPull(
      Effect.succeed(
        Effect.flatMap(this.line, (line) =>
          line.length === 0 ? Cause.done() : Effect.succeed([line] as const)
        )
      )
    )
  }
}
