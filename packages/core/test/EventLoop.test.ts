/**
 * The running loop (issue 13, item 1): `getRunningLoop` and the `Loop` handle — callbacks (`callSoon`, `callLater`,
 * `callAt`, handles), `createTask` and `runCoroutineThreadsafe` from code outside any fiber, `time()`,
 * `runForever`/`stop`. EVL cases derive from CPython's `test_events.py` (`EventLoopTestsMixin`, `HandleTests`,
 * `TimerTests`, `GetEventLoopTestsMixin`), `test_base_events.py` and `test_tasks.py`
 * (`RunCoroutineThreadsafeTests`); docs/conformance.md lists them. Everything runs on virtual time.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { defectOf } from "./utils/exits.ts"
import { runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/** Runs `body` with the running loop as the main task of a loop scope on virtual time; fails the test if it fails. */
const inLoop = <A, E>(body: (loop: asyncio.EventLoop.Loop) => Effect.Effect<A, E>) =>
  Effect.flatMap(
    runVirtual(
      asyncio.Loop.scoped(Effect.flatMap(asyncio.getRunningLoop(), body), { mainName: "main", name: "L" })
    ),
    ({ exit, elapsed }) => Effect.map(exit, (value) => ({ value, elapsed }))
  )

describe("EVL — callbacks: callSoon, callLater, callAt", () => {
  it.effect(
    "EVL-01 callSoon(callback, 'hello', 'world'): the callback gets its arguments; stop() ends runForever",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const results: Array<[string, string]> = []
            loop.callSoon(
              (a: string, b: string) => {
                results.push([a, b])
                loop.stop()
              },
              "hello",
              "world"
            )
            yield* loop.runForever()
            return results
          })
        )
        assert.deepStrictEqual(value, [["hello", "world"]])
        assert.strictEqual(elapsed, 0)
      })
  )

  it.effect("EVL-02 callLater(0.1, callback, 'hello world') runs it 0.1 s later", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* inLoop((loop) =>
        Effect.gen(function* () {
          const results: Array<[string, number]> = []
          loop.callLater(
            0.1,
            (arg: string) => {
              results.push([arg, loop.time()])
              loop.stop()
            },
            "hello world"
          )
          yield* loop.runForever()
          return results
        })
      )
      assert.deepStrictEqual(value, [["hello world", 0.1]])
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect("EVL-03 two callSoon callbacks run in the order they were scheduled", () =>
    Effect.gen(function* () {
      const { value } = yield* inLoop((loop) =>
        Effect.gen(function* () {
          const results: Array<string> = []
          const callback = (arg: string): void => {
            results.push(arg)
            if (results.length >= 2) loop.stop()
          }
          loop.callSoon(callback, "hello")
          loop.callSoon(callback, "world")
          yield* loop.runForever()
          return results
        })
      )
      assert.deepStrictEqual(value, ["hello", "world"])
    })
  )

  it.effect(
    "EVL-04 negative delays are deadlines in the past: callLater(-1, a), callLater(-2, b) run b then a",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const calls: Array<string> = []
            const cb = (arg: string): void => {
              calls.push(arg)
            }
            loop.callLater(-1, cb, "a")
            loop.callLater(-2, cb, "b")
            yield* asyncio.sleep(0)
            yield* asyncio.sleep(0)
            return calls
          })
        )
        assert.deepStrictEqual(value, ["b", "a"])
      })
  )

  it.effect("EVL-05 callAt(time() + 0.1) runs 0.1 s later on the loop's clock", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* inLoop((loop) =>
        Effect.gen(function* () {
          const when = loop.time() + 0.1
          const handle = loop.callAt(when, () => loop.stop())
          const t0 = loop.time()
          yield* loop.runForever()
          return { dt: loop.time() - t0, when: handle.when() === when }
        })
      )
      assert.deepStrictEqual(value, { dt: 0.1, when: true })
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect(
    "EVL-06 cancel(): cancelled() turns true and the callback never runs (Handle and TimerHandle)",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const ran: Array<string> = []
            const soon = loop.callSoon(() => ran.push("soon"))
            const later = loop.callLater(1, () => ran.push("later"))
            const before = [soon.cancelled(), later.cancelled()]
            soon.cancel()
            later.cancel()
            later.cancel()
            yield* asyncio.sleep(2)
            // Cancelling after the callback ran still marks the handle, as in asyncio.
            const done = loop.callSoon(() => ran.push("done"))
            yield* asyncio.sleep(0)
            done.cancel()
            return { before, after: [soon.cancelled(), later.cancelled(), done.cancelled()], ran }
          })
        )
        assert.deepStrictEqual(value, {
          before: [false, false],
          after: [true, true, true],
          ran: ["done"]
        })
      })
  )

  it.effect("EVL-07 repr: <Handle noop(1, 2)>, <Handle cancelled>", () =>
    Effect.gen(function* () {
      const { value } = yield* inLoop((loop) =>
        Effect.sync(() => {
          const noop = (_a: number, _b: number): void => {}
          const handle = loop.callSoon(noop, 1, 2)
          const before = String(handle)
          handle.cancel()
          return [before, String(handle), handle._tag]
        })
      )
      assert.deepStrictEqual(value, ["<Handle noop(1, 2)>", "<Handle cancelled>", "Handle"])
    })
  )

  it.effect(
    "EVL-08 a TimerHandle: when() is its deadline; repr <TimerHandle when=123 noop()>, then cancelled",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.sync(() => {
            const noop = (): void => {}
            const timer = loop.callAt(123, noop)
            const before = String(timer)
            timer.cancel()
            return [timer.when(), before, String(timer), timer._tag]
          })
        )
        assert.deepStrictEqual(value, [
          123,
          "<TimerHandle when=123 noop()>",
          "<TimerHandle cancelled when=123>",
          "TimerHandle"
        ])
      })
  )

  it.effect(
    "EVL-11 a callback scheduled by a callback runs in a later iteration, after those already ready",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const order: Array<string> = []
            loop.callSoon(() => {
              order.push("A")
              loop.callSoon(() => order.push("C"))
            })
            loop.callSoon(() => order.push("B"))
            yield* asyncio.sleep(0.001)
            return order
          })
        )
        assert.deepStrictEqual(value, ["A", "B", "C"])
      })
  )

  it.effect("EVL-12 timers due at the same instant fire in one iteration, in creation order", () =>
    Effect.gen(function* () {
      const { value } = yield* inLoop((loop) =>
        Effect.gen(function* () {
          const order: Array<string> = []
          loop.callLater(1, () => {
            order.push("t1")
            loop.callSoon(() => order.push("soon from t1"))
          })
          loop.callAt(loop.time() + 1, () => order.push("t2"))
          loop.callLater(0.5, () => order.push("t0"))
          loop.callLater(1, () => order.push("t3"))
          yield* asyncio.sleep(2)
          return order
        })
      )
      assert.deepStrictEqual(value, ["t0", "t1", "t2", "t3", "soon from t1"])
    })
  )

  it.effect(
    "EVL-13 a callback runs outside any task; an Effect it returns runs at once with the handle's services",
    () =>
      Effect.gen(function* () {
        class Greeting extends Context.Service<Greeting, string>()("Greeting") {}
        const { value } = yield* inLoop(() =>
          Effect.gen(function* () {
            const loop = yield* asyncio.getRunningLoop<Greeting>()
            const seen: Array<string> = []
            loop.callSoon(() => {
              seen.push(`plain: ${String(Effect.runSync(asyncio.currentTask))}`)
              return Effect.gen(function* () {
                const task = yield* asyncio.currentTask
                yield* asyncio.sleep(1)
                seen.push(`effect: ${yield* Greeting} (task ${String(task)}) at ${loop.time()}`)
              })
            })
            yield* asyncio.sleep(2)
            return seen
          }).pipe(Effect.provideService(Greeting, "hi"))
        )
        assert.deepStrictEqual(value, ["plain: undefined", "effect: hi (task undefined) at 1"])
      })
  )

  it.effect(
    "EVL-14 callbacks never run once the loop scope has closed; an effect a callback started is interrupted",
    () =>
      Effect.gen(function* () {
        const ran: Array<string> = []
        let leftover: asyncio.TimerHandle | undefined
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            leftover = loop.callLater(5, () => ran.push("too late"))
            loop.callSoon(() =>
              Effect.onInterrupt(
                Effect.andThen(
                  asyncio.sleep(10),
                  Effect.sync(() => ran.push("effect finished"))
                ),
                () => Effect.sync(() => ran.push("effect interrupted"))
              )
            )
            yield* asyncio.sleep(1)
            return loop
          })
        )
        assert.deepStrictEqual(ran, ["effect interrupted"])
        assert.isFalse(leftover!.cancelled())
        assert.isTrue(value.isClosed())
        assert.isFalse(value.isRunning())
      })
  )
})

