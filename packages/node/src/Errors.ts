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
