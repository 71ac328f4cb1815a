/**
 * Diagnostics never change a program's outcome (issue 10 §4), the platform-independent part: an observer of the
 * task machinery that throws, values that cannot be turned into a string (an object without prototype, a throwing
 * `message` getter) in timelines, spans and debug reports, a debug `onWarning` callback that throws, and a loop's
 * `onShutdownError` that throws, returns `undefined` or fails. Each time: the program's result is what it would
 * have been without the diagnostic, the fault is reported once, and nothing else is lost. `run`'s own callbacks
 * (`diagnostics`, `timeline`, `onShutdownError`) are tested in the node project.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Tracing from "@effect-asyncio/core/Tracing"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Tracer from "effect/Tracer"
import * as hooks from "../src/internal/hooks.ts"
import { runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/** An error value `String()` cannot convert: no prototype, so no `toString`. */
const unprintable = (): object => Object.create(null)

/** An error whose `message` getter throws. */
const throwingGetter = () => ({
  _tag: "Nasty",
  get message(): string {
    throw new Error("getter")
  }
})

/** Runs `effect` with `console.error` and `console.warn` captured (restored afterwards). */
const capturingConsole = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const errors: Array<string> = []
    const warnings: Array<string> = []
    const saved = { error: console.error, warn: console.warn }
    const result = yield* Effect.acquireUseRelease(
      Effect.sync(() => {
        console.error = (...args: Array<unknown>) => void errors.push(args.map(String).join(" "))
        console.warn = (...args: Array<unknown>) => void warnings.push(args.map(String).join(" "))
      }),
      () => effect,
      () =>
        Effect.sync(() => {
          console.error = saved.error
          console.warn = saved.warn
        })
    )
    return { result, errors, warnings }
  })

describe("observer faults — an observer that throws", () => {
  it.effect(
    "awaiters still get the result and the program's exit is unchanged; the fault is reported once",
    () =>
      Effect.gen(function* () {
        const uninstall = hooks.install({
          name: "Faulty",
          created: () => {
            throw new Error("created failed")
          },
          done: () => {
            throw new Error("done failed")
          }
        })
        const { result, errors } = yield* capturingConsole(
          Effect.ensuring(
            runVirtual(
              asyncio.Loop.scoped(
                Effect.gen(function* () {
                  const a = yield* asyncio.createTask(asyncio.sleep(1, 20), { name: "a" })
                  const b = yield* asyncio.createTask(Effect.succeed(22), { name: "b" })
                  return (yield* a) + (yield* b)
                })
              )
            ),
            Effect.sync(uninstall)
          )
        )
        assert.deepStrictEqual(result.exit, Exit.succeed(42))
        assert.strictEqual(result.elapsed, 1)
        assert.deepStrictEqual(errors, [
          "effect-asyncio: the Faulty observer threw in its 'created' hook: Error: created failed. The program is not " +
            "affected; what Faulty shows may be incomplete (further faults of this observer are not reported)."
        ])
        assert.isFalse(hooks.active())
      })
  )
})

