/**
 * The loop's exception handler (issue 13, item 3): `setExceptionHandler`, `getExceptionHandler`,
 * `callExceptionHandler`, `defaultExceptionHandler`, and the three points where the loop calls it — a failing
 * callback, a task whose exception nobody retrieved (one loop iteration after it ended, after its done callbacks),
 * an error raised during the loop scope's shutdown. EXH cases derive from CPython's `test_base_events.py`,
 * `test_events.py` (`HandleTests`), `test_futures.py` and `test_runners.py`; docs/conformance.md lists them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { runVirtual } from "./utils/virtual.ts"

class ZeroDivisionError extends Data.TaggedError("ZeroDivisionError")<{ readonly message: string }> {}

interface Call {
  readonly loop: string
  readonly context: asyncio.EventLoop.ExceptionContext
  readonly at: number
}

/**
 * Runs `body` as the main task of loop scope "L" on virtual time, with every `Effect.log*` line captured; returns
 * the value and the log lines (`message | cause`).
 */
const inLoop = <A, E>(body: (loop: asyncio.EventLoop.Loop) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const logged: Array<string> = []
    const capture = Logger.make(({ cause, message }) => {
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      logged.push(`${text} | ${String(cause)}`)
    })
    const { exit } = yield* runVirtual(
      asyncio.Loop.scoped(Effect.flatMap(asyncio.getRunningLoop(), body), {
        name: "L",
        mainName: "main"
      }).pipe(Effect.provideService(Logger.CurrentLoggers, new Set([capture])))
    )
    return { value: yield* exit, logged }
  })

/** A handler that records what it was called with, and when. */
const recorder = () => {
  const calls: Array<Call> = []
  const handler: asyncio.EventLoop.ExceptionHandler = (loop, context) => {
    calls.push({ loop: loop.name, context, at: loop.time() })
  }
  return { calls, handler }
}

const zeroError = (): never => {
  throw new ZeroDivisionError({ message: "division by zero" })
}

