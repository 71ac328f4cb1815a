/**
 * The errors of effect-asyncio, named after the Python exceptions they stand for.
 *
 * Every class is a tagged, yieldable `Error` (`_tag` is the Python name), so `Effect.catchTag("TimeoutError",
 * …)` works and `yield* new QueueEmpty()` fails an effect. Two families:
 *
 * - **conditions a correct program handles** travel in the error channel: {@link TimeoutError},
 *   {@link InvalidStateError}, {@link CancelledError} (as a *value*, see below), {@link ExceptionGroup}, the
 *   queue errors;
 * - **misuse** — what Python raises as `TypeError`, `ValueError` or `RuntimeError` for a bad argument or a
 *   call in the wrong state — is a *defect* (`Effect.die`) carrying {@link TypeError}, {@link ValueError} or
 *   {@link RuntimeError}, so it never widens the error type of correct code but still names the mistake.
 *
 * Cancellation itself is Effect interruption, not an error. {@link CancelledError} is the value we hand back
 * where Python reports a cancellation *as a value* (`gather(…, { returnExceptions: true })`, `task.exception()`,
 * `task.result()`), and it carries the {@link CancelReason}.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { text } from "./internal/format.ts"

/**
 * Why a task was cancelled. Every cancellation the library makes carries one; cancellations made by raw Effect
 * code (`Fiber.interrupt`, `Effect.timeout`) are reported as `kind: "interrupt"`.
 *
 * When a cancellation is forwarded (a cancelled awaiter cancels what it awaits, a cancelled group its children)
 * the forwarded reason keeps the **root cause**'s `kind` and `message`, and `detail` says how it travelled;
 * `awaiter` and `gather` appear only when the root cause carried no reason (plain Effect interruption).
 *
 * - `cancel`: an explicit `task.cancel(msg)`; `message` is `msg`.
 * - `awaiter`: the task was awaited by a fiber that was interrupted without a reason.
 * - `gather`: the `gather` awaiting it was interrupted without a reason.
 * - `timeout`: a `waitFor`/`timeout` deadline expired.
 * - `shutdown`: the loop scope (`run`) ended while the task was still pending.
 * - `signal`: `run` received SIGINT/SIGTERM.
 * - `sibling`: a sibling in a `TaskGroup` failed.
 * - `interrupt`: plain Effect interruption with no library reason attached.
 *
 * @category models
 * @since 0.1.0
 */
export interface CancelReason {
  readonly kind: "cancel" | "awaiter" | "gather" | "timeout" | "shutdown" | "signal" | "sibling" | "interrupt"
  /** The `msg` given to `task.cancel(msg)` (Python's `CancelledError.args[0]`), when there was one. */
  readonly message?: unknown
  /** A sentence saying who cancelled and why, for reports. */
  readonly detail: string
}

const describe = (reason: CancelReason): string =>
  reason.message === undefined ? reason.detail : text(reason.message)

/**
 * A cancellation reported as a value. asyncio's `CancelledError`.
 *
 * `message` is the cancel message when one was given (Python: `str(exc)`), otherwise a sentence describing
 * the reason; `cancelMessage` is the raw `msg` (Python: `exc.args[0]`), `undefined` when none.
 *
 * @category errors
 * @since 0.1.0
 */
export class CancelledError extends Data.TaggedError("CancelledError")<{
  readonly message: string
  readonly reason: CancelReason
}> {
  constructor(reason: CancelReason) {
    super({ message: describe(reason), reason })
  }
  /** The message passed to `cancel(msg)`, or `undefined`. */
  get cancelMessage(): unknown {
    return this.reason.message
  }
}