describe("observer faults — values that cannot be printed", () => {
  it.effect(
    "Timeline.record: a task failing with an unprintable error keeps its outcome; its track says so",
    () =>
      Effect.gen(function* () {
        const odd = unprintable()
        const nasty = throwingGetter()
        const { exit } = yield* runVirtual(
          Timeline.record(
            asyncio.Loop.scoped(
              Effect.gen(function* () {
                const a = yield* asyncio.createTask(Effect.fail(odd), { name: "odd" })
                const b = yield* asyncio.createTask(Effect.fail(nasty), { name: "nasty" })
                const c = yield* asyncio.createTask(asyncio.sleep(10), { name: "cancelled" })
                const d = yield* asyncio.createTask(Effect.die(unprintable()), { name: "dies" })
                yield* asyncio.sleep(1)
                yield* c.cancel(unprintable())
                assert.strictEqual((yield* d.exception())?.message, "[object Object]")
                return [
                  yield* a.exception(),
                  yield* b.exception(),
                  yield* Effect.flip(c.exception())
                ] as const
              }),
              { mainName: "main" }
            )
          )
        )
        assert(Exit.isSuccess(exit))
        const [inner, timeline] = exit.value
        assert(Exit.isSuccess(inner))
        assert.strictEqual(inner.value[0], odd)
        assert.strictEqual(inner.value[1], nasty)
        assert.strictEqual(inner.value[2].message, "[object Object]")
        assert.deepStrictEqual(
          timeline.tasks.map((t) => [
            t.name,
            t.outcome?._tag,
            t.outcome?._tag === "Failed" ? t.outcome.error : "-"
          ]),
          [
            ["main", "Returned", "-"],
            ["odd", "Failed", "[object Object]"],
            ["nasty", "Failed", "Nasty"],
            ["cancelled", "Cancelled", "-"],
            ["dies", "Failed", "[object Object]"]
          ]
        )
        assert.match(Timeline.toText(timeline), /cancelled: cancel '\[object Object\]'/)
      })
  )

  it.effect(
    "Tracing: a task failing with an unprintable error keeps its error (no defect from the span)",
    () =>
      Effect.gen(function* () {
        const odd = unprintable()
        const spans: Array<Tracer.NativeSpan> = []
        const tracer = Tracer.make({
          span: (options) => {
            const span = new Tracer.NativeSpan(options)
            spans.push(span)
            return span
          }
        })
        const { exit } = yield* runVirtual(
          Effect.withTracer(
            Tracing.withTaskSpans(
              asyncio.Loop.scoped(
                Effect.gen(function* () {
                  const task = yield* asyncio.createTask(Effect.fail(odd), { name: "odd" })
                  return yield* Effect.flip(task)
                })
              )
            ),
            tracer
          )
        )
        assert.deepStrictEqual(exit, Exit.succeed(odd))
        const span = spans.find((s) => s.name === "task odd")
        assert.strictEqual(span?.attributes.get("asyncio.task.error"), "[object Object]")
      })
  )

  it.effect("Tracing: a span that throws when annotated does not change how the task ended", () =>
    Effect.gen(function* () {
      const tracer = Tracer.make({
        span: (options) => {
          const span = new Tracer.NativeSpan(options)
          span.attribute = (key) => {
            if (key === "asyncio.task.outcome") throw new Error("exporter down")
          }
          return span
        }
      })
      const { result, errors } = yield* capturingConsole(
        runVirtual(
          Effect.withTracer(
            Tracing.withTaskSpans(
              asyncio.Loop.scoped(
                Effect.gen(function* () {
                  const task = yield* asyncio.createTask(Effect.succeed(42), { name: "traced" })
                  return yield* task
                })
              )
            ),
            tracer
          )
        )
      )
      assert.deepStrictEqual(result.exit, Exit.succeed(42))
      assert.strictEqual(errors.length, 1)
      assert.match(
        errors[0],
        /^effect-asyncio: the Tracing observer threw in its 'span attributes' hook: Error: exporter down\./
      )
    })
  )

  it.effect(
    "Debug: an exception never retrieved with an unprintable error or a throwing getter is still reported",
    () =>
      Effect.gen(function* () {
        const warnings: Array<Debug.Warning> = []
        const { exit } = yield* runVirtual(
          Debug.debug(
            asyncio.Loop.scoped(
              Effect.gen(function* () {
                yield* asyncio.createTask(Effect.fail(unprintable()), { name: "odd" })
                yield* asyncio.createTask(Effect.fail(throwingGetter()), { name: "nasty" })
                yield* asyncio.sleep(1)
                return "done"
              })
            ),
            { onWarning: (w) => warnings.push(w) }
          )
        )
        assert.deepStrictEqual(exit, Exit.succeed("done"))
        const texts = warnings.map(Debug.format)
        assert.strictEqual(texts.length, 2)
        assert.match(
          texts[0],
          /^Task exception was never retrieved\nfuture: <Task finished name='odd' .*exception=\[object Object\]>/
        )
        assert.match(
          texts[1],
          /^Task exception was never retrieved\nfuture: <Task finished name='nasty' .*exception=Nasty>/
        )
      })
  )
})

