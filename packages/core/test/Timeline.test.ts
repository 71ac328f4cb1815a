/**
 * Timelines (issue 5 §2): recording on virtual time, golden renders of deterministic scenarios (ASCII, Unicode,
 * colour), and the SVG: well-formed XML, one row per task, a legend, cancel reasons in titles and captions.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as hooks from "../src/internal/hooks.ts"
import { runVirtual } from "./utils/virtual.ts"
import { elements, parseXml } from "./utils/xml.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/** Task ids are a process-wide counter: number the tracks 1, 2, … in creation order for golden renders. */
const renumber = (timeline: Timeline.Timeline): Timeline.Timeline => ({
  ...timeline,
  tasks: timeline.tasks.map((track, i) => ({ ...track, id: i + 1 }))
})

const recorded = <A, E>(main: Effect.Effect<A, E>, name: string) =>
  Effect.gen(function* () {
    const { exit } = yield* runVirtual(
      Timeline.record(asyncio.Loop.scoped(main, { mainName: "main", name })),
      60
    )
    assert.strictEqual(exit._tag, "Success")
    if (exit._tag !== "Success") throw new Error("unreachable")
    const [inner, timeline] = exit.value
    assert.strictEqual(inner._tag, "Success")
    return renumber(timeline)
  })

/** A task cancelled while it sleeps; its clean-up takes 0.2 s, which its awaiter waits for. */
const cancelWithCleanup = Effect.gen(function* () {
  const task = yield* asyncio.createTask(Effect.ensuring(asyncio.sleep(10), asyncio.sleep(0.2)), {
    name: "download"
  })
  yield* asyncio.sleep(1)
  yield* task.cancel("stop")
  yield* Effect.exit(task)
})

/** A TaskGroup whose child fails at 0.5 s: the sibling is cancelled (clean-up 0.25 s), so is the body. */
const groupFailure = Effect.exit(
  asyncio.TaskGroup.run(
    (tg) =>
      Effect.gen(function* () {
        yield* tg.createTask(
          Effect.andThen(asyncio.sleep(0.5), Effect.fail(new Boom({ message: "bad record" }))),
          { name: "fails" }
        )
        yield* tg.createTask(Effect.ensuring(asyncio.sleep(2), asyncio.sleep(0.25)), { name: "sibling" })
        yield* asyncio.sleep(5)
      }),
    { name: "jobs" }
  )
)

/** A timeout scope expiring inside main (clean-up 0.5 s), and a task cancelled before it ever started. */
const timeoutAndNeverStarted = Effect.gen(function* () {
  const never = yield* asyncio.createTask(asyncio.sleep(1), { name: "never-started" })
  yield* never.cancel()
  yield* Effect.exit(
    asyncio.timeout(1, () => Effect.ensuring(asyncio.sleep(3), asyncio.sleep(0.5)), { name: "deadline" })
  )
})

const ESC = String.fromCharCode(27)
const stripAnsi = (s: string): string => s.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "")

