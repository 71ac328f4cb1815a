/**
 * Streams: asyncio's high-level network API — `open_connection`, `start_server`, `StreamReader`,
 * `StreamWriter` — on Node's `net` and `tls` sockets.
 *
 * ```ts
 * import { Streams } from "@effect-asyncio/node"            // or "@effect-asyncio/node/Streams"
 * ```
 *
 * A connection belongs to the `Scope` that opened it (usually the body of a task, `Effect.scoped`): when the
 * scope ends the socket is closed. A server belongs to the scope that started it; the handler of each connection
 * runs as a task the server owns. `docs/io.md` says what differs from asyncio and why.
 *
 * The socket code loads on the first call (not when this module is imported), so a program that only uses `run`
 * does not pay for it.
 *
 * @since 0.1.0
 */

import type * as Net from "node:net"
import type * as Tls from "node:tls"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { AnyOSError, IncompleteReadError, LimitOverrunError } from "./Errors.ts"
import { lazy } from "./internal/lazy.ts"

const impl = lazy(() => import("./internal/streams.ts"))

/**
 * asyncio's default buffer limit of a {@link StreamReader}: 64 KiB.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_LIMIT = 2 ** 16

/**
 * A socket address as Python gives it: `[host, port]` for TCP, the path for a Unix socket (`""` for the unnamed
 * end of a Unix connection).
 *
 * @category models
 * @since 0.1.0
 */
export type SocketAddress = readonly [host: string, port: number] | string

/**
 * The reading end of a connection or pipe. asyncio's `StreamReader`.
 *
 * Every read returns the bytes as a `Buffer` (a `Uint8Array`; `.toString()` decodes UTF-8, Python's
 * `.decode()`). As asyncio's, the reader buffers what arrives and pauses the socket when more than twice `limit`
 * bytes wait to be read (the peer's writes then block: backpressure); reads resume it once the buffer is down
 * to `limit`.
 *
 * **Cancellation** Cancelling a task blocked in a read loses nothing: the bytes already buffered (a partial line)
 * stay for the next read, and the stream stays usable — as in asyncio.
 *
 * **Errors** A connection error (`ConnectionResetError`, …) fails the read in progress and every later read, as
 * asyncio sets the reader's exception. Misuse is a defect: two tasks reading at once (`RuntimeError`, as in
 * Python), a negative size for `readexactly` or an empty separator (`ValueError`).
 *
 * @category models
 * @since 0.1.0
 */
export interface StreamReader {
  /** The buffer limit (bytes): the longest line `readline`/`readuntil` accept. */
  readonly limit: number
  /**
   * Up to `n` bytes: at once if any are buffered, else as soon as some arrive; an empty buffer at the end of the
   * stream. `n < 0` (the default) reads to the end of the stream. `n = 0` returns an empty buffer at once.
   * asyncio's `read(n=-1)`.
   */
  read(n?: number): Effect.Effect<Buffer, AnyOSError>
  /**
   * One line, ending with `\n`; at the end of the stream, the incomplete last line, then empty buffers. A line
   * longer than `limit` fails with {@link LimitOverrunError} after discarding it (the whole line if its end is
   * buffered, else the buffer). asyncio's `readline()`, which raises `ValueError` instead: see `docs/io.md`.
   */
  readline(): Effect.Effect<Buffer, AnyOSError | LimitOverrunError>
  /**
   * The bytes up to and including `separator` (default `"\n"`). At the end of the stream without it, fails with
   * {@link IncompleteReadError} carrying what was left (`partial`); when `limit` bytes came without it, fails with
   * {@link LimitOverrunError} and leaves the bytes in the reader. asyncio's `readuntil(separator=b'\n')`.
   */
  readuntil(
    separator?: Uint8Array | string
  ): Effect.Effect<Buffer, AnyOSError | IncompleteReadError | LimitOverrunError>
  /**
   * Exactly `n` bytes; {@link IncompleteReadError} (with the `partial` bytes) if the stream ends first.
   * asyncio's `readexactly(n)`.
   */
  readexactly(n: number): Effect.Effect<Buffer, AnyOSError | IncompleteReadError>
  /** Whether the buffer is empty and the peer has ended the stream. asyncio's `at_eof()`. */
  atEof(): Effect.Effect<boolean>
  /** The connection error every read fails with, if one happened. asyncio's `exception()`. */
  exception(): Effect.Effect<AnyOSError | undefined>
  /**
   * The lines until the end of the stream, as a `Stream`: asyncio's `async for line in reader`. It fails as
   * `readline` does.
   */
  readonly lines: Stream.Stream<Buffer, AnyOSError | LimitOverrunError>
}