describe("EVL — getRunningLoop", () => {
  it.effect(
    "EVL-09 outside a loop scope: RuntimeError 'no running event loop'; inside: the loop scope, also as getEventLoop",
    () =>
      Effect.gen(function* () {
        const outside = yield* Effect.exit(asyncio.getRunningLoop())
        const defect = defectOf(outside)
        assert.instanceOf(defect, asyncio.RuntimeError)
        assert.include((defect as asyncio.RuntimeError).message, "no running event loop")
        assert.instanceOf(defectOf(yield* Effect.exit(asyncio.getEventLoop())), asyncio.RuntimeError)
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const again = yield* asyncio.getEventLoop()
            const fromTask = yield* Effect.flatMap(
              asyncio.createTask(Effect.map(asyncio.getRunningLoop(), (l) => l.name)),
              (task) => task
            )
            return [loop.name, again.name, fromTask, loop.isRunning(), loop.isClosed()]
          })
        )
        assert.deepStrictEqual(value, ["L", "L", "L", true, false])
      })
  )

  it.effect(
    "EVL-10 once the loop scope has closed, scheduling and creating tasks are RuntimeErrors ('Event loop is closed')",
    () =>
      Effect.gen(function* () {
        const { value: loop } = yield* inLoop((loop) => Effect.succeed(loop))
        const errors: Array<unknown> = []
        for (const call of [
          () => loop.callSoon(() => {}),
          () => loop.callLater(1, () => {}),
          () => loop.callAt(1, () => {}),
          () => loop.createTask(Effect.void)
        ]) {
          try {
            call()
          } catch (error) {
            errors.push(error)
          }
        }
        assert.strictEqual(errors.length, 4)
        for (const error of errors) {
          assert.instanceOf(error, asyncio.RuntimeError)
          assert.include((error as asyncio.RuntimeError).message, "the loop scope L is closed")
        }
      })
  )

  it.effect(
    "a Loop.layer gives a handle too; a loop scope opened inside another has its own tasks, the outer one's runForever",
    () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(asyncio.Loop.layer({ name: "outer" }), scope)
        const { value } = yield* inLoop(() =>
          Effect.gen(function* () {
            const outer = yield* asyncio.getRunningLoop()
            const inner = yield* asyncio.Loop.scoped(asyncio.getRunningLoop(), { name: "inner" })
            // stop() through the inner handle ends the outer runForever: one loop, as in asyncio.
            outer.callLater(1, () => inner.stop())
            yield* outer.runForever()
            return [outer.name, inner.name, inner.isClosed()]
          })
        ).pipe(Effect.provideContext(context))
        yield* Scope.close(scope, Exit.void)
        assert.deepStrictEqual(value, ["L", "inner", true])
      })
  )
})

