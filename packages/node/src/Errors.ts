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
