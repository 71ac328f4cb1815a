/**
 * `waitFor`: await with a time limit, cancelling the work when it expires. asyncio's
 * `asyncio.wait_for(aw, timeout)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type { CancelReason } from "./Errors.ts"
import { CancelledError, TimeoutError } from "./Errors.ts"
import { awaitEnd, consume } from "./internal/await.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { interruptTask } from "./internal/reason.ts"
import { asTask, notAnEffect } from "./internal/task.ts"
import type { Delay } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"
import * as Timeout from "./Timeout.ts"

const timeoutReason = (what: string): CancelReason => ({
  kind: "timeout",
  detail: `the waitFor deadline for ${what} expired`
})

/** What the caller of an expired `waitFor` sees once the inner work has finished. */
const afterExpiry = <A, E>(exit: Exit.Exit<A, E>): Effect.Effect<A, E | TimeoutError> => {
  const outcome = outcomeOf(exit)
  if (outcome._tag !== "Cancelled") return exit
  const error = new TimeoutError("waitFor: the timeout expired")
  error.cause = outcome.error
  return Effect.fail(error)
}

/**
 * Runs (or awaits) `aw` and fails with `TimeoutError` if it has not finished within `timeout`.
 *
 * **Details**
 * - On expiry the inner work is cancelled (reason `timeout`) and `waitFor` **waits until it has finished**, so
 *   its clean-up time is included; then it fails with `TimeoutError` (whose `cause` is the `CancelledError`). If
 *   the inner work ended with an error while being cancelled, that error propagates instead.
 * - `timeout` `null`/`undefined`: just awaits `aw`. Zero or less: a task that is already done gives its result;
 *   otherwise the task is cancelled and awaited, and an effect is **not started** at all; then `TimeoutError`.
 * - Interrupting the caller cancels the inner work too and waits for it (outside cancellation wins over a
 *   simultaneous expiry).
 * - An effect runs on a child fiber of the caller that reports the caller's task as `currentTask()` (Python 3.12+
 *   runs the coroutine inline in the caller's task).
 *
 * **asyncio** `await asyncio.wait_for(aw, timeout)` (3.12+ semantics). Python's inner work can swallow the
 * cancellation and return a value; ours cannot (see `docs/semantics.md`). To keep the work running after the
 * timeout, wrap it: `waitFor(shield(task), t)`.
 *
 * **Example** (Data-first, as Python writes it, or data-last in a pipe)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const slow = asyncio.sleep(10, "late")
 * const first = asyncio.waitFor(slow, 2) // fails with TimeoutError at t=2
 * const piped = slow.pipe(asyncio.waitFor(2)) // the same
 * const recovered = slow.pipe(
 *   asyncio.waitFor(2),
 *   Effect.catchTag("TimeoutError", () => Effect.succeed("fallback"))
 * )
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const waitFor: {
  (
    timeout: Seconds | null | undefined
  ): <A, E, R>(aw: Effect.Effect<A, E, R>) => Effect.Effect<A, E | TimeoutError, R>
  <A, E, R>(
    aw: Effect.Effect<A, E, R>,
    timeout: Seconds | null | undefined
  ): Effect.Effect<A, E | TimeoutError, R>
} = dual(
  // Data-first when the awaitable comes first: `waitFor(aw, t)`, or `waitFor(aw)` (no limit).
  (args) => args.length >= 2 || Effect.isEffect(args[0]),
  <A, E, R>(
    aw: Effect.Effect<A, E, R>,
    timeout: Seconds | null | undefined
  ): Effect.Effect<A, E | TimeoutError, R> => waitForImpl(aw, timeout)
)

const waitForImpl = <A, E, R>(
  aw: Effect.Effect<A, E, R>,
  timeout: Seconds | null | undefined
): Effect.Effect<A, E | TimeoutError, R> =>
  validate.atCall(() => {
    if (!Effect.isEffect(aw)) throw notAnEffect("waitFor", aw)
    if (timeout === null || timeout === undefined) return awaitOf(aw)
    const delay = validate.delay("waitFor", timeout, "timeout")
    if (delay._tag === "Infinite") return awaitOf(aw)
    return Effect.withFiber((parent) => waitWithin(aw, delay, parent.id))
  })

/** Awaiting `aw` with no limit: an effect as it is; a task through an effect of its own (not the task object). */
const awaitOf = <A, E, R>(aw: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  asTask(aw) === undefined ? aw : Effect.suspend(() => aw)

const waitWithin = <A, E, R>(
  aw: Effect.Effect<A, E, R>,
  delay: Exclude<Delay, { readonly _tag: "Infinite" }>,
  by: number
): Effect.Effect<A, E | TimeoutError, R> => {
  const task = asTask(aw)
  const what = task === undefined ? "an effect" : task.name
  if (delay._tag === "NonPositive") {
    if (task === undefined) {
      const error = new TimeoutError("waitFor: the timeout expired before the effect started")
      error.cause = new CancelledError(timeoutReason(what))
      return Effect.fail(error)
    }
    // The outcome is handed back either way: consumed, as `await` in Python's `wait_for` consumes it.
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) return consume(task, exit)
    interruptTask(task, by, timeoutReason(what))
    // asyncio's `_cancel_and_wait`: the task's done callback sets a future the caller awaits (two turns).
    return Effect.flatMap(awaitEnd(task, 2), (exit) => afterExpiry(consume(task, exit)))
  }
  return Timeout.timeout(delay.duration, () => aw)
}