describe("Timeline — recording", () => {
  it.effect(
    "a cancelled task's track: waiting, the cancel request with its reason, the clean-up, the outcome",
    () =>
      Effect.gen(function* () {
        const timeline = yield* recorded(cancelWithCleanup, "loop-a")
        assert.strictEqual(timeline.duration, 1.2)
        assert.deepStrictEqual(
          timeline.tasks.map((t) => [t.name, t.owner, t.creator, t.created, t.started, t.ended]),
          [
            ["main", "loop-a", undefined, 0, 0, 1.2],
            ["download", "loop-a", "main", 0, 0, 1.2]
          ]
        )
        const download = timeline.tasks[1]
        assert.deepStrictEqual(download.segments, [
          { from: 0, to: 1, state: "waiting", on: "sleep(10)", cancelling: false },
          { from: 1, to: 1.2, state: "waiting", on: "sleep(0.2)", cancelling: true }
        ])
        assert.deepStrictEqual(download.cancelRequested, {
          at: 1,
          reason: { kind: "cancel", message: "stop", detail: "download was cancelled by main" }
        })
        assert.deepStrictEqual(download.outcome, {
          _tag: "Cancelled",
          reason: { kind: "cancel", message: "stop", detail: "download was cancelled by main" }
        })
        const [sleeping, awaiting] = timeline.tasks[0].segments
        assert.deepStrictEqual([sleeping.from, sleeping.to, sleeping.on], [0, 1, "sleep(1)"])
        assert.deepStrictEqual([awaiting.from, awaiting.to], [1, 1.2])
        assert.match(awaiting.on!, /^task download #\d+$/)
        const downloadEvents = timeline.events.filter((e) => e._tag !== "Created" || e.name === "download")
        const id = downloadEvents.find((e) => e._tag === "Created")!.task
        assert.deepStrictEqual(
          downloadEvents.filter((e) => e.task === id).map((e) => e._tag),
          ["Created", "Started", "Waiting", "CancelRequested", "Resumed", "Waiting", "Resumed", "Done"]
        )
      })
  )

  it.effect("only tasks created inside the recorded effect are recorded; recording is off afterwards", () =>
    Effect.gen(function* () {
      const { exit } = yield* runVirtual(
        asyncio.Loop.scoped(
          Effect.gen(function* () {
            const outside = yield* asyncio.createTask(asyncio.sleep(2), { name: "outside" })
            const [, timeline] = yield* Timeline.record(
              Effect.gen(function* () {
                const inside = yield* asyncio.createTask(asyncio.sleep(1), { name: "inside" })
                yield* inside
              })
            )
            yield* outside
            return timeline
          })
        )
      )
      assert.strictEqual(exit._tag, "Success")
      if (exit._tag !== "Success") return
      assert.deepStrictEqual(
        exit.value.tasks.map((t) => t.name),
        ["inside"]
      )
      assert.isFalse(hooks.active())
    })
  )

  it.effect("a failure is recorded with its error; a failed effect still gives its timeline", () =>
    Effect.gen(function* () {
      const { exit } = yield* runVirtual(
        Timeline.record(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              const t = yield* asyncio.createTask(
                Effect.andThen(asyncio.sleep(1), Effect.fail(new Boom({ message: "no" }))),
                { name: "boom" }
              )
              return yield* t
            }),
            { mainName: "main" }
          )
        )
      )
      assert.strictEqual(exit._tag, "Success")
      if (exit._tag !== "Success") return
      const [inner, timeline] = exit.value
      assert.strictEqual(inner._tag, "Failure")
      assert.deepStrictEqual(
        timeline.tasks.map((t) => t.outcome),
        [
          { _tag: "Failed", error: "Boom: no" },
          { _tag: "Failed", error: "Boom: no" }
        ]
      )
    })
  )
})

