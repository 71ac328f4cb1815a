/**
 * The project's tests run on the public testing module (`@effect-asyncio/core/Testing`); these are its names as the
 * older tests import them.
 */

import * as Testing from "@effect-asyncio/core/Testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"

export const settle: Effect.Effect<void> = Testing.settle

/** Virtual seconds since the clock's epoch. */
export const now: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => ms / 1000)

/** `Testing.runVirtual` with the limit as a number of seconds. */
export const runVirtual = <A, E>(
  effect: Effect.Effect<A, E>,
  limit = 3600
): Effect.Effect<{ readonly exit: Exit.Exit<A, E>; readonly elapsed: number }> =>
  Testing.runVirtual(effect, { limit })

export { primeTestClock } from "@effect-asyncio/core/Testing"
