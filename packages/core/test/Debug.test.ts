/**
 * Debug mode (issue 5 §4), the platform-independent part: "Task exception was never retrieved" for a failed task
 * whose error nobody consumed (and not for one consumed by awaiting, `result()`, `exception()`, `gather`, plain
 * `asCompleted`, a `TaskGroup`), and the tasks still pending when a loop scope shuts down. Slow steps (a real busy
 * loop) are tested in the node project.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import { cancelUnsafe } from "@effect-asyncio/core/Task"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

const failing = (name: string, delay = 0.5) =>
  asyncio.createTask(Effect.andThen(asyncio.sleep(delay), Effect.fail(new Boom({ message: name }))), { name })

/**
 * Runs `main` in a loop scope under debug mode (asyncio's 0.1 s for slow steps), on virtual time, collecting the
 * warnings. Steps are timed on the session's clock, the TestClock, so the warnings depend on the program alone, not
 * on how loaded the machine is.
 */
const debugged = <A, E>(
  main: Effect.Effect<A, E>,
  loop: string,
  options?: Debug.DebugOptions & { readonly clock?: (base: Clock.Clock) => Clock.Clock }
) =>
  Effect.gen(function* () {
    const warnings: Array<Debug.Warning> = []
    const session = Debug.debug(asyncio.Loop.scoped(main, { mainName: "main", name: loop }), {
      slowCallbackDuration: options?.slowCallbackDuration,
      onWarning: (w) => warnings.push(w)
    })
    const clock = options?.clock
    // The clock is wrapped inside the run: `runVirtual` runs the session on a virtual clock of its own.
    const { exit } = yield* runVirtual(
      clock === undefined
        ? session
        : Clock.clockWith((base) => Effect.provideService(session, Clock.Clock, clock(base)))
    )
    return { exit, warnings }
  })

/**
 * A clock over the run's virtual clock, with a step of a program able to take time on it: `hold(0.25)` inside an
 * effect makes that step last 0.25 s on the clock's monotonic time (what debug mode times steps with), as a
 * blocking call would on a real one. Wall-clock time and sleeps are the virtual clock's.
 */
const holdingClock = () => {
  let held = 0n
  const clock = (base: Clock.Clock): Clock.Clock => {
    const monotonic = () => base.monotonicTimeNanosUnsafe() + held
    return {
      currentTimeMillisUnsafe: () => base.currentTimeMillisUnsafe(),
      currentTimeMillis: base.currentTimeMillis,
      currentTimeNanosUnsafe: () => base.currentTimeNanosUnsafe(),
      currentTimeNanos: base.currentTimeNanos,
      monotonicTimeNanosUnsafe: monotonic,
      monotonicTimeNanos: Effect.sync(monotonic),
      sleep: (duration) => base.sleep(duration)
    }
  }
  const hold = (seconds: number) =>
    Effect.sync(() => {
      held += BigInt(Math.round(seconds * 1e9))
    })
  return { clock, hold }
}

/** The names of the tasks reported as "Task exception was never retrieved", and the other warnings by tag. */
const reported = (warnings: ReadonlyArray<Debug.Warning>): Array<string> =>
  warnings.map((w) => (w._tag === "NeverRetrieved" ? w.task.name : w._tag))

describe("Debug — exceptions never retrieved", () => {
  it.effect("reported when the session ends, only for the task nobody retrieved", () =>
    Effect.gen(function* () {
      const { exit, warnings } = yield* debugged(
        Effect.gen(function* () {
          yield* failing("forgotten")
          const awaited = yield* failing("awaited")
          const byResult = yield* failing("by-result")
          const byException = yield* failing("by-exception")
          const inGather = yield* failing("in-gather")
          yield* Effect.exit(awaited)
          yield* asyncio.gather(inGather, asyncio.sleep(1), { returnExceptions: true })
          yield* Effect.exit(byResult.result())
          yield* byException.exception()
          for (const next of yield* asyncio.asCompleted([
            Effect.fail(new Boom({ message: "as-completed" }))
          ])) {
            yield* Effect.exit(next)
          }
          yield* Effect.exit(
            asyncio.TaskGroup.run((tg) =>
              tg.createTask(Effect.fail(new Boom({ message: "in-group" })), { name: "in-group" })
            )
          )
          yield* asyncio.sleep(1)
        }),
        "loop-nr"
      )
      assert.strictEqual(exit._tag, "Success")
      assert.deepStrictEqual(
        warnings.map((w) => (w._tag === "NeverRetrieved" ? [w._tag, w.task.name, w.error] : [w._tag])),
        [["NeverRetrieved", "forgotten", "Boom: forgotten"]]
      )
      const text = Debug.format(warnings[0])
      assert.match(
        text,
        /^Task exception was never retrieved\nfuture: <Task finished name='forgotten' id=\d+ created at \S*Debug\.test\.ts:\d+:\d+ exception=Boom: forgotten>\n {2}Boom: forgotten/
      )
    })
  )

  it.effect(
    "a failure retrieved by the loop's shutdown report is not reported again; wait() does not retrieve",
    () =>
      Effect.gen(function* () {
        const { warnings } = yield* debugged(
          Effect.gen(function* () {
            yield* asyncio.createTask(Effect.ensuring(asyncio.sleep(10), Effect.die("clean-up failed")), {
              name: "dies-at-shutdown"
            })
            const waited = yield* failing("only-waited")
            yield* asyncio.wait([waited])
          }),
          "loop-nr2"
        )
        assert.deepStrictEqual(
          warnings.map((w) => [w._tag, w._tag === "NeverRetrieved" ? w.task.name : undefined]),
          [
            ["PendingAtShutdown", undefined],
            ["NeverRetrieved", "only-waited"]
          ]
        )
      })
  )
})

