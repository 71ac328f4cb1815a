/**
 * asyncio's `StreamReader` over a pull: the platform's `Socket.Reader.pull` (`@effect/platform-node`'s
 * `NodeSocket.fromDuplex`), which reads a paused Node stream chunk by chunk and keeps the bytes of a pull that was
 * interrupted for the next one. The reader pulls only when a read needs more bytes than are buffered, so the
 * socket stays paused otherwise (backpressure up to the kernel), and an interrupted read leaves its bytes in the
 * buffer (cancel-safety).
 */
import { RuntimeError, TypeError, ValueError } from "@effect-asyncio/core/Errors"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Socket from "effect/socket/Socket"
import { type AnyOSError, IncompleteReadError, LimitOverrunError } from "../Errors.ts"
import type { StreamReader } from "../Streams.ts"
import { ByteBuffer, EMPTY, toBuffer } from "./buffer.ts"
import { describe } from "./describe.ts"
import { toOSError } from "./oserror.ts"

/** What a reader reads from, and the error its connection reported, if any. */
export interface ReaderSource {
  readonly pull: Effect.Effect<NonEmptyReadonlyArray<Uint8Array | string>, Socket.SocketError>
  /** The first error of the connection (reported by the socket, or by a write). */
  readonly error: () => AnyOSError | undefined
}

const NEWLINE = Buffer.from("\n")

/** Checks a `limit` argument (asyncio: `ValueError('Limit cannot be <= 0')`). */
export const checkLimit = (what: string, limit: number | undefined): number => {
  if (limit === undefined) return 2 ** 16
  if (typeof limit !== "number" || !Number.isSafeInteger(limit)) {
    throw new TypeError(`${what}: limit must be a positive integer, got ${describe(limit)}`)
  }
  if (limit <= 0) throw new ValueError(`${what}: limit cannot be <= 0, got ${limit}`)
  return limit
}

const checkSize = (what: string, n: unknown): number => {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`${what}: the size must be an integer, got ${describe(n)}`)
  }
  return n
}

export class StreamReaderImpl implements StreamReader {
  readonly limit: number
  private readonly source: ReaderSource
  private readonly buffer = new ByteBuffer()
  private eof = false
  private error: AnyOSError | undefined = undefined
  /** The name of the read waiting for bytes (asyncio's `_waiter`), if one is. */
  private waiting: string | undefined = undefined

  constructor(source: ReaderSource, limit: number) {
    this.source = source
    this.limit = limit
  }

  /** The error reads fail with: the reader's own, else the connection's (asyncio's `_exception`). */
  private failure(): AnyOSError | undefined {
    return this.error ?? this.source.error()
  }

  /** Pulls one chunk into the buffer, or records the end of the stream or the error. */
  private waitForData(what: string): Effect.Effect<void, AnyOSError> {
    if (this.waiting !== undefined) {
      return Effect.die(
        new RuntimeError(`${what}() called while another task is already waiting for incoming data`)
      )
    }
    this.waiting = what
    return Effect.onInterrupt(
      Effect.matchEffect(this.source.pull, {
        onSuccess: (chunks) => {
          this.waiting = undefined
          for (let i = 0; i < chunks.length; i++) this.buffer.push(toBuffer(chunks[i]))
          return Effect.void
        },
        onFailure: (error) => {
          this.waiting = undefined
          return this.ended(error)
        }
      }),
      () =>
        Effect.sync(() => {
          this.waiting = undefined
        })
    )
  }

  /** The pull failed: the end of the stream (a normal close) or a connection error. */
  private ended(error: Socket.SocketError): Effect.Effect<void, AnyOSError> {
    const reason = error.reason
    const connection = this.source.error()
    if (connection !== undefined) {
      this.error = connection
      return Effect.fail(connection)
    }
    if (reason._tag === "SocketCloseError") {
      this.eof = true
      return Effect.void
    }
    this.error = toOSError(reason.cause)
    return Effect.fail(this.error)
  }

  read(n: number = -1): Effect.Effect<Buffer, AnyOSError> {
    return Effect.suspend((): Effect.Effect<Buffer, AnyOSError> => {
      const size = checkSize("read()", n)
      const error = this.failure()
      if (error !== undefined) return Effect.fail(error)
      if (size === 0) return Effect.succeed(EMPTY)
      if (size < 0) return this.readAll
      if (this.buffer.length === 0 && !this.eof) {
        return Effect.flatMap(this.waitForData("read"), () =>
          Effect.succeed(this.buffer.take(Math.min(size, this.buffer.length)))
        )
      }
      return Effect.succeed(this.buffer.take(Math.min(size, this.buffer.length)))
    })
  }

  /** Everything until the end of the stream. */
  private readonly readAll: Effect.Effect<Buffer, AnyOSError> = Effect.suspend(
    (): Effect.Effect<Buffer, AnyOSError> =>
      this.eof
        ? Effect.succeed(this.buffer.takeAll())
        : Effect.flatMap(this.waitForData("read"), () => this.readAll)
  )

  readexactly(n: number): Effect.Effect<Buffer, AnyOSError | IncompleteReadError> {
    return Effect.suspend(() => {
      const size = checkSize("readexactly()", n)
      if (size < 0) return Effect.die(new ValueError("readexactly size can not be less than zero"))
      const error = this.failure()
      if (error !== undefined) return Effect.fail(error)
      const loop: Effect.Effect<Buffer, AnyOSError | IncompleteReadError> = Effect.suspend(() => {
        if (this.buffer.length >= size) return Effect.succeed(this.buffer.take(size))
        if (this.eof) return Effect.fail(new IncompleteReadError(this.buffer.takeAll(), size))
        return Effect.flatMap(this.waitForData("readexactly"), () => loop)
      })
      return loop
    })
  }

  readuntil(
    separator: Uint8Array | string = NEWLINE
  ): Effect.Effect<Buffer, AnyOSError | IncompleteReadError | LimitOverrunError> {
    return Effect.suspend(() => {
      if (typeof separator !== "string" && !(separator instanceof Uint8Array)) {
        return Effect.die(
          new TypeError(
            `readuntil(): the separator must be a Uint8Array or a string, got ${describe(separator)}`
          )
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
        if (this.buffer.startsWith(NEWLINE, e.consumed)) this.buffer.take(e.consumed + NEWLINE.length)
        else this.buffer.clear()
        return Effect.fail(e)
      }
    )
  )

  /** asyncio's `readuntil` algorithm, step for step. */
  private until(
    sep: Buffer,
    what: string
  ): Effect.Effect<Buffer, AnyOSError | IncompleteReadError | LimitOverrunError> {
    const error = this.failure()
    if (error !== undefined) return Effect.fail(error)
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
            return Effect.succeed(this.buffer.take(at + sep.length))
          }
          offset = length + 1 - sep.length
          if (offset > this.limit) {
            return Effect.fail(
              new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset)
            )
          }
        }
        if (this.eof) return Effect.fail(new IncompleteReadError(this.buffer.takeAll(), undefined))
        return Effect.flatMap(this.waitForData(what), () => loop)
      }
    )
    return loop
  }

  atEof(): Effect.Effect<boolean> {
    return Effect.sync(() => this.eof && this.buffer.length === 0)
  }

  exception(): Effect.Effect<AnyOSError | undefined> {
    return Effect.sync(() => this.failure())
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
