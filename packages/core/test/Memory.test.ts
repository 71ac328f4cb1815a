/**
 * Bounded memory for the task machinery and its observers (issue 10 §5), as counts of retained entries, on virtual
 * time: the loop scope holds only live tasks, a timeline recording stops at its limit and says what it dropped,
 * debug mode reports at most `maxNeverRetrieved` exceptions in full and counts the rest exactly. (What stays
 * alive after a GC is measured on a real process in retention-process.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { CurrentLoop } from "../src/internal/owner.ts"
import { runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/** How many tasks the current loop scope holds. */
const retained = Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(CurrentLoop)?.retained()))

describe("memory — the loop scope's registry", () => {
  it.effect(
    "holds the live tasks only: after a burst has finished, nothing but main, before allTasks()",
    () =>
      Effect.gen(function* () {
        const { exit } = yield* runVirtual(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              for (let i = 0; i < 3000; i++) yield* asyncio.createTask(asyncio.sleep(1 + (i % 3), i))
              yield* asyncio.sleep(0.5)
              const during = yield* retained
              yield* asyncio.sleep(1.25)
              const partly = yield* retained
              yield* asyncio.sleep(2)
              const after = yield* retained
              return [during, partly, after]
            })
          )
        )
        assert.deepStrictEqual(exit, Exit.succeed([3001, 2001, 1]))
      })
  )
})

describe("memory — timeline recordings", () => {
  /** `n` tasks, each waiting twice, then returning. */
  const burst = (n: number) =>
    asyncio.Loop.scoped(
      Effect.gen(function* () {
        const tasks = []
        for (let i = 0; i < n; i++) {
          tasks.push(
            yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0.1), asyncio.sleep(0.1, i)), {
              name: `t${i}`
            })
          )
        }
        let sum = 0
        for (const task of tasks) sum += yield* task
        return sum
      }),
      { mainName: "main" }
    )

  it.effect(
    "stop at maxEvents: later tasks are dropped and counted, recorded tasks keep how they ended",
    () =>
      Effect.gen(function* () {
        const { exit } = yield* runVirtual(Timeline.record(burst(400), { maxEvents: 300 }))
        assert(Exit.isSuccess(exit))
        const [inner, timeline] = exit.value
        assert.deepStrictEqual(inner, Exit.succeed((399 * 400) / 2))
        const recorded = timeline.tasks.length
        assert.isBelow(recorded, 401)
        assert.strictEqual(timeline.dropped.tasks, 401 - recorded)
        assert.isAbove(timeline.dropped.events, 0)
        assert.strictEqual(timeline.dropped.maxEvents, 300)
        assert.strictEqual(timeline.dropped.at, 0)
        // Beyond the limit only "Done" events are added: at most one per recorded task.
        assert.isAtMost(timeline.events.length, 300 + recorded)
        assert.isTrue(timeline.tasks.every((track) => track.outcome?._tag === "Returned"))
        const line = `dropped: the recording reached its limit of 300 events at 0 s; ${401 - recorded} later tasks not recorded, ${timeline.dropped.events} events of recorded tasks dropped (how each recorded task ended is kept)`
        assert.include(Timeline.toText(timeline).split("\n"), line)
        assert.include(Timeline.toSvg(timeline), `<text class="dropped" x="12"`)
      })
  )

  it.effect(
    "below the limit nothing is dropped and no line is printed; the default limit is 100,000 events",
    () =>
      Effect.gen(function* () {
        const { exit } = yield* runVirtual(Timeline.record(burst(50)))
        assert(Exit.isSuccess(exit))
        const [, timeline] = exit.value
        assert.deepStrictEqual(timeline.dropped, { tasks: 0, events: 0, at: undefined, maxEvents: 100_000 })
        assert.strictEqual(Timeline.DEFAULT_MAX_EVENTS, 100_000)
        assert.notInclude(Timeline.toText(timeline), "dropped")
        assert.notInclude(Timeline.toSvg(timeline), "dropped")
      })
  )

  it.effect("keep cancel messages as text, and a renamed task under its final name", () =>
    Effect.gen(function* () {
      const message = { reason: "enough" }
      const { exit } = yield* runVirtual(
        Timeline.record(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              const task = yield* asyncio.createTask(asyncio.sleep(10), { name: "before" })
              yield* asyncio.sleep(1)
              yield* task.setName("after")
              yield* task.cancel(message)
              yield* Effect.exit(task)
            })
          )
        )
      )
      assert(Exit.isSuccess(exit))
      const track = exit.value[1].tasks[1]
      assert.strictEqual(track.name, "after")
      assert.deepStrictEqual(track.cancelRequested?.reason.message, "[object Object]")
      assert(track.outcome?._tag === "Cancelled")
      assert.strictEqual(track.outcome.reason.message, "[object Object]")
    })
  )
})

describe("memory — debug mode's exceptions never retrieved", () => {
  it.effect(
    "at most maxNeverRetrieved in full, the rest counted exactly (retrieving one later uncounts it)",
    () =>
      Effect.gen(function* () {
        const warnings: Array<Debug.Warning> = []
        const { exit } = yield* runVirtual(
          Debug.debug(
            asyncio.Loop.scoped(
              Effect.gen(function* () {
                const tasks = []
                for (let i = 0; i < 300; i++) {
                  tasks.push(yield* asyncio.createTask(Effect.fail(new Boom({ message: `#${i}` }))))
                }
                yield* asyncio.sleep(1)
                // Retrieved late: the oldest 50 (kept as text by now) and the newest 50 (still recent).
                for (const task of [...tasks.slice(0, 50), ...tasks.slice(250)]) yield* Effect.exit(task)
              })
            ),
            { onWarning: (w) => warnings.push(w), maxNeverRetrieved: 100 }
          )
        )
        assert.strictEqual(exit._tag, "Success")
        const detailed = warnings.filter((w) => w._tag === "NeverRetrieved")
        const omitted = warnings.filter((w) => w._tag === "NeverRetrievedOmitted")
        assert.isAtMost(detailed.length, 100)
        assert.strictEqual(omitted.length, 1)
        assert(omitted[0]._tag === "NeverRetrievedOmitted")
        assert.strictEqual(detailed.length + omitted[0].count, 200)
        const numbers = detailed.map((w) => (w._tag === "NeverRetrieved" ? Number(w.error.slice(7)) : -1))
        assert.isTrue(numbers.every((n) => n >= 50 && n < 250))
        assert.strictEqual(
          Debug.format(omitted[0]),
          `… and ${omitted[0].count} more tasks whose exception was never retrieved (debug mode keeps the details of 100)`
        )
      })
  )

  it.effect("a long traceback is cut to TRACEBACK_CHARS with a note", () =>
    Effect.gen(function* () {
      const warnings: Array<Debug.Warning> = []
      yield* runVirtual(
        Debug.debug(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              yield* asyncio.createTask(Effect.fail(new Boom({ message: "x".repeat(10_000) })), {
                name: "long"
              })
              yield* asyncio.sleep(1)
            })
          ),
          { onWarning: (w) => warnings.push(w) }
        )
      )
      const warning = warnings[0]
      assert(warning._tag === "NeverRetrieved")
      assert.match(warning.traceback, /\n… \(\d+ more characters\)$/)
      assert.isAtMost(warning.traceback.length, Debug.TRACEBACK_CHARS + 40)
    })
  )
})