describe("Debug — every way of consuming an outcome retrieves it", () => {
  // In CPython, `result()`, `exception()`, awaiting (also inside `shield`, `wait_for`) and `cancel()` of a done task
  // clear the flag that logs "Task exception was never retrieved"; `staggered_race`'s attempts catch their own
  // exceptions and hand them back in its result.
  it.effect("shield hands the error of a task (or of an effect it starts) back: retrieved", () =>
    Effect.gen(function* () {
      const { exit, warnings } = yield* debugged(
        Effect.gen(function* () {
          const task = yield* failing("shielded")
          const byTask = yield* Effect.exit(asyncio.shield(task))
          const byEffect = yield* Effect.exit(
            asyncio.shield(Effect.andThen(asyncio.sleep(0.5), Effect.fail(new Boom({ message: "inner" }))))
          )
          return [byTask._tag, byEffect._tag]
        }),
        "loop-shield"
      )
      assert.deepStrictEqual(exit._tag === "Success" ? exit.value : exit, ["Failure", "Failure"])
      assert.deepStrictEqual(reported(warnings), [])
    })
  )

  it.effect(
    "waitFor(task, 0) hands back the error of a task already done, or raised while it was cancelled",
    () =>
      Effect.gen(function* () {
        const { warnings } = yield* debugged(
          Effect.gen(function* () {
            const done = yield* failing("done-before")
            const cleanUpFails = yield* asyncio.createTask(
              Effect.ensuring(asyncio.sleep(10), Effect.die("clean-up failed")),
              { name: "fails-when-cancelled" }
            )
            yield* asyncio.sleep(1)
            const first = yield* Effect.exit(asyncio.waitFor(done, 0))
            const second = yield* Effect.exit(asyncio.waitFor(cleanUpFails, 0))
            assert.strictEqual(first._tag, "Failure")
            assert.strictEqual(second._tag, "Failure")
          }),
          "loop-waitfor-0"
        )
        assert.deepStrictEqual(reported(warnings), [])
      })
  )

  it.effect("staggeredRace hands the errors of its attempts back in its result: retrieved", () =>
    Effect.gen(function* () {
      const { exit, warnings } = yield* debugged(
        Effect.gen(function* () {
          const [winner, index, errors] = yield* asyncio.staggeredRace(
            [
              () => Effect.andThen(asyncio.sleep(0.1), Effect.fail(new Boom({ message: "first" }))),
              () => asyncio.sleep(0.5, "second")
            ],
            0.2
          )
          return [winner, index, errors.map((e) => (e instanceof Boom ? e.message : e))]
        }),
        "loop-staggered"
      )
      assert.deepStrictEqual(exit._tag === "Success" ? exit.value : exit, ["second", 1, ["first", undefined]])
      assert.deepStrictEqual(reported(warnings), [])
    })
  )

  it.effect(
    "cancel() of a task that already failed (task.cancel(), Task.cancelUnsafe) clears the report",
    () =>
      Effect.gen(function* () {
        const { warnings } = yield* debugged(
          Effect.gen(function* () {
            const cancelled = yield* failing("cancelled-after")
            const cancelledUnsafe = yield* failing("cancelled-unsafe-after")
            yield* failing("not-cancelled")
            yield* asyncio.sleep(1)
            assert.isFalse(yield* cancelled.cancel())
            assert.isFalse(cancelUnsafe(cancelledUnsafe, { kind: "cancel", detail: "too late" }))
          }),
          "loop-cancel-done"
        )
        assert.deepStrictEqual(reported(warnings), ["not-cancelled"])
      })
  )

  it.effect("tg.start hands the error of a child that failed before started() back: retrieved", () =>
    Effect.gen(function* () {
      const { warnings } = yield* debugged(
        Effect.gen(function* () {
          const exit = yield* Effect.exit(
            asyncio.TaskGroup.run((tg) =>
              tg.start(
                () => Effect.andThen(asyncio.sleep(0.5), Effect.fail(new Boom({ message: "early" }))),
                {
                  name: "fails-before-started"
                }
              )
            )
          )
          assert.strictEqual(exit._tag, "Failure")
        }),
        "loop-start"
      )
      assert.deepStrictEqual(reported(warnings), [])
    })
  )
})

