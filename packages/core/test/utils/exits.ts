/**
 * Test helpers for reading an `Exit` in asyncio's terms: the typed error it failed with, the defect it died
 * with, or whether it ended by interruption only (what asyncio calls "cancelled").
 */
import type * as asyncio from "@effect-asyncio/core"
import { defectOf } from "@effect-asyncio/core/Testing"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"

export { defectOf, failureOf, isCancelled as isInterrupted } from "@effect-asyncio/core/Testing"

/** The `_tag` of the first defect of a failed exit (e.g. `"TypeError"`), if the defect is tagged. */
export const defectTag = <A, E>(exit: Exit.Exit<A, E>): string | undefined => {
  const defect = defectOf(exit)
  return typeof defect === "object" && defect !== null && "_tag" in defect ? String(defect._tag) : undefined
}

/** The `CancelledError` a cancelled task reports from `exception()`; a defect if the task did not end cancelled. */
export const cancelledErrorOf = <A, E>(task: asyncio.Task<A, E>): Effect.Effect<asyncio.CancelledError> =>
  Effect.matchEffect(task.exception(), {
    onFailure: (error) => (error._tag === "CancelledError" ? Effect.succeed(error) : Effect.die(error)),
    onSuccess: (error) =>
      Effect.die(new globalThis.Error(`${task.name} was not cancelled (exception: ${String(error)})`))
  })

/** Runs a deliberately ill-typed call (its type is widened to keep the test's own type clean) for its exit. */
export const misuse = (
  effect: Effect.Effect<unknown, unknown, unknown>
): Effect.Effect<Exit.Exit<unknown, unknown>> => Effect.exit(effect as Effect.Effect<unknown, unknown>)
