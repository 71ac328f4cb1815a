/**
 * A work-around for a quirk of effect 4.1.0's `TestClock`: the first `sleep` of a test starts the "test is using
 * time but not advancing the clock" warning inside an `Effect.interruptible` region. If that first sleep runs in
 * a finalizer of an interrupted fiber (clean-up that takes virtual time), the interruptible region lets the
 * pending interrupt through, the finalizer is abandoned half-way and `Fiber.interrupt` returns without waiting.
 * Any later sleep is unaffected, so tests whose first virtual sleep may happen in such a finalizer run
 * {@link primeTestClock} first.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

/** Makes one throw-away `TestClock` sleep so the clock's warning machinery is started outside any finalizer. */
export const primeTestClock: Effect.Effect<void> = Effect.gen(function* () {
  const fiber = yield* Effect.forkChild(Effect.sleep("1 millis"), { startImmediately: true })
  yield* Fiber.interrupt(fiber)
})