/**
 * What {@link StreamWriter.getExtraInfo} can tell, by name (asyncio's transport extra info).
 *
 * @category models
 * @since 0.1.0
 */
export interface ExtraInfo {
  /** The remote address. */
  readonly peername: SocketAddress
  /** The local address. */
  readonly sockname: SocketAddress
  /** The Node socket (Python gives its socket object). */
  readonly socket: Net.Socket
  /** TLS: the peer's certificate (Node's `getPeerCertificate()`). */
  readonly peercert: Tls.PeerCertificate
  /** TLS: the negotiated cipher (Node's `getCipher()`). */
  readonly cipher: Tls.CipherNameAndProtocol
  /** Subprocess pipes: the child's pid. */
  readonly pid: number
}

/**
 * The writing end of a connection or pipe. asyncio's `StreamWriter`.
 *
 * `write` never waits: it hands the bytes to the socket, which buffers them; `drain` is where a writer waits for
 * the buffer to go under its high-water mark (64 KiB), and where it learns that the connection failed.
 *
 * @category models
 * @since 0.1.0
 */
export interface StreamWriter {
  /**
   * Queues `data` for sending (a string is sent as UTF-8) and returns at once; follow with `drain()`. After the
   * connection is lost or `close()`, the bytes are dropped, as asyncio drops them; after `writeEof()` it is a
   * defect (`RuntimeError`). asyncio's `write(data)`.
   */
  write(data: Uint8Array | string): Effect.Effect<void>
  /** Queues several buffers at once. asyncio's `writelines(data)`. */
  writelines(data: Iterable<Uint8Array | string>): Effect.Effect<void>
  /**
   * Waits until the write buffer is under its high-water mark; at once if it is. Fails with the connection's
   * error (`ConnectionResetError`, `BrokenPipeError`, …), or `ConnectionResetError("Connection lost")` once the
   * connection is closed. asyncio's `drain()`.
   */
  drain(): Effect.Effect<void, AnyOSError>
  /** Whether `writeEof` is supported: `false` for TLS. asyncio's `can_write_eof()`. */
  canWriteEof(): Effect.Effect<boolean>
  /**
   * Closes the write side after the buffered bytes (TCP half-close: the peer reads the end of the stream; this
   * side can still read). A defect (`RuntimeError`) on TLS, where asyncio raises `NotImplementedError`.
   * asyncio's `write_eof()`.
   */
  writeEof(): Effect.Effect<void>
  /**
   * Closes the connection once the buffered bytes are sent, without waiting; `waitClosed()` waits. asyncio's
   * `close()`.
   */
  close(): Effect.Effect<void>
  /** Whether the connection is closed or closing. asyncio's `is_closing()`. */
  isClosing(): Effect.Effect<boolean>
  /**
   * Waits until the connection is closed; fails with the error that closed it, if one did. asyncio's
   * `wait_closed()`.
   */
  waitClosed(): Effect.Effect<void, AnyOSError>
  /** Information about the connection: `"peername"`, `"sockname"`, `"socket"`, `"peercert"`, `"cipher"`. */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): Effect.Effect<ExtraInfo[K] | undefined>
  getExtraInfo<K extends keyof ExtraInfo, D>(name: K, defaultValue: D): Effect.Effect<ExtraInfo[K] | D>
}

/**
 * A listening socket of a {@link Server}. Python's `server.sockets[i]` (a socket object).
 *
 * @category models
 * @since 0.1.0
 */
export interface ServerSocket {
  /** The address the server listens on: `[host, port]` (read the port of a server started on port 0 here). */
  getsockname(): SocketAddress
}

/**
 * A listening server. asyncio's `Server`.
 *
 * The handler of every connection runs as a task owned by the server: `Inspect.ps()` lists it (named after the
 * peer), and it is cancelled when the server closes. A handler that fails is reported as asyncio reports it
 * (`Effect.logError("Unhandled exception in client_connected_cb", …)`) and its connection is closed; a handler
 * that returns also has its connection closed.
 *
 * @category models
 * @since 0.1.0
 */
