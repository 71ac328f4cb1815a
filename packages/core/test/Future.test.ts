/**
 * Futures (issue 13, item 4): `Future.make`, `loop.createFuture`, `setResult`/`setException`/`cancel(msg)`, the read
 * methods, done callbacks, awaiting (`yield* fut`), with `gather`, `wait`, `asCompleted`, `waitFor`, `shield`;
 * `wrapFuture`/`ensureFuture` for a `Promise`. FUT cases derive from CPython's `test_futures.py` (and
 * `test_runners.py` for a future awaited by a cancelled task); docs/conformance.md lists them. Virtual time.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { runVirtual } from "./utils/virtual.ts"

class RuntimeFailure extends Data.TaggedError("RuntimeFailure")<{ readonly message: string }> {}

/** Runs `body` as the main task of a loop scope on virtual time; fails the test if it fails. */
const inLoop = <A, E>(body: Effect.Effect<A, E>) =>
  Effect.flatMap(
    runVirtual(asyncio.Loop.scoped(body, { name: "L", mainName: "main" })),
    ({ exit, elapsed }) => Effect.map(exit, (value) => ({ value, elapsed }))
  )

/** The error of an effect that must fail, by tag; its success as `ok`. */
const tagOf = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.match(effect, { onFailure: (e) => e._tag, onSuccess: (a) => ({ ok: a }) })

