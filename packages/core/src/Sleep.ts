/**
 * `sleep`: asyncio's `asyncio.sleep(delay, result=None)`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { observeWait } from "./internal/observe.ts"
import * as validate from "./internal/validate.ts"

/**
 * A delay or timeout as asyncio code writes it: a plain number is **seconds** (`sleep(0.5)`); Effect duration
 * values and strings (`Duration.millis(500)`, `"500 millis"`) are accepted too. Every delay and timeout of the
 * library (`sleep`, `waitFor`, `timeout`, `wait`, `asCompleted`, `staggeredRace`, `CancelScope`) takes one.
 *
 * @category models
 * @since 0.1.0
 */
export type Seconds = number | Exclude<Duration.Input, number | bigint>

/**
 * Suspends the current fiber for `delay` and then succeeds with `result`.
 *
 * **Details** A number is **seconds**, as in Python; Effect durations (`"500 millis"`) are accepted too. A delay
 * of zero or less yields to the scheduler exactly once (Python's `sleep(0)`), `Infinity` never returns, and NaN
 * is a defect carrying `ValueError` (Python 3.13). A bigint is refused (`TypeError`): it is seconds to Python and
 * nanoseconds to Effect; so is a duration object with an unknown key (`{ second: 5 }`, which Effect would read
 * as 0). Sleeping runs on Effect's `Clock`, so under `TestClock` it is virtual.
 *
 * **asyncio** `await asyncio.sleep(delay, result)`. Cancellation (interruption) ends the sleep at once and
 * releases its timer.
 *
 * **Example** (A value after a delay)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 *
 * const answer = asyncio.sleep(0.5, 42) // Effect<number>: 42 after half a second
 * ```
 *
 * @category sleeping
 * @since 0.1.0
 */
export const sleep: {
  (delay: Seconds): Effect.Effect<void>
  <A>(delay: Seconds, result: A): Effect.Effect<A>
} = <A>(delay: Seconds, result?: A): Effect.Effect<A | undefined> =>
  validate.atCall(() => {
    const read = validate.delay("sleep", delay)
    switch (read._tag) {
      case "NonPositive":
        return Effect.as(Effect.yieldNow, result)
      case "Infinite":
        return Effect.never
      case "Finite": {
        const seconds = Duration.toMillis(read.duration) / 1000
        return Effect.as(observeWait(Effect.sleep(read.duration), { _tag: "sleep", seconds }), result)
      }
    }
  })
