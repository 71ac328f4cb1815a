/**
 * Test helpers for running programs on the `TestClock` of `@effect/vitest` without hand-written `adjust` calls.
 *
 * `TestClock.adjust` wakes sleepers in time order and waits for everything a woken fiber schedules before
 * waking the next one, so one large adjustment replays a whole program in order. What it cannot see is the
 * start-up phase before the first sleep is registered; {@link settle} yields enough times for that.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"

/** Lets every ready fiber run until it suspends (a bounded number of scheduler turns). */
export const settle: Effect.Effect<void> = Effect.repeat(Effect.yieldNow, { times: 64 })

/** Virtual seconds since the clock's epoch. */
export const now: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => ms / 1000)

/**
 * Makes one throw-away `TestClock` sleep. effect 4.1.0's `TestClock` starts its "test is using time but not
 * advancing the clock" warning fiber, inside an `Effect.interruptible` region, on the first sleep of a test; if
 * that first sleep happens in a finalizer of an interrupted fiber, the finalizer is cut short. Priming the clock
 * outside any finalizer avoids it.
 */
export const primeTestClock: Effect.Effect<void> = Effect.gen(function* () {
  const fiber = yield* Effect.forkChild(Effect.sleep("1 millis"), { startImmediately: true })
  yield* Fiber.interrupt(fiber)
})

/**
 * Runs `effect` to completion on virtual time and returns its exit and the virtual seconds it took.
 *
 * The clock jumps from timer to timer (as Trio's autojump clock does) and **stops when `effect` ends**: later
 * timers of tasks that outlive it have not fired, and the clock reads the time `effect` ended. `limit`
 * (seconds) bounds the virtual time; a program still running then is interrupted.
 */
export const runVirtual = <A, E>(
  effect: Effect.Effect<A, E>,
  limit = 3600
): Effect.Effect<{ readonly exit: Exit.Exit<A, E>; readonly elapsed: number }> =>
  Effect.gen(function* () {
    yield* primeTestClock
    const start = yield* now
    let end = start
    let clock: Fiber.Fiber<void> | undefined
    const fiber = yield* Effect.forkChild(
      Effect.onExit(effect, () =>
        Effect.map(now, (t) => {
          end = t
          clock?.interruptUnsafe()
        })
      )
    )
    yield* settle
    if (fiber.pollUnsafe() === undefined) {
      clock = yield* Effect.forkChild(TestClock.adjust(`${limit} seconds`))
      yield* Fiber.await(clock)
      yield* settle
    }
    if (fiber.pollUnsafe() === undefined) yield* Fiber.interrupt(fiber)
    const exit = yield* Fiber.await(fiber)
    return { exit, elapsed: Math.round((end - start) * 1e6) / 1e6 }
  })