export interface Server {
  /** The listening sockets (none once closed). asyncio's `server.sockets`. */
  readonly sockets: ReadonlyArray<ServerSocket>
  /** Whether the server accepts connections. asyncio's `is_serving()`. */
  isServing(): Effect.Effect<boolean>
  /** Starts accepting connections (for `startServing: false`). asyncio's `start_serving()`. */
  startServing(): Effect.Effect<void>
  /**
   * Accepts connections until the server is closed. Cancelling it closes the server and waits until it is
   * closed, as asyncio's `serve_forever()` does. If `close()` is called elsewhere it returns (asyncio raises
   * `CancelledError` in the serving task).
   */
  serveForever(): Effect.Effect<void>
  /**
   * Stops listening and cancels the handlers of the open connections, without waiting; `waitClosed()` waits.
   * asyncio's `close()` stops listening but leaves the connections to their handlers (3.13's `close_clients()`
   * closes them): see `docs/io.md`.
   */
  close(): Effect.Effect<void>
  /**
   * Waits until the server is closed: `close()` was called, every handler (and every task they created) has
   * finished and every connection is closed. asyncio's `wait_closed()`.
   */
  waitClosed(): Effect.Effect<void>
}

/**
 * TLS for a connection: `true` for Node's defaults (the system's CAs, the host name checked), or `node:tls`
 * connection options (`ca`, `cert`, `key`, `rejectUnauthorized`, …). Python's `ssl=` (an `SSLContext`).
 *
 * @category models
 * @since 0.1.0
 */
export type ClientTls = true | Tls.ConnectionOptions

/**
 * Options of {@link openConnection}.
 *
 * @category models
 * @since 0.1.0
 */
export interface OpenConnectionOptions {
  /** The reader's buffer limit (default {@link DEFAULT_LIMIT}). asyncio's `limit=`. */
  readonly limit?: number | undefined
  /** Connect with TLS. asyncio's `ssl=`. */
  readonly ssl?: ClientTls | undefined
  /** The name the server's certificate must carry (default: `host`). asyncio's `server_hostname=`. */
  readonly serverHostname?: string | undefined
  /** The local address to bind to. asyncio's `local_addr=(host, port)`. */
  readonly localAddr?: readonly [host: string, port: number] | undefined
  /** `4` or `6` to resolve the host to one family only. asyncio's `family=`. */
  readonly family?: 4 | 6 | undefined
  /**
   * Seconds before trying the next address when the host resolves to several (Node's `autoSelectFamily`).
   * asyncio's `happy_eyeballs_delay=`; without it addresses are tried one after the other, as in asyncio.
   */
  readonly happyEyeballsDelay?: number | undefined
}

/**
 * Options of {@link openUnixConnection}.
 *
 * @category models
 * @since 0.1.0
 */
export interface OpenUnixConnectionOptions {
  /** The reader's buffer limit (default {@link DEFAULT_LIMIT}). */
  readonly limit?: number | undefined
}

/**
 * Options of {@link startServer} and {@link startUnixServer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface StartServerOptions {
  /** Each connection's reader buffer limit (default {@link DEFAULT_LIMIT}). asyncio's `limit=`. */
  readonly limit?: number | undefined
  /** The length of the queue of connections not accepted yet (default 100, as asyncio's). */
  readonly backlog?: number | undefined
  /** Accept connections at once (default `true`); `false` waits for `startServing()`/`serveForever()`. */
  readonly startServing?: boolean | undefined
  /** TLS: `node:tls` server options, at least `key` and `cert`. asyncio's `ssl=` (an `SSLContext`). */
  readonly ssl?: Tls.TlsOptions | undefined
  /** TCP only: `4` or `6` to listen on one family when `host` is undefined. */
  readonly family?: 4 | 6 | undefined
  /** TCP only: let several servers of the machine listen on the same port (`SO_REUSEPORT`). */
  readonly reusePort?: boolean | undefined
}

/**
 * The handler of a connection: asyncio's `client_connected_cb(reader, writer)`.
 *
 * @category models
 * @since 0.1.0
 */
export type ConnectionHandler<E, R> = (
  reader: StreamReader,
  writer: StreamWriter
) => Effect.Effect<unknown, E, R>

