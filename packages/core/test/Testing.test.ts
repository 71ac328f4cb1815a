/**
 * The public testing module: the autojump virtual clock, the leftover-task check, and the exit readers.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { it as plain } from "vitest"

class Boom extends Data.TaggedError("Boom")<{}> {}

describe("Testing.runVirtual", () => {
  it.effect("replays a program on virtual time: its exit, and the virtual seconds it took", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* Testing.runVirtual(
        asyncio.gather(asyncio.sleep(3, "a"), asyncio.sleep(1, "b"))
      )
      assert.deepStrictEqual(exit, Exit.succeed(["a", "b"]))
      assert.strictEqual(elapsed, 3)
    })
  )

  it.effect(
    "the clock stops when the program ends: a task that outlives it has not reached its next timer",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const program = asyncio.Loop.scoped(
          Effect.gen(function* () {
            yield* asyncio.createTask(
              Effect.andThen(
                asyncio.sleep(5),
                Effect.sync(() => log.push("late timer fired"))
              )
            )
            yield* asyncio.sleep(2)
            return "main done"
          })
        )
        const { exit, elapsed } = yield* Testing.runVirtual(program)
        assert.deepStrictEqual(exit, Exit.succeed("main done"))
        assert.strictEqual(elapsed, 2)
        assert.deepStrictEqual(log, [])
      })
  )

  it.effect("a program still running at the limit is interrupted there", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* Testing.runVirtual(asyncio.sleep(100), { limit: 10 })
      assert.isTrue(Testing.isCancelled(exit))
      assert.strictEqual(elapsed, 10)
    })
  )

  it.effect("a bad limit is a defect carrying ValueError that names the call and the value", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Testing.runVirtual(asyncio.sleep(1), { limit: Number.POSITIVE_INFINITY })
      )
      const defect = Testing.defectOf(exit)
      assert.instanceOf(defect, asyncio.ValueError)
      assert.include((defect as asyncio.ValueError).message, "Testing.runVirtual")
      assert.include((defect as asyncio.ValueError).message, "Infinity")
    })
  )

  plain("works outside @effect/vitest: it provides a TestClock of its own (no real waiting)", async () => {
    const started = Date.now()
    const { exit, elapsed } = await Effect.runPromise(Testing.runVirtual(asyncio.sleep(30, "slept")))
    assert.deepStrictEqual(exit, Exit.succeed("slept"))
    assert.strictEqual(elapsed, 30)
    assert.isBelow(Date.now() - started, 10_000)
  })
})

describe("Testing.virtualClock", () => {
  // Both checked against CPython 3.11 (asyncio.run of the same program; the log printed is the one asserted).
  it.effect("timers due at the same instant are woken together, before what the first one sets off", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const push = (line: string) => Effect.sync(() => log.push(line))
      const program = asyncio.Loop.scoped(
        Effect.gen(function* () {
          const a = yield* asyncio.createTask(
            Effect.andThen(
              asyncio.sleep(1),
              Effect.andThen(push("a"), Effect.andThen(asyncio.sleep(0), push("a again")))
            )
          )
          const b = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), push("b")))
          yield* asyncio.gather(a, b)
        })
      )
      const { elapsed } = yield* Testing.runVirtual(program)
      // effect's TestClock lets `a` settle before it wakes `b`: a, a again, b
      assert.deepStrictEqual(log, ["a", "b", "a again"])
      assert.strictEqual(elapsed, 1)
    })
  )

  it.effect("a deadline set before a sleep due at the same instant fires first", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const push = (line: string) => Effect.sync(() => log.push(line))
      const program = asyncio.Loop.scoped(
        Effect.gen(function* () {
          // r's sleep is set at its first step, after main has entered the timeout and set its deadline
          const r = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), push("r")))
          const event = yield* asyncio.Event.make()
          yield* asyncio
            .timeout(1, () => Effect.onInterrupt(event.wait(), () => push("main cancelled")))
            .pipe(Effect.catchTag("TimeoutError", () => push("timeout")))
          yield* r
        })
      )
      yield* Testing.runVirtual(program)
      assert.deepStrictEqual(log, ["main cancelled", "timeout", "r"])
    })
  )

  it.effect("drives what the test forks outside the run when provided to the whole test", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      yield* Effect.forkChild(
        Effect.andThen(
          Effect.sleep("2 seconds"),
          Effect.sync(() => log.push("outside"))
        )
      )
      const { elapsed } = yield* Testing.runVirtual(
        Effect.andThen(
          asyncio.sleep(3),
          Effect.sync(() => log.push("inside"))
        )
      )
      assert.deepStrictEqual(log, ["outside", "inside"])
      assert.strictEqual(elapsed, 3)
    }).pipe(Effect.provide(Testing.virtualClock))
  )
})

describe("Testing.strictLoop", () => {
  it.effect(
    "a program that leaves a task behind dies with RuntimeError naming it; the task was cancelled",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const leaky = Effect.gen(function* () {
          yield* asyncio.createTask(
            Effect.onInterrupt(asyncio.sleep(10), () => Effect.sync(() => log.push("poller cancelled"))),
            { name: "poller" }
          )
          yield* asyncio.sleep(1)
          return "done"
        })
        const { exit, elapsed } = yield* Testing.runVirtual(Testing.strictLoop(leaky))
        const defect = Testing.defectOf(exit)
        assert.instanceOf(defect, asyncio.RuntimeError)
        assert.strictEqual(
          (defect as asyncio.RuntimeError).message,
          "Testing.strictLoop: 1 task outlived the program: poller"
        )
        assert.deepStrictEqual(log, ["poller cancelled"])
        assert.strictEqual(elapsed, 1)
      })
  )

  it.effect("a program that awaits or cancels everything it started gives its value", () =>
    Effect.gen(function* () {
      const tidy = Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(1, "a"))
        const b = yield* asyncio.createTask(asyncio.sleep(10, "b"))
        yield* b.cancel()
        return yield* a
      })
      const { exit } = yield* Testing.runVirtual(Testing.strictLoop(tidy))
      assert.deepStrictEqual(exit, Exit.succeed("a"))
    })
  )

  it.effect("a failing program that also leaks reports both: its error first, then the leak", () =>
    Effect.gen(function* () {
      const both = Effect.gen(function* () {
        yield* asyncio.createTask(asyncio.sleep(10), { name: "w1" })
        yield* asyncio.createTask(asyncio.sleep(10), { name: "w2" })
        return yield* new Boom()
      })
      const { exit } = yield* Testing.runVirtual(Testing.strictLoop(both))
      assert.instanceOf(Testing.failureOf(exit), Boom)
      assert.strictEqual(
        (Testing.defectOf(exit) as asyncio.RuntimeError).message,
        "Testing.strictLoop: 2 tasks outlived the program: w1, w2"
      )
    })
  )
})

describe("reading exits", () => {
  it.effect("failureOf, defectOf, isCancelled and cancelReasonOf read each kind of ending", () =>
    Effect.gen(function* () {
      const failed = yield* Effect.exit(Effect.fail(new Boom()))
      const died = yield* Effect.exit(Effect.die("oops"))
      const task = yield* asyncio.createTask(asyncio.sleep(10), { name: "victim" })
      yield* asyncio.sleep(0)
      yield* task.cancel("enough")
      const cancelled = yield* Effect.exit(task)

      assert.instanceOf(Testing.failureOf(failed), Boom)
      assert.isUndefined(Testing.defectOf(failed))
      assert.isFalse(Testing.isCancelled(failed))
      assert.isUndefined(Testing.cancelReasonOf(failed))

      assert.isUndefined(Testing.failureOf(died))
      assert.strictEqual(Testing.defectOf(died), "oops")

      assert.isTrue(Testing.isCancelled(cancelled))
      const reason = Testing.cancelReasonOf(cancelled)
      assert.strictEqual(reason?.kind, "cancel")
      assert.strictEqual(reason?.message, "enough")

      assert.isUndefined(Testing.failureOf(Exit.succeed(1)))
      assert.isFalse(Testing.isCancelled(Exit.succeed(1)))
    })
  )
})