describe("FUT — state", () => {
  it.effect("FUT-01 a new future is pending and not cancelled; cancel() makes it cancelled", () =>
    Effect.gen(function* () {
      const { value } = yield* inLoop(
        Effect.gen(function* () {
          const f = yield* asyncio.Future.make<number>()
          const before = [yield* f.cancelled(), yield* f.done()]
          yield* f.cancel()
          return [...before, yield* f.cancelled()]
        })
      )
      assert.deepStrictEqual(value, [false, false, true])
    })
  )

  it.effect(
    "FUT-02 cancel(): true, then cancelled and done; result/exception raise CancelledError; setting it is an InvalidStateError; cancel again false",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number, RuntimeFailure>()
            return [
              yield* f.cancel(),
              yield* f.cancelled(),
              yield* f.done(),
              yield* tagOf(f.result()),
              yield* tagOf(f.exception()),
              yield* tagOf(f.setResult(1)),
              yield* tagOf(f.setException(new RuntimeFailure({ message: "x" }))),
              yield* f.cancel()
            ]
          })
        )
        assert.deepStrictEqual(value, [
          true,
          true,
          true,
          "CancelledError",
          "CancelledError",
          "InvalidStateError",
          "InvalidStateError",
          false
        ])
      })
  )

  it.effect(
    "FUT-03 result(): InvalidStateError while pending; setResult(42): done, result 42, exception undefined; set again fails; cancel false",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number>()
            const pending = yield* tagOf(f.result())
            yield* f.setResult(42)
            return [
              pending,
              yield* f.cancelled(),
              yield* f.done(),
              yield* f.result(),
              yield* f.exception(),
              yield* tagOf(f.setResult(1)),
              yield* f.cancel()
            ]
          })
        )
        assert.deepStrictEqual(value, [
          "InvalidStateError",
          false,
          true,
          42,
          undefined,
          "InvalidStateError",
          false
        ])
      })
  )

  it.effect(
    "FUT-04 exception(): InvalidStateError while pending; setException(exc): result() fails with exc, exception() is exc",
    () =>
      Effect.gen(function* () {
        const exc = new RuntimeFailure({ message: "boom" })
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number, RuntimeFailure>()
            const pending = yield* tagOf(f.exception())
            yield* f.setException(exc)
            const failed = yield* Effect.flip(f.result())
            return [
              pending,
              yield* f.cancelled(),
              yield* f.done(),
              failed === exc,
              (yield* f.exception()) === exc,
              yield* tagOf(f.setResult(1)),
              yield* f.cancel()
            ]
          })
        )
        assert.deepStrictEqual(value, [
          "InvalidStateError",
          false,
          true,
          true,
          true,
          "InvalidStateError",
          false
        ])
      })
  )

  it.effect(
    "FUT-05 awaiting a future twice gives its result twice; a waiter suspended on it resumes when it is set",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number>()
            const waiter = yield* asyncio.createTask(Effect.map(f, (x) => ["B", x] as const))
            yield* asyncio.sleep(1)
            yield* f.setResult(42)
            const first = yield* f
            const second = yield* f
            return [yield* waiter, ["C", first, second]]
          })
        )
        assert.deepStrictEqual(value, [
          ["B", 42],
          ["C", 42, 42]
        ])
        assert.strictEqual(elapsed, 1)
      })
  )

  it.effect(
    "FUT-06 repr: <Future pending>, <Future cancelled>, <Future finished result=4>, <Future finished exception=RuntimeFailure('')>",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const pending = yield* asyncio.Future.make<number>()
            const cancelled = yield* asyncio.Future.make<number>()
            yield* cancelled.cancel()
            const result = yield* asyncio.Future.make<number>()
            yield* result.setResult(4)
            const failed = yield* asyncio.Future.make<number, RuntimeFailure>()
            yield* failed.setException(new RuntimeFailure({ message: "" }))
            yield* Effect.ignore(failed.exception())
            return [pending, cancelled, result, failed].map(String)
          })
        )
        assert.deepStrictEqual(value, [
          "<Future pending>",
          "<Future cancelled>",
          "<Future finished result=4>",
          "<Future finished exception=RuntimeFailure()>"
        ])
      })
  )

  it.effect("FUT-07 cancel('my message'): awaiting it gives a CancelledError carrying the message", () =>
    Effect.gen(function* () {
      const { value } = yield* inLoop(
        Effect.gen(function* () {
          const f = yield* asyncio.Future.make<number>()
          yield* f.cancel("my message")
          const error = yield* Effect.flip(f.result())
          const awaited = yield* f.pipe(asyncio.catchCancelled((e) => Effect.succeed(e.cancelMessage)))
          return [error._tag === "CancelledError" ? error.cancelMessage : error._tag, awaited]
        })
      )
      assert.deepStrictEqual(value, ["my message", "my message"])
    })
  )

  it.effect(
    "FUT-08 done callbacks run after completion, in order, not inside setResult; removeDoneCallback counts the removed ones",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const bag: Array<number> = []
            const cb = (n: number) => () => Effect.sync(() => void bag.push(n))
            const f = yield* asyncio.Future.make<string>()
            const cb1 = cb(42)
            const cb2 = cb(17)
            const cb3 = cb(100)
            yield* f.addDoneCallback(cb1)
            yield* f.addDoneCallback(cb2)
            yield* f.addDoneCallback(cb3)
            const removed = [yield* f.removeDoneCallback(cb1), yield* f.removeDoneCallback(cb1)]
            yield* f.setResult("foo")
            const right = [...bag]
            yield* asyncio.sleep(0)
            yield* asyncio.sleep(0)
            // Python's test_remove_done_callback: counts.
            const g = yield* asyncio.Future.make<string>()
            const a = cb(1)
            const b = cb(2)
            yield* g.addDoneCallback(a)
            yield* g.addDoneCallback(b)
            const counts = [yield* g.removeDoneCallback(b), yield* g.removeDoneCallback(cb(3))]
            yield* g.addDoneCallback(b)
            for (let i = 0; i < 5; i++) yield* g.addDoneCallback(a)
            counts.push(yield* g.removeDoneCallback(a))
            return { removed, right, bag, counts, result: yield* f.result() }
          })
        )
        assert.deepStrictEqual(value, {
          removed: [1, 0],
          right: [],
          bag: [17, 100],
          counts: [1, 0, 6],
          result: "foo"
        })
      })
  )
})

