/**
 * Tracing (issue 5 §3): every task is a span of the current tracer — name, owner, creator, outcome and cancel
 * reason as attributes, a span event for the cancel request, the creator's span as parent — checked with an
 * in-memory tracer; and no task span when tracing is off.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Tracing from "@effect-asyncio/core/Tracing"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

const inMemoryTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

const program = Effect.gen(function* () {
  const ok = yield* asyncio.createTask(asyncio.sleep(1, "x"), { name: "ok" })
  const bad = yield* asyncio.createTask(
    Effect.andThen(asyncio.sleep(0.5), Effect.fail(new Boom({ message: "bad record" }))),
    { name: "bad" }
  )
  const victim = yield* asyncio.createTask(asyncio.sleep(10), { name: "victim" })
  yield* Effect.withSpan(
    Effect.flatMap(asyncio.createTask(asyncio.sleep(0.1), { name: "inside-user-span" }), (t) => t),
    "user-op"
  )
  yield* asyncio.sleep(1)
  yield* victim.cancel("stop")
  yield* Effect.exit(victim)
  yield* Effect.exit(bad)
  return yield* ok
})

const attributesOf = (span: Tracer.NativeSpan | undefined) => Object.fromEntries(span?.attributes ?? [])

describe("Tracing — tasks as spans", () => {
  it.effect("each task is a span with name, owner, creator, outcome and cancel reason", () =>
    Effect.gen(function* () {
      const { spans, tracer } = inMemoryTracer()
      const { exit } = yield* runVirtual(
        Effect.withTracer(
          Tracing.withTaskSpans(asyncio.Loop.scoped(program, { mainName: "main", name: "loop-tr" })),
          tracer
        )
      )
      assert.strictEqual(exit._tag, "Success")
      const byName = (name: string) => spans.find((s) => s.name === name)
      assert.deepStrictEqual(spans.map((s) => s.name).sort(), [
        "task bad",
        "task inside-user-span",
        "task main",
        "task ok",
        "task victim",
        "user-op"
      ])
      for (const span of spans) assert.strictEqual(span.status._tag, "Ended", span.name)

      const ok = attributesOf(byName("task ok"))
      assert.strictEqual(ok["asyncio.task.name"], "ok")
      assert.strictEqual(typeof ok["asyncio.task.id"], "number")
      assert.strictEqual(ok["asyncio.task.owner"], "loop-tr")
      assert.strictEqual(ok["asyncio.task.creator"], "main")
      assert.strictEqual(ok["asyncio.task.outcome"], "result")

      assert.deepStrictEqual(
        {
          outcome: attributesOf(byName("task bad"))["asyncio.task.outcome"],
          error: attributesOf(byName("task bad"))["asyncio.task.error"]
        },
        { outcome: "exception", error: "Boom: bad record" }
      )

      const victim = byName("task victim")
      const attributes = attributesOf(victim)
      assert.strictEqual(attributes["asyncio.task.outcome"], "cancelled")
      assert.strictEqual(attributes["asyncio.cancel.kind"], "cancel")
      assert.strictEqual(attributes["asyncio.cancel.message"], "stop")
      assert.strictEqual(attributes["asyncio.cancel.detail"], "victim was cancelled by main")
      assert.deepStrictEqual(
        victim?.events.map(([name, at, attrs]) => [name, at, attrs["asyncio.cancel.kind"]]),
        [["asyncio.cancel_requested", 1_100_000_000n, "cancel"]]
      )
      if (victim?.status._tag === "Ended") assert.strictEqual(victim.status.exit._tag, "Failure")

      const main = attributesOf(byName("task main"))
      assert.strictEqual(main["asyncio.task.creator"], undefined)
      assert.strictEqual(main["asyncio.task.outcome"], "result")
    })
  )

  it.effect("a task's span is a child of the span current where it was created", () =>
    Effect.gen(function* () {
      const { spans, tracer } = inMemoryTracer()
      yield* runVirtual(
        Effect.withTracer(Tracing.withTaskSpans(asyncio.Loop.scoped(program, { mainName: "main" })), tracer)
      )
      const parentOf = (name: string) =>
        Option.getOrUndefined(spans.find((s) => s.name === name)!.parent) as Tracer.Span | undefined
      assert.strictEqual(parentOf("task inside-user-span")?.name, "user-op")
      assert.strictEqual(parentOf("user-op")?.name, "task main")
      assert.strictEqual(parentOf("task ok")?.name, "task main")
    })
  )

  it.effect("off by default: no task spans, and Tracing.layer turns them on", () =>
    Effect.gen(function* () {
      const off = inMemoryTracer()
      yield* runVirtual(Effect.withTracer(asyncio.Loop.scoped(program, { mainName: "main" }), off.tracer))
      assert.deepStrictEqual(
        off.spans.map((s) => s.name),
        ["user-op"]
      )
      const on = inMemoryTracer()
      yield* runVirtual(
        Effect.withTracer(
          Effect.provide(asyncio.Loop.scoped(program, { mainName: "main" }), Tracing.layer),
          on.tracer
        )
      )
      assert.include(
        on.spans.map((s) => s.name),
        "task victim"
      )
    })
  )
})
