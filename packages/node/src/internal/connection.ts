/**
 * One Node socket (a TCP, TLS or Unix connection, or a pipe to a child process) as asyncio's transport: the
 * first error it reported, whether it is closed, the tasks waiting for it to drain or close; the `StreamWriter`
 * over it, and the wiring of a socket into a reader and a writer.
 *
 * Writing goes straight to the socket: asyncio's `write` never waits, so the platform's `Socket.Writer` (whose
 * `write` waits for `drain` when the buffer is full) does not fit it; see docs/io.md.
 */

import type * as Net from "node:net"
import type * as Tls from "node:tls"
import { RuntimeError, TypeError } from "@effect-asyncio/core/Errors"
import { show } from "@effect-asyncio/core/Validate"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { AnyOSError } from "../Errors.ts"
import type { ExtraInfo, SocketAddress, StreamWriter } from "../Streams.ts"
import { connectionLost, toOSError } from "./oserror.ts"
import { StreamReaderImpl } from "./reader.ts"

export type Kind = "tcp" | "tls" | "unix" | "pipe"

type Resume = (effect: Effect.Effect<void, AnyOSError>) => void

/** The names {@link Connection} knows besides what the socket tells. */
export interface Names {
  readonly peername?: SocketAddress | undefined
  readonly sockname?: SocketAddress | undefined
  readonly pid?: number | undefined
}

export class Connection {
  readonly socket: Net.Socket
  readonly kind: Kind
  private readonly names: Names
  /** The first error the socket reported (asyncio: the exception `connection_lost` received). */
  error: AnyOSError | undefined = undefined
  /** The socket emitted `close` (asyncio: `connection_lost` was called). */
  closed = false
  /** `close()` was called (asyncio's transport `is_closing()`). */
  closing = false
  private readonly drainWaiters = new Set<Resume>()
  private readonly closeWaiters = new Set<Resume>()
  /** The reader of this socket, told of errors and of the end (asyncio's `connection_lost`). */
  private readonly reader: StreamReaderImpl | undefined

  constructor(socket: Net.Socket, kind: Kind, names: Names, reader?: StreamReaderImpl) {
    this.socket = socket
    this.kind = kind
    this.names = names
    this.reader = reader
    socket.on("error", (error) => {
      this.error ??= toOSError(error)
      this.reader?.setException(this.error)
    })
    socket.on("drain", () => this.wake(this.drainWaiters, Effect.void))
    socket.on("close", () => {
      this.closed = true
      if (this.error === undefined) this.reader?.feedEof()
      const outcome = this.error === undefined ? Effect.void : Effect.fail(this.error)
      // asyncio wakes a paused drain with the connection's error, or normally when it closed without one.
      this.wake(this.drainWaiters, outcome)
      this.wake(this.closeWaiters, outcome)
    })
  }

  private wake(waiters: Set<Resume>, outcome: Effect.Effect<void, AnyOSError>): void {
    if (waiters.size === 0) return
    const all = Array.from(waiters)
    waiters.clear()
    for (const resume of all) resume(outcome)
  }

  private waitOn(waiters: Set<Resume>): Effect.Effect<void, AnyOSError> {
    return Effect.callback<void, AnyOSError>((resume) => {
      waiters.add(resume)
      return Effect.sync(() => {
        waiters.delete(resume)
      })
    })
  }

  /** Closes after the buffered bytes are sent (asyncio's `transport.close()`); idempotent. */
  close(): void {
    if (this.closing) return
    this.closing = true
    if (!this.socket.destroyed) this.socket.destroySoon()
  }

  /** Closes at once, dropping what is buffered (asyncio's `transport.abort()`). */
  abort(): void {
    this.closing = true
    if (!this.socket.destroyed) this.socket.destroy()
  }

  readonly drain: Effect.Effect<void, AnyOSError> = Effect.suspend(() => {
    if (this.error !== undefined) return Effect.fail(this.error)
    if (this.closed) return Effect.fail(connectionLost())
    // asyncio yields once on a closing transport so that the loss of the connection is seen, then raises.
    if (this.closing || this.socket.destroyed) return Effect.andThen(Effect.yieldNow, this.drainNow)
    return this.socket.writableNeedDrain ? this.waitOn(this.drainWaiters) : Effect.void
  })

  private readonly drainNow: Effect.Effect<void, AnyOSError> = Effect.suspend(() => {
    if (this.error !== undefined) return Effect.fail(this.error)
    if (this.closed || this.socket.destroyed) return Effect.fail(connectionLost())
    return this.socket.writableNeedDrain ? this.waitOn(this.drainWaiters) : Effect.void
  })