describe("observer faults — Debug's onWarning callback throws", () => {
  it.effect(
    "the program's outcome is unchanged; the fault is reported once and the warnings go to console.warn",
    () =>
      Effect.gen(function* () {
        let calls = 0
        const { result, errors, warnings } = yield* capturingConsole(
          runVirtual(
            Debug.debug(
              asyncio.Loop.scoped(
                Effect.gen(function* () {
                  yield* asyncio.createTask(Effect.fail(new Boom({ message: "first" })), { name: "first" })
                  yield* asyncio.createTask(Effect.fail(new Boom({ message: "second" })), { name: "second" })
                  yield* asyncio.createTask(asyncio.sleep(10), { name: "lingering" })
                  yield* asyncio.sleep(1)
                  return 42
                })
              ),
              {
                onWarning: () => {
                  calls++
                  throw new Error("sink closed")
                }
              }
            )
          )
        )
        assert.deepStrictEqual(result.exit, Exit.succeed(42))
        assert.strictEqual(calls, 3)
        assert.deepStrictEqual(errors, [
          "effect-asyncio: Debug's onWarning callback threw Error: sink closed; the warnings it fails to take go to " +
            "console.warn instead"
        ])
        assert.strictEqual(warnings.length, 3)
        assert.match(warnings[0], /^loop-\d+ is shutting down with 1 pending task; cancelling it:/)
        assert.match(warnings[1], /^Task exception was never retrieved\nfuture: <Task finished name='first'/)
        assert.match(warnings[2], /^Task exception was never retrieved\nfuture: <Task finished name='second'/)
      })
  )
})

describe("observer faults — a loop's onShutdownError", () => {
  /** main returns 42 and leaves two tasks that raise when cancelled at shutdown. */
  const noisyMain = Effect.gen(function* () {
    for (const name of ["noisy-1", "noisy-2"]) {
      yield* asyncio.createTask(
        Effect.onInterrupt(Effect.never, () => Effect.fail(new Boom({ message: name }))),
        {
          name
        }
      )
    }
    yield* asyncio.sleep(0)
    return 42
  })

  const withReporter = (onShutdownError: (taskName: string, error: unknown) => Effect.Effect<void>) =>
    Effect.gen(function* () {
      const logs: Array<string> = []
      const logger = Logger.make((options) => {
        logs.push(
          [options.message]
            .flat()
            .map((m) => (typeof m === "string" ? m : String(m)))
            .join(" ")
        )
      })
      const { exit } = yield* runVirtual(
        Effect.provide(asyncio.Loop.scoped(noisyMain, { onShutdownError }), Logger.layer([logger]))
      )
      return { exit, logs }
    })

  for (const [what, reporter, problem] of [
    ["returns undefined", () => undefined, "returned undefined instead of an Effect"],
    [
      "throws",
      () => {
        throw new Error("reporter broke")
      },
      "threw Error: reporter broke"
    ],
    ["fails", () => Effect.fail(new Boom({ message: "reporter failed" })), "failed"]
  ] as const) {
    it.effect(
      `one that ${what}: main's value is unchanged, the fault is logged once, no shutdown error is lost`,
      () =>
        Effect.gen(function* () {
          const seen: Array<string> = []
          const { exit, logs } = yield* withReporter((taskName) => {
            seen.push(taskName)
            // a reporter that does not keep its contract (types do not stop plain JavaScript callers)
            return (reporter as () => Effect.Effect<void>)()
          })
          assert.deepStrictEqual(exit, Exit.succeed(42))
          assert.deepStrictEqual(seen, ["noisy-1", "noisy-2"])
          assert.deepStrictEqual(logs, [
            `Loop.scoped: onShutdownError ${problem}; the errors it does not report are logged instead`,
            "unhandled exception during loop shutdown in task noisy-1 Boom: noisy-1",
            "unhandled exception during loop shutdown in task noisy-2 Boom: noisy-2"
          ])
        })
    )
  }
})