describe("EXH — failing callbacks", () => {
  it.effect(
    "EXH-01 a custom handler gets (loop, { message: 'Exception in callback …', exception, handle }); reset to null, the default logs it",
    () =>
      Effect.gen(function* () {
        const { value, logged } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const { calls, handler } = recorder()
            loop.setExceptionHandler(handler)
            const installed = loop.getExceptionHandler() === handler
            const handle = loop.callSoon(zeroError)
            yield* asyncio.sleep(0)
            loop.setExceptionHandler(null)
            loop.callSoon(zeroError)
            yield* asyncio.sleep(0)
            return { calls, handle, installed, after: loop.getExceptionHandler() }
          })
        )
        assert.isTrue(value.installed)
        assert.isUndefined(value.after)
        assert.strictEqual(value.calls.length, 1)
        const [{ loop, context }] = value.calls
        assert.strictEqual(loop, "L")
        assert.deepStrictEqual(Object.keys(context).sort(), ["exception", "handle", "message"])
        assert.strictEqual(context.message, "Exception in callback zeroError()")
        assert.instanceOf(context.exception, ZeroDivisionError)
        assert.strictEqual(context.handle, value.handle)
        assert.strictEqual(logged.length, 1)
        assert.match(
          logged[0],
          /^Exception in callback zeroError\(\)\nhandle: <Handle zeroError\(\)> \| .*division by zero/s
        )
      })
  )

  it.effect(
    "EXH-02 the default handler logs failing call_soon and call_later callbacks, and an Effect a callback returned that failed",
    () =>
      Effect.gen(function* () {
        const { logged } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            loop.callSoon(zeroError)
            loop.callLater(0.01, zeroError)
            loop.callSoon(function failing() {
              return Effect.fail(new ZeroDivisionError({ message: "in an effect" }))
            })
            yield* asyncio.sleep(1)
          })
        )
        assert.strictEqual(logged.length, 3)
        assert.match(logged[0], /^Exception in callback zeroError\(\)/)
        assert.match(logged[1], /^Exception in callback failing\(\)\n.* \| .*in an effect/s)
        assert.match(
          logged[2],
          /^Exception in callback zeroError\(\)\nhandle: <TimerHandle when=0\.01 zeroError\(\)>/
        )
      })
  )

  it.effect(
    "EXH-03 a handler that throws is reported by the default handler as 'Unhandled error in exception handler', with the context",
    () =>
      Effect.gen(function* () {
        const { logged } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            loop.setExceptionHandler(() => {
              throw new Error("spam")
            })
            loop.callSoon(zeroError)
            yield* asyncio.sleep(0)
            loop.setExceptionHandler(() => Effect.die(new Error("ham")))
            loop.callExceptionHandler({ message: "by hand" })
          })
        )
        assert.strictEqual(logged.length, 2)
        assert.match(
          logged[0],
          /^Unhandled error in exception handler\ncontext: \{ message: "Exception in callback zeroError\(\)", exception: ZeroDivisionError: division by zero, handle: <Handle zeroError\(\)> \} \| .*spam/s
        )
        assert.match(
          logged[1],
          /^Unhandled error in exception handler\ncontext: \{ message: "by hand" \} \| .*ham/s
        )
      })
  )

  it.effect(
    "EXH-04 setExceptionHandler of something that is not a function is a TypeError ('A callable object or None is expected')",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.sync((): unknown => {
            try {
              loop.setExceptionHandler("spam" as never)
              return undefined
            } catch (error) {
              return error
            }
          })
        )
        assert.instanceOf(value, asyncio.TypeError)
        assert.include(
          (value as asyncio.TypeError).message,
          'handler must be a function (loop, context) or null, got "spam"'
        )
      })
  )

  it.effect(
    "EXH-05 callExceptionHandler calls the custom handler; defaultExceptionHandler logs the message ('Unhandled exception in event loop' without one) and the other keys",
    () =>
      Effect.gen(function* () {
        const { value, logged } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const { calls, handler } = recorder()
            loop.setExceptionHandler(handler)
            loop.callExceptionHandler({ message: "custom", detail: 42 })
            loop.defaultExceptionHandler({ zeta: "z", alpha: [1, 2] })
            return calls.map((call) => call.context)
          })
        )
        assert.deepStrictEqual(value, [{ message: "custom", detail: 42 }])
        assert.deepStrictEqual(logged, [
          "Unhandled exception in event loop\nalpha: [1, 2]\nzeta: z | Cause([])"
        ])
      })
  )
})

