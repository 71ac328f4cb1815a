/**
 * What `run` adds to see a program (issue 5), in-process with `exit: false` and the diagnostics captured: debug
 * mode's three warnings (a step blocking the event loop — a real busy loop of 200–300 ms against a 0.1 s
 * threshold —, a block outside any step, tasks pending at shutdown, an exception never retrieved), the
 * environment variables, `hangTimeout`, the timeline option and task spans. SIGUSR1 is tested on a real process
 * in e2e.test.ts.
 */
import { readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Inspect from "@effect-asyncio/core/Inspect"
import type * as Timeline from "@effect-asyncio/core/Timeline"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import { run } from "../src/index.ts"
import { debugFromEnvironment } from "../src/internal/runOptions.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/** Holds the thread for `ms` milliseconds of real time (a CPU-bound step). */
const busy = (ms: number): void => {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spinning
  }
}

/** Runs `main` with `options`, capturing what `run` writes as diagnostics. */
const captured = async <A, E>(
  main: Effect.Effect<A, E>,
  options: Omit<NonNullable<Parameters<typeof run>[1]>, "diagnostics" | "exit">
): Promise<{ readonly text: string; readonly result: unknown }> => {
  let text = ""
  const result = await run(main, {
    ...options,
    mainName: "main",
    exit: false,
    diagnostics: (chunk) => {
      text += chunk
    }
  }).catch((error: unknown) => error)
  return { text, result }
}

describe("run — debug mode", () => {
  it("a task step that blocks the event loop longer than slowCallbackDuration is reported with the task", async () => {
    const main = Effect.gen(function* () {
      const task = yield* asyncio.createTask(
        Effect.sync(() => busy(200)),
        { name: "busy" }
      )
      yield* task
    })
    const { text } = await captured(main, { debug: true, slowCallbackDuration: 0.1 })
    assert.match(
      text,
      /^Executing <Task running name='busy' id=\d+ age=\S+ created at \S*observability\.test\.ts:\d+:\d+> took 0\.\d{3} seconds$/m
    )
    const took = Number(/name='busy'.* took (\d+\.\d+) seconds/.exec(text)?.[1])
    assert.isAtLeast(took, 0.2)
  })

  it("a block outside any fiber step is reported by the real-time monitor of the event loop", async () => {
    const main = Effect.promise(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            busy(300)
            resolve()
          })
        )
    )
    // The sleep after the block lets the monitor's next tick (late by the block) run before the program ends.
    const { text } = await captured(
      Effect.andThen(Effect.andThen(asyncio.sleep(0.05), main), asyncio.sleep(0.05)),
      {
        debug: true,
        slowCallbackDuration: 0.1
      }
    )
    assert.match(
      text,
      /^The event loop was blocked for 0\.\d{3} seconds \(no single step took that long; the last task that ran: <Task \w+ name='main'/m
    )
  })

  it("tasks still pending when the loop shuts down are listed before they are cancelled", async () => {
    const main = Effect.gen(function* () {
      yield* asyncio.createTask(asyncio.sleep(10), { name: "lingering" })
      yield* asyncio.sleep(0.01)
    })
    const { text } = await captured(main, { debug: true })
    assert.match(
      text,
      /^loop-\d+ is shutting down with 1 pending task; cancelling it:\n {2}<Task waiting name='lingering' id=\d+ awaiting=sleep\(10\) age=\S+ created at \S+>$/m
    )
  })

  it("an exception nobody retrieved is reported when the run ends, with its cause", async () => {
    const main = Effect.gen(function* () {
      yield* asyncio.createTask(Effect.fail(new Boom({ message: "lost" })), { name: "forgotten" })
      const awaited = yield* asyncio.createTask(Effect.fail(new Boom({ message: "seen" })), {
        name: "awaited"
      })
      yield* Effect.exit(awaited)
      yield* asyncio.sleep(0.01)
    })
    const { text, result } = await captured(main, { debug: true })
    assert.strictEqual(result, undefined)
    assert.match(
      text,
      /^Task exception was never retrieved\nfuture: <Task finished name='forgotten' id=\d+ created at \S+ exception=Boom: lost>\n {2}Boom: lost/m
    )
    assert.notInclude(text, "awaited")
  })

  it("off by default: nothing is reported and the registry stays off", async () => {
    const main = Effect.gen(function* () {
      yield* asyncio.createTask(Effect.fail(new Boom({ message: "lost" })), { name: "forgotten" })
      yield* asyncio.sleep(0.01)
      return Inspect.isTracking()
    })
    const previous = [process.env.EFFECT_ASYNCIO_DEBUG, process.env.PYTHONASYNCIODEBUG]
    delete process.env.EFFECT_ASYNCIO_DEBUG
    delete process.env.PYTHONASYNCIODEBUG
    try {
      const { text, result } = await captured(main, {})
      assert.strictEqual(text, "")
      assert.strictEqual(result, false)
    } finally {
      if (previous[0] !== undefined) process.env.EFFECT_ASYNCIO_DEBUG = previous[0]
      if (previous[1] !== undefined) process.env.PYTHONASYNCIODEBUG = previous[1]
    }
  })

  it("EFFECT_ASYNCIO_DEBUG / PYTHONASYNCIODEBUG turn it on; debug: false wins", async () => {
    assert.isTrue(debugFromEnvironment({ EFFECT_ASYNCIO_DEBUG: "1" }))
    assert.isTrue(debugFromEnvironment({ EFFECT_ASYNCIO_DEBUG: "yes" }))
    assert.isFalse(debugFromEnvironment({ EFFECT_ASYNCIO_DEBUG: "0" }))
    assert.isFalse(debugFromEnvironment({ EFFECT_ASYNCIO_DEBUG: "false" }))
    assert.isFalse(debugFromEnvironment({ EFFECT_ASYNCIO_DEBUG: "" }))
    assert.isTrue(debugFromEnvironment({ PYTHONASYNCIODEBUG: "1" }))
    assert.isTrue(debugFromEnvironment({ PYTHONASYNCIODEBUG: "0" }), "Python: any non-empty string")
    assert.isFalse(debugFromEnvironment({}))

    const main = Effect.gen(function* () {
      yield* asyncio.createTask(Effect.fail(new Boom({ message: "lost" })), { name: "forgotten" })
      yield* asyncio.sleep(0.01)
    })
    const previous = process.env.PYTHONASYNCIODEBUG
    process.env.PYTHONASYNCIODEBUG = "1"
    try {
      assert.include((await captured(main, {})).text, "Task exception was never retrieved")
      assert.strictEqual((await captured(main, { debug: false })).text, "")
    } finally {
      if (previous === undefined) delete process.env.PYTHONASYNCIODEBUG
      else process.env.PYTHONASYNCIODEBUG = previous
    }
  })
})