describe("EVL — tasks from callbacks", () => {
  it.effect(
    "EVL-15 loop.createTask from a callback: a task of the loop scope, named, outliving the callback; cancelled at shutdown",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const created: Array<asyncio.Task<string>> = []
            loop.callLater(1, () => {
              created.push(loop.createTask(asyncio.sleep(1, "done"), { name: "from-callback" }))
              created.push(loop.createTask(asyncio.sleep(10, "never"), { name: "leftover" }))
            })
            yield* asyncio.sleep(2.5)
            const [first, second] = created
            return {
              names: created.map((t) => t.name),
              result: yield* first.result(),
              listed: [...(yield* asyncio.allTasks)].map((t) => t.name),
              second
            }
          })
        )
        assert.deepStrictEqual(value.names, ["from-callback", "leftover"])
        assert.strictEqual(value.result, "done")
        assert.deepStrictEqual(value.listed, ["main", "leftover"])
        const error = yield* Effect.flip(value.second.result())
        assert.strictEqual(error._tag, "CancelledError")
        assert.strictEqual(error._tag === "CancelledError" ? error.reason.kind : undefined, "shutdown")
      })
  )

  it.effect(
    "EVL-16 eagerStart: loop.createTask and createTask run the task's first steps inside the call",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const log: Array<string> = []
            const lazy = loop.createTask(Effect.sync(() => log.push("lazy ran")))
            const eager = loop.createTask(
              Effect.sync(() => log.push("eager ran")),
              { eagerStart: true }
            )
            log.push(`after createTask: eager done ${yield* eager.done()}, lazy done ${yield* lazy.done()}`)
            const viaEffect = yield* asyncio.createTask(
              Effect.sync(() => log.push("effect eager ran")),
              {
                eagerStart: true
              }
            )
            log.push(`effect eager done ${yield* viaEffect.done()}`)
            yield* asyncio.sleep(0)
            return log
          })
        )
        assert.deepStrictEqual(value, [
          "eager ran",
          "after createTask: eager done true, lazy done false",
          "effect eager ran",
          "effect eager done true",
          "lazy ran"
        ])
      })
  )

  it.effect(
    "EVL-17 runCoroutineThreadsafe from a promise callback: resolves with the value, rejects with the error or a CancelledError",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const settle = <A>(p: Promise<A>) =>
              Effect.promise(() =>
                p.then(
                  (v) => ({ ok: v as unknown }),
                  (e: unknown) => ({ error: e })
                )
              )
            // Called from a promise callback: no fiber is running there.
            const ok = yield* settle(
              Promise.resolve().then(() => loop.runCoroutineThreadsafe(asyncio.sleep(0, 3)))
            )
            const boom = new Boom({ message: "in task" })
            const failed = yield* settle(
              loop.runCoroutineThreadsafe(Effect.andThen(asyncio.sleep(0), Effect.fail(boom)))
            )
            const promise = loop.runCoroutineThreadsafe(Effect.never, { name: "to-cancel" })
            const task = [...(yield* asyncio.allTasks)].find((t) => t.name === "to-cancel")!
            yield* asyncio.sleep(0)
            yield* task.cancel("stop")
            const cancelled = yield* settle(promise)
            return { ok, failed: "error" in failed && failed.error === boom, cancelled }
          })
        )
        assert.deepStrictEqual(value.ok, { ok: 3 })
        assert.isTrue(value.failed)
        const cancelled = "error" in value.cancelled ? value.cancelled.error : undefined
        assert.instanceOf(cancelled, asyncio.CancelledError)
        assert.strictEqual((cancelled as asyncio.CancelledError).cancelMessage, "stop")
      })
  )
})