  readonly waitClosed: Effect.Effect<void, AnyOSError> = Effect.suspend(() =>
    this.closed
      ? this.error === undefined
        ? Effect.void
        : Effect.fail(this.error)
      : this.waitOn(this.closeWaiters)
  )

  extraInfo(name: keyof ExtraInfo): unknown {
    const socket = this.socket
    switch (name) {
      case "peername":
        return (
          this.names.peername ??
          (socket.remoteAddress === undefined ? undefined : [socket.remoteAddress, socket.remotePort ?? 0])
        )
      case "sockname":
        return (
          this.names.sockname ??
          (socket.localAddress === undefined ? undefined : [socket.localAddress, socket.localPort ?? 0])
        )
      case "socket":
        return socket
      case "peercert":
        return this.kind === "tls" ? (socket as Tls.TLSSocket).getPeerCertificate() : undefined
      case "cipher":
        return this.kind === "tls" ? (socket as Tls.TLSSocket).getCipher() : undefined
      case "pid":
        return this.names.pid
      default:
        return undefined
    }
  }
}

const isBytes = (data: unknown): data is Uint8Array | string =>
  typeof data === "string" || data instanceof Uint8Array

export class StreamWriterImpl implements StreamWriter {
  private readonly conn: Connection
  private eofWritten = false

  constructor(conn: Connection) {
    this.conn = conn
  }

  /** Whether written bytes are dropped: the connection is closing or lost (asyncio drops them silently). */
  private dropping(what: string): boolean {
    if (this.eofWritten) throw new RuntimeError(`Cannot call ${what}() after write_eof()`)
    const socket = this.conn.socket
    return this.conn.closing || socket.destroyed || socket.writableEnded
  }

  write(data: Uint8Array | string): Effect.Effect<void> {
    return Effect.sync(() => {
      if (!isBytes(data)) {
        throw new TypeError(`write(): data must be a Uint8Array or a string, got ${show(data)}`)
      }
      if (!this.dropping("write")) this.conn.socket.write(data)
    })
  }

  writelines(data: Iterable<Uint8Array | string>): Effect.Effect<void> {
    return Effect.sync(() => {
      const items = typeof data === "string" ? undefined : Array.from(data)
      if (items === undefined || !items.every(isBytes)) {
        throw new TypeError(
          `writelines(): data must be an iterable of Uint8Arrays or strings, got ${show(data)}`
        )
      }
      if (this.dropping("writelines") || items.length === 0) return
      const socket = this.conn.socket
      socket.cork()
      for (const item of items) socket.write(item)
      socket.uncork()
    })
  }

  drain(): Effect.Effect<void, AnyOSError> {
    return this.conn.drain
  }

  canWriteEof(): Effect.Effect<boolean> {
    return Effect.sync(() => this.conn.kind !== "tls")
  }

  writeEof(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.conn.kind === "tls") throw new RuntimeError("writeEof(): TLS does not support half-closes")
      if (this.conn.closing || this.eofWritten) return
      this.eofWritten = true
      this.conn.socket.end()
    })
  }

  close(): Effect.Effect<void> {
    return Effect.sync(() => this.conn.close())
  }

  isClosing(): Effect.Effect<boolean> {
    return Effect.sync(() => this.conn.closing || this.conn.socket.destroyed)
  }

  waitClosed(): Effect.Effect<void, AnyOSError> {
    return this.conn.waitClosed
  }

  getExtraInfo<K extends keyof ExtraInfo>(name: K): Effect.Effect<ExtraInfo[K] | undefined>
  getExtraInfo<K extends keyof ExtraInfo, D>(name: K, defaultValue: D): Effect.Effect<ExtraInfo[K] | D>
  getExtraInfo<K extends keyof ExtraInfo, D>(name: K, defaultValue?: D): Effect.Effect<unknown> {
    return Effect.sync(() => this.conn.extraInfo(name) ?? defaultValue)
  }
}

/**
 * A connected socket as asyncio's `(reader, writer)` pair, closed (gracefully) when `scope` ends.
 */
export const wrapSocket = (
  socket: Net.Socket,
  kind: Kind,
  limit: number,
  names: Names,
  scope: Scope.Scope
): Effect.Effect<readonly [StreamReaderImpl, StreamWriterImpl]> =>
  Effect.suspend(() => {
    const reader = new StreamReaderImpl(socket, limit)
    const conn = new Connection(socket, kind, names, reader)
    return Effect.as(
      Scope.addFinalizer(
        scope,
        Effect.sync(() => conn.close())
      ),
      [reader, new StreamWriterImpl(conn)] as const
    )
  })
