/**
 * The errors of `@effect-asyncio/node`, named after the Python exceptions they stand for.
 *
 * The errors shared with the core (`CancelledError`, `RuntimeError`, `TypeError`, …) live in
 * `@effect-asyncio/core/Errors`; this module adds what only a process has: signals.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The termination signals {@link KeyboardInterrupt} can stand for.
 *
 * @category models
 * @since 0.1.0
 */
export type Signal = "SIGINT" | "SIGTERM"

/**
 * The process received SIGINT (Ctrl-C) or SIGTERM while `run` was running, and `run` ended because of it.
 * asyncio's `KeyboardInterrupt`.
 *
 * `signal` says which signal; `forced` is `true` when a second signal cut the shutdown short (the clean-up of
 * the cancelled tasks may not have finished). `exitCode` is the conventional code for the signal: 130 for SIGINT,
 * 143 for SIGTERM.
 *
 * **asyncio** Python raises `KeyboardInterrupt` out of `asyncio.run()` after Ctrl-C cancelled the main task, and
 * at once on a second Ctrl-C. It installs no SIGTERM handler (the process just dies); `run` treats SIGTERM like
 * SIGINT, so services stopped by a process manager shut down cleanly too, and reports it with this class.
 *
 * @category errors
 * @since 0.1.0
 */
export class KeyboardInterrupt extends Data.TaggedError("KeyboardInterrupt")<{
  readonly message: string
  readonly signal: Signal
  readonly forced: boolean
}> {
  constructor(signal: Signal, forced = false) {
    super({
      message: forced ? `received ${signal} again during shutdown` : `received ${signal}`,
      signal,
      forced
    })
  }
  /** 130 for SIGINT, 143 for SIGTERM (128 + the signal number, the shell convention). */
  get exitCode(): number {
    return this.signal === "SIGINT" ? 130 : 143
  }
}

/**
 * The function that `toThread` ran in a worker thread threw (or its promise rejected). asyncio's `to_thread`
 * re-raises the function's exception; an exception object cannot cross a thread boundary with its class, so it
 * comes back as this tagged error carrying what can: `errorName` (`"RangeError"`, a custom class's `name`),
 * `message`, the worker-side `stack` (this error's own `stack` is the worker's, so reports point into the
 * function), `data` (the thrown error's own properties that could be copied: `code`, `errno`, a `_tag`, …) and
 * `cause` (the thrown error's cause, as another `ThreadError`). A thrown non-Error value is in `thrown`, with
 * `errorName` its `typeof`.
 *
 * It is a typed failure (`Effect.catchTag("ThreadError", …)`), like any exception of the function. Misuse —
 * a module that does not load, a missing export, arguments or a result that cannot be cloned, a worker that
 * dies — is a defect carrying `TypeError` or `RuntimeError` instead.
 *
 * @category errors
 * @since 0.1.0
 */
export class ThreadError extends Data.TaggedError("ThreadError")<{
  readonly message: string
  /** The thrown error's `name`, or `typeof` of a thrown non-Error. */
  readonly errorName: string
  /** Own properties of the thrown error that could be copied out of the worker (`code`, `_tag`, …). */
  readonly data: Readonly<Record<string, unknown>>
  /** The thrown value when it was not an `Error` (its `String()` if it could not be copied). */
  readonly thrown: unknown
  /** The function that threw: `name (module URL)`. */
  readonly work: string
  /** The thrown error's `cause`, when it had one. */
  readonly cause?: ThreadError | undefined
}> {}

// ---------------------------------------------------------------------------------------------------------
// I/O: Python's OSError family and asyncio's stream errors
// ---------------------------------------------------------------------------------------------------------

/**
 * What every error of the `OSError` family carries, as Python's `OSError` does.
 *
 * @category models
 * @since 0.1.0
 */
export interface OSErrorFields {
  /** `[Errno 111] Connect call failed ('127.0.0.1', 9)`: Python's `str(exc)`. */
  readonly message: string
  /** The positive errno of the system call (`111` for `ECONNREFUSED` on Linux), as Python's `exc.errno`. */
  readonly errno: number | undefined
  /** The error text without the errno (Python's `exc.strerror`). */
  readonly strerror: string | undefined
  /** Node's error code (`"ECONNREFUSED"`, `"ERR_SSL_…"`), or `undefined`. */
  readonly code: string | undefined
  /** The file the call was about, when it was about one (a program to run, a socket path). */
  readonly filename?: string | undefined
  /** The error Node reported. */
  readonly cause?: unknown
}