/**
 * A deadline expired: `waitFor`, `asCompleted({ timeout })`, `timeout()`. asyncio's (builtin) `TimeoutError`.
 *
 * It shares its `_tag` with Effect's `Cause.TimeoutError`, so one `catchTag("TimeoutError")` handles both.
 *
 * @category errors
 * @since 0.1.0
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{ readonly message: string }> {
  constructor(message = "the operation timed out") {
    super({ message })
  }
}

/**
 * An operation asked for a state the task or future is not in, e.g. `task.result()` on a pending task.
 * asyncio's `InvalidStateError`.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidStateError extends Data.TaggedError("InvalidStateError")<{ readonly message: string }> {
  constructor(message: string) {
    super({ message })
  }
}

/**
 * A defect (an unexpected exception, `Effect.die`) reported as a value, where asyncio would hand back the
 * exception object: in `gather(…, { returnExceptions: true })` results and from `task.exception()`.
 * Python has a single exception hierarchy; Effect separates typed failures from defects, so defects are
 * wrapped to keep result types precise. The original value is `defect`.
 *
 * @category errors
 * @since 0.1.0
 */
export class Defect extends Data.TaggedError("Defect")<{
  readonly message: string
  readonly defect: unknown
}> {
  constructor(defect: unknown) {
    super({
      message: defect instanceof globalThis.Error ? defect.message : text(defect),
      defect
    })
    if (defect instanceof globalThis.Error) this.cause = defect
  }
}

/**
 * Misuse: an argument of the wrong kind (Python's `TypeError`), e.g. `createTask(123)`. Raised as a defect.
 *
 * @category errors
 * @since 0.1.0
 */
export class TypeError extends Data.TaggedError("TypeError")<{ readonly message: string }> {
  constructor(message: string) {
    super({ message })
  }
}

/**
 * Misuse: an argument with a bad value (Python's `ValueError`), e.g. `sleep(NaN)`, `wait([])`. Raised as a
 * defect.
 *
 * @category errors
 * @since 0.1.0
 */
export class ValueError extends Data.TaggedError("ValueError")<{ readonly message: string }> {
  constructor(message: string) {
    super({ message })
  }
}

/**
 * Misuse: a call in the wrong state (Python's `RuntimeError`), e.g. a task awaiting itself. Raised as a
 * defect.
 *
 * @category errors
 * @since 0.1.0
 */
export class RuntimeError extends Data.TaggedError("RuntimeError")<{ readonly message: string }> {
  constructor(message: string) {
    super({ message })
  }
}

/**
 * `getNowait()` found the queue empty. asyncio's `QueueEmpty`.
 *
 * @category errors
 * @since 0.1.0
 */
export class QueueEmpty extends Data.TaggedError("QueueEmpty")<{ readonly message: string }> {
  constructor(message = "getNowait(): the queue is empty") {
    super({ message })
  }
}

/**
 * `putNowait()` found no free slot in a bounded queue. asyncio's `QueueFull`.
 *
 * @category errors
 * @since 0.1.0
 */
export class QueueFull extends Data.TaggedError("QueueFull")<{ readonly message: string }> {
  constructor(message = "putNowait(): the queue is full") {
    super({ message })
  }
}

/**
 * The queue was shut down (`queue.shutdown()`): every `put` fails with it, and every `get` once the queue is
 * empty (at once after `shutdown(true)`). asyncio's `QueueShutDown` (Python 3.13).
 *
 * It is the normal way for consumers to learn that no more items will come: catch it to end a worker loop.
 *
 * @category errors
 * @since 0.1.0
 */
export class QueueShutDown extends Data.TaggedError("QueueShutDown")<{ readonly message: string }> {
  constructor(message = "the queue is shut down") {
    super({ message })
  }
}

// ---------------------------------------------------------------------------------------------------------
// Synchronisation primitives
// ---------------------------------------------------------------------------------------------------------

/**
 * A `Barrier` was aborted or reset while the task was waiting at it, or is broken (aborted and not reset yet)
 * when the task arrives. asyncio's `BrokenBarrierError`. A typed failure: correct programs handle it.
 *
 * @category errors
 * @since 0.1.0
 */
export class BrokenBarrierError extends Data.TaggedError("BrokenBarrierError")<{ readonly message: string }> {
  constructor(message = "the barrier is broken") {
    super({ message })
  }
}