describe("FUT — awaiting, and the combinators", () => {
  it.effect(
    "FUT-09 cancelling a task that awaits a future cancels the future; everyone else awaiting it ends cancelled (Python's test_interrupt_wait)",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number>()
            const t1 = yield* asyncio.createTask(Effect.suspend(() => f))
            const t2 = yield* asyncio.createTask(Effect.suspend(() => f))
            yield* asyncio.sleep(1)
            yield* t1.cancel("stop")
            yield* asyncio.sleep(0)
            return [yield* f.cancelled(), yield* t1.cancelled(), yield* t2.cancelled()]
          })
        )
        assert.deepStrictEqual(value, [true, true, true])
      })
  )

  it.effect(
    "FUT-10 gather, wait and asCompleted take futures (the same future twice is one); asCompleted yields the futures themselves",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* inLoop(
          Effect.gen(function* () {
            const a = yield* asyncio.Future.make<string>()
            const b = yield* asyncio.Future.make<string>()
            yield* asyncio.createTask(Effect.andThen(asyncio.sleep(2), a.setResult("a")))
            yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), b.setResult("b")))
            const { done, pending } = yield* asyncio.wait([a, b], { returnWhen: asyncio.FIRST_COMPLETED })
            const firstDone = [...done][0] === b && [...pending][0] === a
            const order: Array<boolean> = []
            const completed = yield* asyncio.asCompleted([a, b])
            for (let task = yield* completed.nextTask; task !== undefined; task = yield* completed.nextTask) {
              order.push(task === a)
            }
            const gathered = yield* asyncio.gather(a, b, a)
            return { firstDone, order, gathered }
          })
        )
        assert.deepStrictEqual(value, { firstDone: true, order: [false, true], gathered: ["a", "b", "a"] })
        assert.strictEqual(elapsed, 2)
      })
  )

  it.effect(
    "FUT-11 waitFor(fut, 1) times out and cancels the future; waitFor(shield(fut), 1) times out and leaves it pending",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number>()
            const timedOut = yield* tagOf(asyncio.waitFor(f, 1))
            const g = yield* asyncio.Future.make<number>()
            const shielded = yield* tagOf(asyncio.waitFor(asyncio.shield(g), 1))
            const gPending = !(yield* g.done())
            yield* g.setResult(7)
            return [timedOut, yield* f.cancelled(), shielded, gPending, yield* g.result()]
          })
        )
        assert.deepStrictEqual(value, ["TimeoutError", true, "TimeoutError", true, 7])
      })
  )

  it.effect(
    "FUT-12 a future is not a task: isTask false, isFuture true (a task is a future too); allTasks does not list it; no Task-<n> number used",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const before = yield* asyncio.createTask(Effect.void)
            const f = yield* asyncio.Future.make<number>()
            const after = yield* asyncio.createTask(Effect.void)
            return {
              isTask: [asyncio.isTask(f), asyncio.isTask(before)],
              isFuture: [asyncio.isFuture(f), asyncio.isFuture(before), asyncio.isFuture(42)],
              listed: [...(yield* asyncio.allTasks)].includes(f as asyncio.Task<number>),
              numbers: Number(after.name.slice(5)) - Number(before.name.slice(5))
            }
          })
        )
        assert.deepStrictEqual(value, {
          isTask: [false, true],
          isFuture: [true, true, false],
          listed: false,
          numbers: 1
        })
      })
  )

  it.effect(
    "FUT-13 loop.createFuture, completed from a callback outside any fiber through loop.callSoon(() => fut.setResult(x))",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* inLoop(
          Effect.gen(function* () {
            const loop = yield* asyncio.getRunningLoop()
            const fut = loop.createFuture<string>()
            loop.callLater(1.5, () => {
              // A "foreign" callback: no fiber runs here.
              loop.callSoon(() => fut.setResult("reply"))
            })
            return yield* fut
          })
        )
        assert.strictEqual(value, "reply")
        assert.strictEqual(elapsed, 1.5)
      })
  )

  it.effect(
    "FUT-14 an exception set on a future nobody retrieves goes to the exception handler ('Future exception was never retrieved'); retrieved, cancelled after, or a result: no report",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const loop = yield* asyncio.getRunningLoop()
            const reports: Array<string> = []
            loop.setExceptionHandler((_, context) => {
              reports.push(`${String(context.message)}: ${String(context.future)}`)
            })
            const abandoned = loop.createFuture<number>() // test_tb_logger_abandoned
            const unretrieved = loop.createFuture<number, RuntimeFailure>()
            yield* unretrieved.setException(new RuntimeFailure({ message: "boom" }))
            const retrieved = loop.createFuture<number, RuntimeFailure>()
            yield* retrieved.setException(new RuntimeFailure({ message: "seen" }))
            yield* retrieved.exception()
            const cancelledAfter = loop.createFuture<number, RuntimeFailure>()
            yield* cancelledAfter.setException(new RuntimeFailure({ message: "cancelled after" }))
            yield* cancelledAfter.cancel()
            const result = loop.createFuture<number>()
            yield* result.setResult(42)
            yield* asyncio.sleep(1)
            return { reports, abandoned: yield* abandoned.done() }
          })
        )
        assert.deepStrictEqual(value, {
          reports: [
            "Future exception was never retrieved: <Future finished exception=RuntimeFailure('boom')>"
          ],
          abandoned: false
        })
      })
  )
})

