import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { now, runVirtual } from "./utils/virtual.ts"

class ValueError extends Error {
  readonly _tag = "ValueError"
}
class OSError extends Error {
  readonly _tag = "OSError"
}

const tagOf = (u: unknown): unknown => (typeof u === "object" && u !== null && "_tag" in u ? u._tag : u)

describe("staggeredRace", () => {
  it.effect("ST-01 no attempts gives (undefined, undefined, [])", () =>
    Effect.gen(function* () {
      const none: Array<() => Effect.Effect<string>> = []
      const result = yield* asyncio.staggeredRace(none, null)
      assert.deepStrictEqual(result, [undefined, undefined, []])
    })
  )

  it.effect("ST-02 the first success wins and the next attempt never starts", () =>
    Effect.gen(function* () {
      const started: Array<number> = []
      const attempt = (i: number) => () => Effect.sync(() => started.push(i)).pipe(Effect.as(`Res: ${i}`))
      const result = yield* asyncio.staggeredRace([attempt(0), attempt(1)], null)
      assert.deepStrictEqual(result, ["Res: 0", 0, [undefined]])
      assert.deepStrictEqual(started, [0])
    })
  )

  it.effect("ST-04 a slow first attempt is overtaken after the delay and cancelled", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const slow = () =>
        asyncio.sleep(10, "Res: 0").pipe(Effect.onInterrupt(() => Effect.sync(() => log.push("0 cancelled"))))
      const fast = () => Effect.succeed("Res: 1")
      const { exit, elapsed } = yield* runVirtual(asyncio.staggeredRace([slow, fast], 0.1))
      const [winner, index, errors] = yield* exit
      assert.strictEqual(elapsed, 0.1)
      assert.strictEqual(winner, "Res: 1")
      assert.strictEqual(index, 1)
      assert.deepStrictEqual(errors.map(tagOf), ["CancelledError", undefined])
      const cancelled = errors[0] as asyncio.CancelledError
      assert.strictEqual(cancelled.reason.kind, "sibling")
      assert.include(cancelled.reason.detail, "attempt 1 won")
      assert.deepStrictEqual(log, ["0 cancelled"])
    })
  )

  it.effect("ST-05 when every attempt fails the result has no winner and every error", () =>
    Effect.gen(function* () {
      const fail = () => Effect.fail(new ValueError())
      const [winner, index, errors] = yield* asyncio.staggeredRace([fail, fail], null)
      assert.isUndefined(winner)
      assert.isUndefined(index)
      assert.deepStrictEqual(errors.map(tagOf), ["ValueError", "ValueError"])
    })
  )

  it.effect("ST-08 a failure starts the next attempt early", () =>
    Effect.gen(function* () {
      const starts: Array<number> = []
      const attempt = (body: Effect.Effect<number, OSError>) => () =>
        Effect.andThen(
          Effect.flatMap(now, (t) => Effect.sync(() => starts.push(t))),
          body
        )
      const { exit, elapsed } = yield* runVirtual(
        asyncio.staggeredRace(
          [
            attempt(asyncio.sleep(1, 0)),
            attempt(Effect.andThen(asyncio.sleep(0.01), Effect.fail(new OSError()))),
            attempt(asyncio.sleep(0.05, 2))
          ],
          0.1
        )
      )
      const [winner, index, errors] = yield* exit
      assert.deepStrictEqual(starts, [0, 0.1, 0.11])
      assert.strictEqual(elapsed, 0.16)
      assert.strictEqual(winner, 2)
      assert.strictEqual(index, 2)
      assert.deepStrictEqual(errors.map(tagOf), ["CancelledError", "OSError", undefined])
    })
  )

  it.effect("ST-07 cancelling the caller cancels and awaits every running attempt", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const attempt = (i: number) => () =>
        asyncio.sleep(10).pipe(
          Effect.onInterrupt(() =>
            Effect.andThen(
              asyncio.sleep(0.05),
              Effect.sync(() => log.push(`${i} cleaned`))
            )
          )
        )
      let race: asyncio.Task<unknown, unknown> | undefined
      const { exit, elapsed } = yield* runVirtual(
        Effect.gen(function* () {
          race = yield* asyncio.createTask(asyncio.staggeredRace([attempt(0), attempt(1)], 0.1))
          yield* asyncio.sleep(0.2)
          yield* race.cancel("stop")
          return yield* Effect.exit(race)
        })
      )
      const raceExit = yield* exit
      assert.isTrue(Exit.isFailure(raceExit))
      // The race re-raises only after both attempts' 0.05 s clean-up (Python 3.14 waits too).
      assert.strictEqual(elapsed, 0.25)
      assert.deepStrictEqual(log.sort(), ["0 cleaned", "1 cleaned"])
      assert.isTrue(yield* race!.cancelled())
    })
  )

  it.effect("a non-function attempt fails that attempt with a TypeError defect", () =>
    Effect.gen(function* () {
      const notAFunction = 42 as unknown as () => Effect.Effect<number>
      const [winner, index, errors] = yield* asyncio.staggeredRace(
        [notAFunction, () => Effect.succeed(7)],
        null
      )
      assert.strictEqual(winner, 7)
      assert.strictEqual(index, 1)
      const defect = errors[0] as asyncio.Defect
      assert.strictEqual(defect._tag, "Defect")
      assert.strictEqual(tagOf(defect.defect), "TypeError")
    })
  )

  it.effect("a value that is not iterable is a TypeError defect", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        asyncio.staggeredRace(5 as unknown as Array<() => Effect.Effect<number>>, null)
      )
      assert.isTrue(Exit.isFailure(exit) && exit.cause.reasons[0]._tag === "Die")
    })
  )
})
