/**
 * Running a program to completion on the `TestClock` of `@effect/vitest`, without hand-written `adjust` calls.
 * The same technique as `packages/core/test/utils/virtual.ts` (which lies outside this TypeScript project).
 *
 * `TestClock.adjust` wakes sleepers in time order and lets everything a woken fiber schedules run before it
 * wakes the next one, so one large adjustment replays a whole program in order. The start-up phase, before the
 * first sleep is registered, is covered by letting the scheduler run a bounded number of turns first.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"

/** Lets every ready fiber run until it suspends (a bounded number of scheduler turns). */
const settle: Effect.Effect<void> = Effect.repeat(Effect.yieldNow, { times: 64 })

/** Virtual seconds since the clock's epoch. */
const now: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => ms / 1000)

/**
 * Runs `effect` on virtual time and returns its exit and the virtual seconds it took. A program still running
 * after `limit` virtual seconds is interrupted (its exit then says so).
 */
export const runVirtual = <A, E>(
  effect: Effect.Effect<A, E>,
  limit: number
): Effect.Effect<{ readonly exit: Exit.Exit<A, E>; readonly elapsed: number }> =>
  Effect.gen(function* () {
    const start = yield* now
    let end = start
    const fiber = yield* Effect.forkChild(
      Effect.onExit(effect, () =>
        Effect.map(now, (t) => {
          end = t
        })
      )
    )
    yield* settle
    if (fiber.pollUnsafe() === undefined) yield* TestClock.adjust(`${limit} seconds`)
    yield* settle
    if (fiber.pollUnsafe() === undefined) yield* Fiber.interrupt(fiber)
    const exit = yield* Fiber.await(fiber)
    return { exit, elapsed: Math.round((end - start) * 1e6) / 1e6 }
  })