describe("FUT — wrapFuture and ensureFuture", () => {
  it.effect(
    "FUT-15 wrapFuture(promise) resolves with its value or fails with its very rejection; a future or a task is returned as it is",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const ok = yield* asyncio.wrapFuture(Promise.resolve(["oi", 7]))
            const error = new Error("rejected")
            const rejected = yield* asyncio.wrapFuture(Promise.reject(error))
            const f = yield* asyncio.Future.make<number>()
            const t = yield* asyncio.createTask(Effect.succeed(1))
            return {
              ok: yield* ok,
              rejected: (yield* Effect.flip(rejected)) === error,
              same: [(yield* asyncio.wrapFuture(f)) === f, (yield* asyncio.wrapFuture(t)) === t],
              isFuture: asyncio.isFuture(ok)
            }
          })
        )
        assert.deepStrictEqual(value, { ok: ["oi", 7], rejected: true, same: [true, true], isFuture: true })
      })
  )

  it.effect(
    "FUT-16 cancelling a wrapper: it is cancelled, and the promise's later value is ignored; one resolved but not yet copied is cancelled too",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            let resolve: (value: number) => void = () => {}
            const pending = new Promise<number>((r) => {
              resolve = r
            })
            const f2 = yield* asyncio.wrapFuture(pending)
            yield* f2.cancel()
            resolve(42)
            const g2 = yield* asyncio.wrapFuture(Promise.resolve(42))
            yield* g2.cancel()
            yield* Effect.promise(() => pending)
            return [yield* f2.cancelled(), yield* g2.cancelled()]
          })
        )
        assert.deepStrictEqual(value, [true, true])
      })
  )

  it.effect(
    "FUT-17 ensureFuture: a future or task as it is, an Effect as a new task, a promise as a future, 42 a TypeError",
    () =>
      Effect.gen(function* () {
        const { value } = yield* inLoop(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number>()
            const fromEffect = yield* asyncio.ensureFuture(asyncio.sleep(1, "slept"))
            const fromPromise = yield* asyncio.ensureFuture(Promise.resolve("resolved"))
            const bad = yield* Effect.exit(asyncio.ensureFuture(42 as never))
            return {
              same: (yield* asyncio.ensureFuture(f)) === f,
              task: asyncio.isTask(fromEffect),
              values: [yield* fromEffect, yield* fromPromise],
              bad:
                Exit.isFailure(bad) &&
                String(bad.cause).includes(
                  "ensureFuture: a Future, a Task, an Effect or a Promise was expected, got 42"
                )
            }
          })
        )
        assert.deepStrictEqual(value, { same: true, task: true, values: ["slept", "resolved"], bad: true })
      })
  )

  it.effect(
    "FUT-18 a future works outside any loop scope (Python needs a loop; ours is not bound to one), and makeUnsafe makes one outside any fiber",
    () =>
      Effect.gen(function* () {
        const unsafe = asyncio.Future.makeUnsafe<string>()
        const { exit } = yield* runVirtual(
          Effect.gen(function* () {
            const f = yield* asyncio.Future.make<number>()
            yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), f.setResult(1)))
            yield* asyncio.createTask(Effect.andThen(asyncio.sleep(2), unsafe.setResult("u")))
            return [yield* f, yield* unsafe]
          })
        )
        assert.deepStrictEqual(yield* exit, [1, "u"])
      })
  )
})