describe("EXH — tasks whose exception nobody retrieved", () => {
  it.effect(
    "EXH-06 a task that fails with nobody awaiting it is reported at once, one iteration later, after its done callbacks: 'Task exception was never retrieved', exception, future",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const calls: Array<Call> = []
            const order: Array<string> = []
            loop.setExceptionHandler((loop, context) => {
              order.push("report")
              calls.push({ loop: loop.name, context, at: loop.time() })
            })
            const error = new ZeroDivisionError({ message: "consumer crashed" })
            const consumer = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), Effect.fail(error)), {
              name: "consumer"
            })
            yield* consumer.addDoneCallback(() => Effect.sync(() => order.push("done callback")))
            yield* asyncio.sleep(5)
            return { calls, order, error, consumer }
          })
        )
        assert.deepStrictEqual(value.order, ["done callback", "report"])
        assert.strictEqual(value.calls.length, 1)
        const [{ context, at }] = value.calls
        assert.strictEqual(at, 1, "noticed at once, not when the loop ends")
        assert.strictEqual(context.message, "Task exception was never retrieved")
        assert.strictEqual(context.exception, value.error)
        assert.strictEqual(context.future, value.consumer)
      })
  )

  it.effect(
    "EXH-07 no report for a task whose outcome was retrieved: awaited, gathered, result() in a done callback, waited on; for a success or a cancellation; nor without a handler",
    () =>
      Effect.gen(function* () {
        const { value, logged } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            // `gathered` and `waited` end after `gather` and `wait` have taken them: a task retrieved only more than
            // a loop iteration after it ended is reported (row L10), and `awaited` ends at 3 s too.
            const failing = (name: string, seconds = 1) =>
              asyncio.createTask(
                Effect.andThen(asyncio.sleep(seconds), Effect.fail(new ZeroDivisionError({ message: name }))),
                {
                  name
                }
              )
            const silent = yield* failing("before any handler")
            yield* asyncio.sleep(2)
            const { calls, handler } = recorder()
            loop.setExceptionHandler(handler)
            const awaited = yield* failing("awaited")
            const gathered = yield* failing("gathered", 1.5)
            const byCallback = yield* failing("by-callback")
            yield* byCallback.addDoneCallback((t) => Effect.ignore(t.result()))
            const waited = yield* failing("waited", 2)
            yield* asyncio.createTask(asyncio.sleep(1, "fine"))
            const cancelled = yield* asyncio.createTask(asyncio.sleep(10))
            yield* Effect.exit(awaited)
            yield* asyncio.gather(gathered, { returnExceptions: true })
            yield* asyncio.wait([waited])
            yield* cancelled.cancel()
            yield* asyncio.sleep(1)
            return { calls, silent: yield* silent.done() }
          })
        )
        assert.deepStrictEqual(value.calls, [])
        assert.isTrue(value.silent)
        assert.deepStrictEqual(logged, [])
      })
  )

  it.effect(
    "EXH-08 a task awaited only after it failed is reported (asyncio would not: it is still referenced); awaiting it still raises",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const { calls, handler } = recorder()
            loop.setExceptionHandler(handler)
            const error = new ZeroDivisionError({ message: "early" })
            const task = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0.5), Effect.fail(error)), {
              name: "late"
            })
            yield* asyncio.sleep(1)
            const raised = yield* Effect.flip(task)
            return { reports: calls.map((c) => [c.context.message, c.at]), raised: raised === error }
          })
        )
        assert.deepStrictEqual(value, {
          reports: [["Task exception was never retrieved", 0.5]],
          raised: true
        })
      })
  )

  it.effect(
    "EXH-09 a handler installed in a loop scope covers the loop scopes opened inside it; one returning an Effect has it run with its services",
    () =>
      Effect.gen(function* () {
        class Alerts extends Context.Service<Alerts, Array<string>>()("Alerts") {}
        const alerts: Array<string> = []
        yield* inLoop(() =>
          Effect.gen(function* () {
            const loop = yield* asyncio.getRunningLoop<Alerts>()
            loop.setExceptionHandler((_, context) =>
              Effect.gen(function* () {
                const sink = yield* Alerts
                sink.push(`${String(context.message)}: ${String(context.future)}`)
              })
            )
            yield* asyncio.Loop.scoped(
              Effect.andThen(
                asyncio.createTask(Effect.fail(new ZeroDivisionError({ message: "inner" })), {
                  name: "inner-task"
                }),
                asyncio.sleep(1)
              ),
              { name: "inner" }
            )
          }).pipe(Effect.provideService(Alerts, alerts))
        )
        assert.deepStrictEqual(alerts, [
          "Task exception was never retrieved: <Task finished name='inner-task' exception=ZeroDivisionError('inner')>"
        ])
      })
  )
})

describe("EXH — errors during shutdown", () => {
  it.effect(
    "EXH-10 a leftover task raising while cancelled at shutdown goes to the handler: 'unhandled exception during loop shutdown', task, exception",
    () =>
      Effect.gen(function* () {
        const { calls, handler } = recorder()
        let leftover: asyncio.Task<void> | undefined
        const { value, logged } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            loop.setExceptionHandler(handler)
            leftover = yield* asyncio.createTask(
              Effect.onInterrupt(asyncio.sleep(0.1), () =>
                Effect.die(new ZeroDivisionError({ message: "1 / 0" }))
              ),
              { name: "leftover" }
            )
            yield* asyncio.sleep(0) // the leftover task starts, as in Python before run() stops the loop
            return 123
          })
        )
        assert.strictEqual(value, 123)
        assert.strictEqual(calls.length, 1)
        const { context } = calls[0]
        assert.strictEqual(context.message, "unhandled exception during loop shutdown")
        assert.strictEqual(context.task, leftover)
        assert.instanceOf(context.exception, asyncio.Defect)
        assert.deepStrictEqual(logged, [], "the default report is replaced")
      })
  )
})