describe("Debug — slow steps, timed on the session's clock", () => {
  // asyncio times each callback with loop.time() (BaseEventLoop._run_once: `dt = self.time() - t0`); ours times
  // each step of a fiber on the session's Clock.
  it.effect(
    "a step that holds the thread in real time takes no virtual time: no report under a TestClock",
    () =>
      Effect.gen(function* () {
        const { exit, warnings } = yield* debugged(
          Effect.gen(function* () {
            const busy = yield* asyncio.createTask(
              Effect.sync(() => {
                const until = performance.now() + 30
                while (performance.now() < until) {
                  // hold the thread for 30 ms of real time
                }
                return "done"
              }),
              { name: "busy" }
            )
            return yield* busy
          }),
          "loop-busy",
          { slowCallbackDuration: 0.01 }
        )
        assert.deepStrictEqual(exit._tag === "Success" ? exit.value : exit, "done")
        assert.deepStrictEqual(reported(warnings), [])
      })
  )

  it.effect("a step that takes longer than slowCallbackDuration on the clock is reported with its task", () =>
    Effect.gen(function* () {
      const { clock, hold } = holdingClock()
      const { warnings } = yield* debugged(
        Effect.gen(function* () {
          const quick = yield* asyncio.createTask(hold(0.05), { name: "quick" })
          const slow = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), hold(0.25)), {
            name: "slow"
          })
          yield* quick
          yield* slow
        }),
        "loop-slow",
        { clock }
      )
      assert.deepStrictEqual(
        warnings.map((w) => (w._tag === "SlowCallback" ? [w.task?.name, w.seconds] : w._tag)),
        [["slow", 0.25]]
      )
      assert.match(Debug.format(warnings[0]), /^Executing <Task running name='slow' .*> took 0\.250 seconds$/)
    })
  )
})

describe("Debug — tasks pending at shutdown", () => {
  it.effect("listed with state, what they await and where they were created, before they are cancelled", () =>
    Effect.gen(function* () {
      const { warnings } = yield* debugged(
        Effect.gen(function* () {
          yield* asyncio.createTask(asyncio.sleep(10), { name: "lingering" })
          const q = yield* asyncio.Queue.make<number>()
          yield* asyncio.createTask(q.get(), { name: "consumer" })
          yield* asyncio.sleep(1)
        }),
        "loop-pending"
      )
      assert.strictEqual(warnings.length, 1)
      const warning = warnings[0]
      assert.strictEqual(warning._tag, "PendingAtShutdown")
      if (warning._tag !== "PendingAtShutdown") return
      assert.strictEqual(warning.loop, "loop-pending")
      assert.deepStrictEqual(
        warning.tasks.map((t) => [t.name, t.state, t.awaiting, t.age]),
        [
          ["lingering", "waiting", "sleep(10)", 1],
          ["consumer", "waiting", "Queue.get()", 1]
        ]
      )
      const lines = Debug.format(warning).split("\n")
      assert.strictEqual(lines[0], "loop-pending is shutting down with 2 pending tasks; cancelling them:")
      assert.match(
        lines[1],
        /^ {2}<Task waiting name='lingering' id=\d+ awaiting=sleep\(10\) age=1\.00s created at \S*Debug\.test\.ts:\d+:\d+>$/
      )
    })
  )

  it.effect("nothing to report: no warning, and the observers are gone afterwards", () =>
    Effect.gen(function* () {
      const { warnings } = yield* debugged(
        Effect.gen(function* () {
          const t = yield* asyncio.createTask(asyncio.sleep(1), { name: "fine" })
          yield* t
        }),
        "loop-quiet"
      )
      assert.deepStrictEqual(warnings, [])
      const hooks = yield* Effect.promise(() => import("../src/internal/hooks.ts"))
      assert.isFalse(hooks.active())
    })
  )
})
