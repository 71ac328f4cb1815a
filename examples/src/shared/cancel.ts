/**
 * Small helpers for the cancellation examples (19–22): seeing a cancellation the way Python code sees it, and
 * printing the `CancelReason` that only effect-asyncio records.
 */
import type * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { repr } from "./python.ts"

/**
 * Python's `await task` inside `try: … except CancelledError as e:`. `yield* task` propagates the task's
 * cancellation as interruption (it cannot be caught as an error); this turns it into a `CancelledError` failure
 * — the one `task.exception()` reports, with the message and the reason — so that `Effect.catchTag` can handle
 * it. Only a cancellation *of the task* is converted: if the awaiting fiber is itself cancelled, that goes
 * through untouched (and, as with `yield* task`, cancels the task too).
 */
export const awaitOrCancelled = <A, E>(
  task: asyncio.Task<A, E>
): Effect.Effect<A, E | asyncio.CancelledError> =>
  Effect.catchCause(task, (cause) =>
    Effect.gen(function* () {
      const error = Cause.hasInterruptsOnly(cause) ? yield* cancelledError(task) : undefined
      return yield* error === undefined ? Effect.failCause(cause) : Effect.fail(error)
    })
  )

/** The `CancelledError` of a cancelled task (what its `exception()` raises); `undefined` if it is not cancelled. */
export const cancelledError = <A, E>(
  task: asyncio.Task<A, E>
): Effect.Effect<asyncio.CancelledError | undefined> =>
  Effect.match(task.exception(), {
    onFailure: (error) => (error._tag === "CancelledError" ? error : undefined),
    onSuccess: () => undefined
  })

/** Why `task` was cancelled: the `reason` of its `CancelledError`; `undefined` if it is not cancelled. */
export const cancelReason = <A, E>(
  task: asyncio.Task<A, E>
): Effect.Effect<asyncio.CancelReason | undefined> =>
  Effect.map(cancelledError(task), (error) => error?.reason)

/**
 * A reason as one line, `kind='cancel', message='stop', detail='job was cancelled by main'`, without the
 * message when there is none. With `detail: false` only the kind (and message) are shown: the details of
 * `timeout` and `shutdown` reasons name scopes by a process-wide counter (`Timeout-3`, `loop-2`) and a timeout's
 * also the clock time, which differ between a test run and a real one.
 */
export const showReason = (reason: asyncio.CancelReason, options?: { readonly detail?: boolean }): string => {
  const parts = [`kind=${repr(reason.kind)}`]
  if (reason.message !== undefined) parts.push(`message=${repr(reason.message)}`)
  if (options?.detail !== false) parts.push(`detail=${repr(reason.detail)}`)
  return parts.join(", ")
}