/**
 * A system call failed: Python's `OSError`, for every errno that has no subclass below — an address in use
 * (`[Errno 98] error while attempting to bind on address ('127.0.0.1', 8888): address already in use`), a host
 * that does not resolve, a TLS failure. Typed failures of the stream and subprocess functions.
 *
 * Python's subclasses are classes of their own here (`ConnectionRefusedError`, …): `Effect.catchTag` one of them,
 * or {@link isOSError} for Python's `except OSError`.
 *
 * @category errors
 * @since 0.1.0
 */
export class OSError extends Data.TaggedError("OSError")<OSErrorFields> {}

/**
 * Nothing listens at the address (`ECONNREFUSED`). Python's `ConnectionRefusedError`
 * (`[Errno 111] Connect call failed ('127.0.0.1', 9)`).
 *
 * @category errors
 * @since 0.1.0
 */
export class ConnectionRefusedError extends Data.TaggedError("ConnectionRefusedError")<OSErrorFields> {}

/**
 * The peer reset the connection (`ECONNRESET`), or it was lost while `drain` waited. Python's
 * `ConnectionResetError` (`[Errno 104] Connection reset by peer`, or `Connection lost`).
 *
 * @category errors
 * @since 0.1.0
 */
export class ConnectionResetError extends Data.TaggedError("ConnectionResetError")<OSErrorFields> {}

/**
 * The connection was aborted on this side (`ECONNABORTED`). Python's `ConnectionAbortedError`.
 *
 * @category errors
 * @since 0.1.0
 */
export class ConnectionAbortedError extends Data.TaggedError("ConnectionAbortedError")<OSErrorFields> {}

/**
 * A write to a connection or pipe whose other end is closed (`EPIPE`). Python's `BrokenPipeError`
 * (`[Errno 32] Broken pipe`).
 *
 * @category errors
 * @since 0.1.0
 */
export class BrokenPipeError extends Data.TaggedError("BrokenPipeError")<OSErrorFields> {}

/**
 * A program to run, a working directory or a Unix socket path does not exist (`ENOENT`). Python's
 * `FileNotFoundError` (`[Errno 2] No such file or directory: 'nonexistent'`).
 *
 * @category errors
 * @since 0.1.0
 */
export class FileNotFoundError extends Data.TaggedError("FileNotFoundError")<OSErrorFields> {}

/**
 * The system refused the call (`EACCES`, `EPERM`): a program that is not executable, a privileged port. Python's
 * `PermissionError`.
 *
 * @category errors
 * @since 0.1.0
 */
export class PermissionError extends Data.TaggedError("PermissionError")<OSErrorFields> {}

/**
 * Any error of the `OSError` family: what Python's `except OSError` catches.
 *
 * @category models
 * @since 0.1.0
 */
export type AnyOSError =
  | OSError
  | ConnectionRefusedError
  | ConnectionResetError
  | ConnectionAbortedError
  | BrokenPipeError
  | FileNotFoundError
  | PermissionError

/**
 * Whether `u` is an error of the `OSError` family. Python's `isinstance(u, OSError)`.
 *
 * @category guards
 * @since 0.1.0
 */
export const isOSError = (u: unknown): u is AnyOSError =>
  u instanceof OSError ||
  u instanceof ConnectionRefusedError ||
  u instanceof ConnectionResetError ||
  u instanceof ConnectionAbortedError ||
  u instanceof BrokenPipeError ||
  u instanceof FileNotFoundError ||
  u instanceof PermissionError

/**
 * The stream ended before a read was complete: `readexactly(n)` got fewer than `n` bytes, `readuntil(sep)` found
 * no separator. asyncio's `IncompleteReadError`: `partial` holds the bytes read before the end (they are no
 * longer in the stream), `expected` the number asked for (`undefined` for `readuntil`).
 *
 * @category errors
 * @since 0.1.0
 */
export class IncompleteReadError extends Data.TaggedError("IncompleteReadError")<{
  readonly message: string
  readonly partial: Buffer
  readonly expected: number | undefined
}> {
  constructor(partial: Buffer, expected: number | undefined) {
    super({
      message: `${partial.length} bytes read on a total of ${expected ?? "undefined"} expected bytes`,
      partial,
      expected
    })
  }
}

/**
 * `readuntil` (or `readline`) reached the reader's `limit` before finding the separator. asyncio's
 * `LimitOverrunError`: `consumed` is how many bytes would have to be consumed (Python's `e.consumed`). After
 * `readuntil` the bytes stay in the reader; `readline` discards them first, as asyncio's does.
 *
 * @category errors
 * @since 0.1.0
 */
export class LimitOverrunError extends Data.TaggedError("LimitOverrunError")<{
  readonly message: string
  readonly consumed: number
}> {
  constructor(message: string, consumed: number) {
    super({ message, consumed })
  }
}