describe("Timeline — terminal renders (golden, virtual time)", () => {
  it.effect("ASCII: a cancelled task cleaning up while its awaiter waits", () =>
    Effect.gen(function* () {
      const timeline = yield* recorded(cancelWithCleanup, "loop-a")
      assert.strictEqual(
        Timeline.toText(timeline, { width: 40 }),
        [
          "timeline: 2 tasks, 1.2 s (one column ≈ 0.031 s)",
          "             0s              0.5s             1s",
          "             |---------------+----------------+-----|",
          "#1 main      |--------------------------------------o  returned",
          "#2 download  |--------------------------------^~~~~~x  cancelled: cancel 'stop': download was cancelled by main",
          "legend: | start  = running  - waiting  . not started  ^ cancel requested  ~ cleaning up  * work inside cancelled (timeout, group)  o returned  ! failed  x cancelled",
          ""
        ].join("\n")
      )
    })
  )

  it.effect("Unicode: a TaskGroup child fails, its sibling and the body are cancelled", () =>
    Effect.gen(function* () {
      const timeline = yield* recorded(groupFailure, "loop-b")
      assert.strictEqual(
        Timeline.toText(timeline, { width: 40, style: "unicode", legend: false }),
        [
          "timeline: 3 tasks, 0.75 s (one column ≈ 0.019 s)",
          "            0s        0.2s       0.4s      0.6s",
          "            ├─────────┼──────────┼─────────┼───────┤",
          "#1 main     ├─────────────────────────◆────────────●  returned; at 0.5 s work inside it was cancelled: sibling: fails failed in TaskGroup jobs",
          "#2 fails    ├─────────────────────────✗               failed: Boom: bad record",
          "#3 sibling  ├─────────────────────────╳╌╌╌╌╌╌╌╌╌╌╌╌⊘  cancelled: sibling: fails failed in TaskGroup jobs",
          ""
        ].join("\n")
      )
    })
  )

  it.effect("ASCII: a timeout scope expiring inside a task, and a task cancelled before it started", () =>
    Effect.gen(function* () {
      const timeline = yield* recorded(timeoutAndNeverStarted, "loop-c")
      assert.strictEqual(
        Timeline.toText(timeline, { width: 40, legend: false, title: "timeout" }),
        [
          "timeout",
          "                  0s           0.5s         1s           1.5s",
          "                  |------------+------------+------------|",
          "#1 main           |-------------------------*------------o  returned; at 1 s work inside it was cancelled: timeout: the deadline of deadline expired (1 s after it was set)",
          "#2 never-started  x                                         cancelled: cancel: never-started was cancelled by main",
          ""
        ].join("\n")
      )
    })
  )

  it.effect("colour: ANSI only around the marks and bars; without it, the same chart", () =>
    Effect.gen(function* () {
      const timeline = yield* recorded(groupFailure, "loop-b")
      const coloured = Timeline.toText(timeline, { width: 40, style: "unicode", color: true })
      assert.include(coloured, `${ESC}[1;31m✗${ESC}[0m`)
      assert.include(coloured, `${ESC}[1;33m⊘${ESC}[0m`)
      assert.strictEqual(stripAnsi(coloured), Timeline.toText(timeline, { width: 40, style: "unicode" }))
    })
  )
})

describe("Timeline — SVG", () => {
  it.effect("well-formed, one row per task, a legend, reasons in titles and captions", () =>
    Effect.gen(function* () {
      for (const [main, name] of [
        [cancelWithCleanup, "loop-a"],
        [groupFailure, "loop-b"],
        [timeoutAndNeverStarted, "loop-c"]
      ] as const) {
        const timeline = yield* recorded(main as Effect.Effect<unknown, unknown>, name)
        const svg = Timeline.toSvg(timeline, { title: `scenario <${name}> & "quotes"` })
        const root = parseXml(svg)
        assert.strictEqual(root.name, "svg")
        assert.strictEqual(root.attributes.get("xmlns"), "http://www.w3.org/2000/svg")
        const all = elements(root)
        const rows = all.filter((e) => e.name === "g" && e.attributes.get("class") === "task")
        assert.strictEqual(rows.length, timeline.tasks.length)
        assert.deepStrictEqual(
          rows.map((row) => row.attributes.get("id")),
          timeline.tasks.map((t) => `task-${t.id}`)
        )
        assert.strictEqual(all.filter((e) => e.attributes.get("class") === "legend").length, 1)
        assert.strictEqual(
          root.children.find((e) => e.name === "title")?.text,
          `scenario <${name}> & "quotes"`
        )
        const titles = all.filter((e) => e.name === "title").map((e) => e.text)
        for (const track of timeline.tasks) {
          if (track.outcome?._tag === "Cancelled") {
            assert.isTrue(
              titles.some((t) =>
                t.includes(track.outcome?._tag === "Cancelled" ? track.outcome.reason.detail : "")
              ),
              track.name
            )
          }
        }
      }
    })
  )

  it.effect("a recording of no time and no tasks is still a picture", () =>
    Effect.gen(function* () {
      const [, timeline] = yield* Timeline.record(Effect.void)
      assert.strictEqual(timeline.tasks.length, 0)
      const root = parseXml(Timeline.toSvg(timeline))
      assert.strictEqual(root.name, "svg")
      assert.include(Timeline.toText(timeline), "timeline: 0 tasks, 0 s")
    })
  )
})