/**
 * Opens a TCP connection (with TLS if `ssl` is given) and returns its reader and writer. asyncio's
 * `open_connection(host, port)`.
 *
 * **Details** The connection belongs to the current `Scope`: it is closed when the scope ends (after the bytes
 * written so far are sent), if it was not closed before. Cancelling the call while it connects destroys the
 * socket. Fails with `ConnectionRefusedError` when nothing listens (`[Errno 111] Connect call failed
 * ('127.0.0.1', 9)`), `OSError` when the host does not resolve or TLS fails; `waitFor(openConnection(…), 5)` is
 * a connect timeout.
 *
 * **Example** (An echo client)
 * ```ts
 * import { Streams } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const client = Effect.gen(function*() {
 *   const [reader, writer] = yield* Streams.openConnection("127.0.0.1", 8888)
 *   yield* writer.write("Hello World!\n")
 *   yield* writer.drain()
 *   const line = yield* reader.readline()
 *   console.log(`Received: ${line.toString().trimEnd()}`)
 *   yield* writer.close()
 *   yield* writer.waitClosed()
 * }).pipe(Effect.scoped)
 * ```
 *
 * @category connections
 * @since 0.1.0
 */
export const openConnection = (
  host: string,
  port: number,
  options?: OpenConnectionOptions
): Effect.Effect<readonly [StreamReader, StreamWriter], AnyOSError, Scope.Scope> =>
  impl((m) => m.openConnection(host, port, options))

/**
 * Opens a connection to a Unix socket. asyncio's `open_unix_connection(path)`.
 *
 * @category connections
 * @since 0.1.0
 */
export const openUnixConnection = (
  path: string,
  options?: OpenUnixConnectionOptions
): Effect.Effect<readonly [StreamReader, StreamWriter], AnyOSError, Scope.Scope> =>
  impl((m) => m.openUnixConnection(path, options))

/**
 * Starts a TCP server on `host` (every interface if `undefined`) and `port` (`0`: a free port, see
 * `server.sockets[0].getsockname()`); `handler` runs for each connection. asyncio's
 * `start_server(client_connected_cb, host, port)`.
 *
 * **Details**
 * - The server belongs to the current `Scope`: when the scope ends it is closed and waited for (asyncio's
 *   `async with server:`), so handlers never outlive it.
 * - Each connection's handler runs as a task owned by the server (a loop scope of its own, named after the
 *   address): listed by `Inspect.ps()`, cancelled by `server.close()`, and tasks it creates belong to the server
 *   too. The handler has the services of the code that started the server.
 * - A handler that fails is reported with `Effect.logError("Unhandled exception in client_connected_cb", …)`,
 *   as asyncio's server reports it; the server keeps serving. The connection is closed when the handler ends,
 *   however it ends.
 * - Fails with `OSError` (`[Errno 98] error while attempting to bind on address ('127.0.0.1', 8888): address
 *   already in use`) if it cannot listen.
 *
 * **Example** (An echo server)
 * ```ts
 * import { Streams } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const handleEcho = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
 *   Effect.gen(function*() {
 *     const data = yield* reader.read(100)
 *     yield* writer.write(data)
 *     yield* writer.drain()
 *     yield* writer.close()
 *   })
 *
 * const main = Effect.gen(function*() {
 *   const server = yield* Streams.startServer(handleEcho, "127.0.0.1", 8888)
 *   console.log(`Serving on ${server.sockets.map((s) => s.getsockname()).join(", ")}`)
 *   yield* server.serveForever()
 * }).pipe(Effect.scoped)
 * ```
 *
 * @category servers
 * @since 0.1.0
 */
export const startServer = <E, R>(
  handler: ConnectionHandler<E, R>,
  host: string | undefined,
  port: number,
  options?: StartServerOptions
): Effect.Effect<Server, AnyOSError, Scope.Scope | R> =>
  impl((m) => m.startServer(handler, { _tag: "tcp", host, port }, options))

/**
 * Starts a server on a Unix socket at `path` (a stale socket file there is removed first, as asyncio does).
 * asyncio's `start_unix_server(client_connected_cb, path)`.
 *
 * @category servers
 * @since 0.1.0
 */
export const startUnixServer = <E, R>(
  handler: ConnectionHandler<E, R>,
  path: string,
  options?: StartServerOptions
): Effect.Effect<Server, AnyOSError, Scope.Scope | R> =>
  impl((m) => m.startServer(handler, { _tag: "unix", path }, options))