describe("run — task registry, hangs, timelines, spans", () => {
  it("hangTimeout: after that long without progress the task tree is printed, once", async () => {
    const main = Effect.gen(function* () {
      const printed = yield* Deferred.make<void>()
      yield* asyncio.createTask(Deferred.await(printed), { name: "stuck" })
      yield* Effect.sync(() => {
        waiting = printed
      })
      yield* Deferred.await(printed)
      return Inspect.isTracking()
    })
    let waiting: Deferred.Deferred<void> | undefined
    let text = ""
    const result = await run(main, {
      exit: false,
      mainName: "main",
      hangTimeout: 0.2,
      diagnostics: (chunk) => {
        text += chunk
        if (waiting !== undefined) Deferred.doneUnsafe(waiting, Effect.void)
      }
    })
    assert.isTrue(result)
    assert.match(
      text,
      /^run: no task made progress for 0\.2 s; the tasks:\nloop-\d+\n└── \(T\) main #\d+ · \w+ · age \S+\n {4}└── \(T\) stuck #\d+ · running · age \S+ · created at \S+\n$/
    )
  })

  it("timeline: a function receives the recording; a path gets the SVG; true prints the chart", async () => {
    const main = Effect.gen(function* () {
      const t = yield* asyncio.createTask(asyncio.sleep(0.02), { name: "sleeper" })
      yield* t
    })
    let recorded: Timeline.Timeline | undefined
    await captured(main, {
      timeline: (t) => {
        recorded = t
      }
    })
    assert.deepStrictEqual(
      recorded?.tasks.map((t) => [t.name, t.outcome?._tag]),
      [
        ["main", "Returned"],
        ["sleeper", "Returned"]
      ]
    )
    const file = join(tmpdir(), `effect-asyncio-timeline-${process.pid}.svg`)
    try {
      const { text } = await captured(main, { timeline: file })
      assert.strictEqual(text, `run: timeline written to ${file}\n`)
      const svg = readFileSync(file, "utf8")
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
      assert.strictEqual(svg.match(/<g class="task"/g)?.length, 2)
    } finally {
      rmSync(file, { force: true })
    }
    const { text } = await captured(main, { timeline: true })
    assert.match(text, /^timeline: 2 tasks, /)
    assert.match(text, /^#\d+ sleeper +[ .]*\|[-=]*o +returned$/m)
  })

  it("tracing: the tasks of the run are spans of the tracer in use", async () => {
    const spans: Array<Tracer.NativeSpan> = []
    const tracer = Tracer.make({
      span: (options) => {
        const span = new Tracer.NativeSpan(options)
        spans.push(span)
        return span
      }
    })
    const main = Effect.withTracer(
      Effect.gen(function* () {
        const t = yield* asyncio.createTask(asyncio.sleep(0.01), { name: "child" })
        yield* t
      }),
      tracer
    )
    await captured(main, { tracing: true })
    const child = spans.find((s) => s.name === "task child")
    assert.strictEqual(child?.attributes.get("asyncio.task.outcome"), "result")
    assert.strictEqual(child?.attributes.get("asyncio.task.creator"), "main")
  })
})
