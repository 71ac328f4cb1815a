/**
 * Sub-millisecond deadlines on the **real** clock (issue 10, item 1): `timeout`, `timeoutAt`, `waitFor` and a
 * `reschedule` made by the body must always expire, whatever the clock says between two of its reads.
 *
 * Before the fix, `enter()` read the clock twice; when the millisecond ticked over between the two reads, a
 * deadline less than a millisecond away was treated as "already due" while no body was recorded yet, the expiry
 * was dropped and no timer was armed: the scope waited forever (a loop of `waitFor(Effect.never, 0.1 ms…)`
 * hung within a few hundred to a few thousand iterations). Here random lanes of such calls run concurrently,
 * with bodies that burn a little CPU before they suspend; every call must end with `TimeoutError` within a
 * generous real-time bound. fast-check prints the seed and the failing case (not shrunk: timing does not shrink).
 */
import * as asyncio from "@effect-asyncio/core"
import { fc, test } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { assert, describe } from "vitest"
import { failureOf } from "./utils/exits.ts"

type Kind = "waitFor" | "timeout" | "timeoutAt" | "reschedule"

interface Call {
  readonly kind: Kind
  /** The deadline, in microseconds from the call (or from the reschedule). */
  readonly delayUs: number
  /** CPU time the body burns before it suspends, in microseconds. */
  readonly spinUs: number
}

const call: fc.Arbitrary<Call> = fc.record({
  kind: fc.constantFrom<Kind>("waitFor", "timeout", "timeoutAt", "reschedule"),
  delayUs: fc.integer({ min: 1, max: 2000 }),
  spinUs: fc.integer({ min: 0, max: 300 })
})

/** Busy-waits `us` microseconds: the clock moves while the fiber runs without suspending. */
const spin = (us: number): Effect.Effect<void> =>
  Effect.sync(() => {
    const end = performance.now() + us / 1000
    while (performance.now() < end) {
      // burn
    }
  })

const run = ({ kind, delayUs, spinUs }: Call): Effect.Effect<unknown, unknown> => {
  const seconds = delayUs / 1e6
  const body = Effect.andThen(spin(spinUs), Effect.never)
  switch (kind) {
    case "waitFor":
      return asyncio.waitFor(body, seconds)
    case "timeout":
      return asyncio.timeout(seconds, () => body)
    case "timeoutAt":
      return Effect.flatMap(asyncio.Timeout.time, (t) => asyncio.timeoutAt(t + seconds, () => body))
    case "reschedule":
      return asyncio.timeout(60, (scope) =>
        Effect.gen(function* () {
          yield* spin(spinUs)
          yield* scope.reschedule((yield* asyncio.Timeout.time) + seconds)
          return yield* Effect.never
        })
      )
  }
}

/** Runs one call; a description of what went wrong, or `undefined` if it ended with `TimeoutError`. */
const check = (c: Call): Effect.Effect<string | undefined> =>
  Effect.map(Effect.timeoutOption(Effect.exit(run(c)), "2 seconds"), (result) => {
    if (Option.isNone(result)) return `${c.kind} hung (delay ${c.delayUs} µs, spin ${c.spinUs} µs)`
    const exit = result.value
    if (Exit.isSuccess(exit) || !(failureOf(exit) instanceof asyncio.TimeoutError)) {
      return `${c.kind} ended with ${String(exit)}`
    }
    return undefined
  })

describe("timeout on the real clock — sub-millisecond deadlines", () => {
  test.prop([fc.array(fc.array(call, { minLength: 40, maxLength: 80 }), { minLength: 4, maxLength: 8 })], {
    numRuns: 15,
    // A timing failure does not shrink reliably: report the first one at once, with its seed.
    endOnFailure: true
  })("every timeout, timeoutAt, waitFor and reschedule expires (concurrent lanes)", async (lanes) => {
    const problems = await Effect.runPromise(
      Effect.forEach(lanes, (lane) => Effect.forEach(lane, check), { concurrency: "unbounded" })
    )
    assert.deepStrictEqual(
      problems.flat().filter((p) => p !== undefined),
      []
    )
  })
})