describe("EVL — runForever and stop", () => {
  it.effect(
    "EVL-18 the task in runForever is not among allTasks: a shutdown routine cancelling every other task leaves it",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            const log: Array<string> = []
            yield* asyncio.createTask(
              Effect.onInterrupt(asyncio.sleep(100), () => Effect.sync(() => log.push("worker cancelled"))),
              {
                name: "worker"
              }
            )
            const shutdown = Effect.gen(function* () {
              const me = yield* asyncio.currentTask
              const tasks = [...(yield* asyncio.allTasks)].filter((t) => t !== me)
              log.push(`cancelling ${tasks.map((t) => t.name).join(", ")}`)
              for (const t of tasks) yield* t.cancel()
              yield* asyncio.gather(...tasks, { returnExceptions: true })
              loop.stop()
            })
            loop.callLater(1, () => loop.createTask(shutdown, { name: "shutdown" }))
            yield* loop.runForever()
            log.push(
              `main resumed at ${loop.time()}; listed again: ${[...(yield* asyncio.allTasks)].map((t) => t.name).join(", ")}`
            )
            return log
          })
        )
        assert.deepStrictEqual(value, [
          "cancelling worker",
          "worker cancelled",
          "main resumed at 1; listed again: main"
        ])
      })
  )

  it.effect(
    "EVL-19 stop() before runForever: it returns after one turn; two at once: RuntimeError; cancelling the task ends the wait",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop((loop) =>
          Effect.gen(function* () {
            loop.stop()
            yield* loop.runForever()
            const first = yield* asyncio.createTask(loop.runForever(), { name: "first" })
            yield* asyncio.sleep(0)
            const second = yield* Effect.exit(loop.runForever())
            yield* first.cancel()
            const firstCancelled = yield* first.cancelled()
            // The wait is free again.
            loop.callLater(1, () => loop.stop())
            yield* loop.runForever()
            return { second: defectOf(second), firstCancelled, at: loop.time() }
          })
        )
        assert.instanceOf(value.second, asyncio.RuntimeError)
        assert.include((value.second as asyncio.RuntimeError).message, "already running forever")
        assert.isTrue(value.firstCancelled)
        assert.strictEqual(value.at, 1)
      })
  )
})
