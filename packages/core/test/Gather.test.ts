import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import { cancelledErrorOf, defectOf, defectTag, failureOf, isInterrupted, misuse } from "./utils/exits.ts"
import { primeTestClock } from "./utils/testClock.ts"
import { now, runVirtual, settle } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly label: string }> {}
class ZeroDiv extends Data.TaggedError("ZeroDiv")<{ readonly label: string }> {}
class BadValue extends Data.TaggedError("BadValue")<{ readonly label: string }> {}

/** A timeline: `mark("x")` records "<virtual seconds since the timeline was made> x". */
const timeline = Effect.map(now, (t0) => {
  const log: Array<string> = []
  const mark = (event: string): Effect.Effect<void> =>
    Effect.flatMap(now, (t) =>
      Effect.sync(() => {
        log.push(`${Math.round((t - t0) * 1e6) / 1e6} ${event}`)
      })
    )
  return { log, mark }
})

/** `runVirtual` after priming the TestClock, so clean-up that sleeps runs in full (see utils/testClock.ts). */
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.andThen(primeTestClock, runVirtual(effect))

describe("gather", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("GA-01 results come back in argument order, once every child is done", () =>
    Effect.gen(function* () {
      for (const returnExceptions of [false, true]) {
        for (const form of ["task", "effect"] as const) {
          const [a, b, c] = [
            yield* Deferred.make<number>(),
            yield* Deferred.make<number>(),
            yield* Deferred.make<number>()
          ]
          // "each wrapped in a coroutine": a plain effect becomes a task of the gather; or a task made first
          const child = (d: Deferred.Deferred<number>) =>
            form === "effect" ? Effect.succeed(Deferred.await(d)) : asyncio.createTask(Deferred.await(d))
          const children = [yield* child(a), yield* child(b), yield* child(c)] as const
          const g = yield* asyncio.createTask(asyncio.gather(...children, { returnExceptions }))
          let callbacks = 0
          yield* g.addDoneCallback(() =>
            Effect.sync(() => {
              callbacks++
            })
          )
          yield* settle
          yield* Deferred.succeed(b, 1)
          yield* Deferred.succeed(a, 2)
          yield* settle
          assert.isFalse(yield* g.done(), `${form}, returnExceptions ${returnExceptions}: done too early`)
          assert.strictEqual(callbacks, 0)
          yield* Deferred.succeed(c, 3)
          yield* settle
          assert.strictEqual(callbacks, 1)
          assert.deepStrictEqual(yield* g, [2, 1, 3])
        }
      }
    })
  )

  it.effect("GA-02 returnExceptions puts each failure at its child's position and waits for all", () =>
    Effect.gen(function* () {
      const [a, b, c, d] = [
        yield* Deferred.make<number, Boom>(),
        yield* Deferred.make<number, Boom>(),
        yield* Deferred.make<number, Boom>(),
        yield* Deferred.make<number, Boom>()
      ]
      const g = yield* asyncio.createTask(
        asyncio.gather(Deferred.await(a), Deferred.await(b), Deferred.await(c), Deferred.await(d), {
          returnExceptions: true
        })
      )
      yield* settle
      const exc = new Boom({ label: "exc" })
      const exc2 = new Boom({ label: "exc2" })
      yield* Deferred.succeed(b, 1)
      yield* Deferred.fail(c, exc)
      yield* Deferred.succeed(a, 3)
      yield* settle
      assert.isFalse(yield* g.done())
      yield* Deferred.fail(d, exc2)
      yield* settle
      const result = yield* g
      assert.deepStrictEqual(result, [3, 1, exc, exc2])
      assert.strictEqual(result[2], exc, "the very error object, not a copy")
      assert.strictEqual(result[3], exc2)
    })
  )

  // asyncio's gathering future is done-with-CancelledError and not `cancelled()`; our gather is an Effect, not a
  // future, so what is observable is the awaiter: it sees an interruption (Python: `CancelledError` raised from
  // `await gather`), and a task awaiting the gather ends cancelled — as a Python task awaiting it would.
  it.effect(
    "GA-04 a cancelled child fails the gather at once with its cancellation; later completions change nothing",
    () =>
      Effect.gen(function* () {
        const ds = [
          yield* Deferred.make<number>(),
          yield* Deferred.make<number>(),
          yield* Deferred.make<number>(),
          yield* Deferred.make<number>(),
          yield* Deferred.make<number>()
        ]
        const [ta, tb, tc, td, te] = [
          yield* asyncio.createTask(Deferred.await(ds[0])),
          yield* asyncio.createTask(Deferred.await(ds[1])),
          yield* asyncio.createTask(Deferred.await(ds[2])),
          yield* asyncio.createTask(Deferred.await(ds[3])),
          yield* asyncio.createTask(Deferred.await(ds[4]))
        ]
        const g = yield* asyncio.createTask(asyncio.gather(ta, tb, tc, td, te))
        let callbacks = 0
        yield* g.addDoneCallback(() =>
          Effect.sync(() => {
            callbacks++
          })
        )
        yield* settle
        yield* Deferred.succeed(ds[0], 1)
        assert.isTrue(yield* tb.cancel("b went away"))
        yield* settle
        assert.isTrue(yield* g.done())
        assert.isTrue(yield* g.cancelled())
        const error = yield* cancelledErrorOf(g)
        assert.strictEqual(error._tag, "CancelledError")
        assert.strictEqual(
          error.cancelMessage,
          "b went away",
          "the child's cancel message reaches the awaiter"
        )
        assert.strictEqual(callbacks, 1)
        // the siblings were not cancelled; completing them later has no effect on the gather
        for (const sibling of [tc, td, te]) {
          assert.isFalse(yield* sibling.done(), `${sibling.name} must still be pending, not cancelled`)
        }
        yield* Deferred.succeed(ds[2], 3)
        yield* Deferred.succeed(ds[3], 4)
        yield* Deferred.succeed(ds[4], 5)
        yield* settle
        assert.deepStrictEqual([yield* tc, yield* td, yield* te], [3, 4, 5])
        assert.strictEqual(callbacks, 1)
        assert.strictEqual((yield* cancelledErrorOf(g)).cancelMessage, "b went away")
      })
  )

  it.effect(
    "GA-05 returnExceptions reports values, typed errors, CancelledErrors and Defects in argument order",
    () =>
      Effect.gen(function* () {
        const ds = [
          yield* Deferred.make<number, ZeroDiv>(),
          yield* Deferred.make<number, ZeroDiv>(),
          yield* Deferred.make<number, ZeroDiv>(),
          yield* Deferred.make<number, ZeroDiv>(),
          yield* Deferred.make<number, ZeroDiv>(),
          yield* Deferred.make<number, ZeroDiv>()
        ]
        const ts = [
          yield* asyncio.createTask(Deferred.await(ds[0])),
          yield* asyncio.createTask(Deferred.await(ds[1])),
          yield* asyncio.createTask(Deferred.await(ds[2])),
          yield* asyncio.createTask(Deferred.await(ds[3])),
          yield* asyncio.createTask(Deferred.await(ds[4])),
          yield* asyncio.createTask(Deferred.await(ds[5]))
        ]
        const g = yield* asyncio.createTask(asyncio.gather(...ts, { returnExceptions: true }))
        let callbacks = 0
        yield* g.addDoneCallback(() =>
          Effect.sync(() => {
            callbacks++
          })
        )
        yield* settle
        const zde = new ZeroDiv({ label: "zde" })
        const rte = new globalThis.Error("rte")
        yield* Deferred.succeed(ds[0], 1)
        yield* Deferred.fail(ds[1], zde)
        yield* ts[2].cancel("c-msg")
        yield* settle
        assert.isFalse(yield* g.done())
        yield* Deferred.succeed(ds[3], 3)
        yield* ts[4].cancel()
        yield* Deferred.die(ds[5], rte)
        yield* settle
        assert.strictEqual(callbacks, 1)
        const result = yield* g
        assert.strictEqual(result.length, 6)
        assert.strictEqual(result[0], 1)
        assert.strictEqual(result[1], zde)
        const c = result[2] as asyncio.CancelledError
        assert.strictEqual(c._tag, "CancelledError")
        // Python loses the message here (`args == ('',)`); ours keeps it (see the proposed semantics row)
        assert.strictEqual(c.cancelMessage, "c-msg")
        assert.strictEqual(c.message, "c-msg")
        assert.strictEqual(result[3], 3)
        const e = result[4] as asyncio.CancelledError
        assert.strictEqual(e._tag, "CancelledError")
        assert.strictEqual(e.cancelMessage, undefined)
        assert.strictEqual(e.reason.kind, "cancel")
        const f = result[5] as asyncio.Defect
        assert.strictEqual(f._tag, "Defect")
        assert.strictEqual(f.defect, rte)
        assert.strictEqual(f.message, "rte")
      })
  )

  it.effect(
    "GA-07 the same task passed several times runs once; the same effect passed several times runs each time",
    () =>
      Effect.gen(function* () {
        // Deviation (docs/semantics.md G3): Python schedules a coroutine object passed several times once. An effect
        // is a description that may be run any number of times, so each position runs it; a *task* is the
        // identity-carrying object, and the same task at several positions is one task.
        let runs = 0
        const c = Effect.sync(() => {
          runs++
          return "abc"
        })
        const d = Effect.succeed("def")
        const r: [string, string, string, string] = yield* asyncio.gather(c, c, d, c)
        assert.deepStrictEqual(r, ["abc", "abc", "def", "abc"])
        assert.strictEqual(runs, 3)

        // the same task twice is awaited, not run twice
        let taskRuns = 0
        const t = yield* asyncio.createTask(
          Effect.sync(() => {
            taskRuns++
            return 7
          })
        )
        assert.deepStrictEqual(yield* asyncio.gather(t, t, { returnExceptions: true }), [7, 7])
        assert.strictEqual(taskRuns, 1)

        // equal-looking but distinct effect objects are distinct awaitables
        const make = () =>
          Effect.sync(() => {
            runs++
            return "x"
          })
        assert.deepStrictEqual(yield* asyncio.gather(make(), make()), ["x", "x"])
        assert.strictEqual(runs, 5)
      })
  )

  // asyncio's fail-fast gather returns as soon as the *first* child has ended cancelled (here at t=1); ours
  // waits for every child's clean-up (t=2): finalizers always run (docs/semantics.md, decision 1).
  // Python also cancels the future the children were awaiting; a Deferred has no owner to cancel, so it stays
  // pending.
  it.effect(
    "GA-08 cancelling the task awaiting a gather cancels every child, forwards the message and waits for all finalizers",
    () =>
      Effect.gen(function* () {
        const { log, mark } = yield* timeline
        let proof = 0
        const program = Effect.gen(function* () {
          const waiter = yield* Deferred.make<void>()
          const child = (name: string, cleanup: number) =>
            Deferred.await(waiter).pipe(
              Effect.ensuring(Effect.andThen(asyncio.sleep(cleanup), mark(`${name} cleaned up`)))
            )
          const child1 = yield* asyncio.createTask(child("child1", 1))
          const child2 = yield* asyncio.createTask(child("child2", 2))
          const outer = yield* asyncio.createTask(
            Effect.gen(function* () {
              yield* asyncio.gather(child1, child2)
              proof += 100
            })
          )
          yield* asyncio.sleep(0)
          assert.isTrue(yield* outer.cancel("stop"))
          const exit = yield* Effect.exit(outer)
          yield* mark("outer done")
          return { exit, waiter, child1, child2, outer }
        })
        const { exit, elapsed } = yield* run(program)
        const r = yield* exit
        assert.strictEqual(elapsed, 2)
        assert.deepStrictEqual(log, ["1 child1 cleaned up", "2 child2 cleaned up", "2 outer done"])
        assert.isTrue(isInterrupted(r.exit))
        assert.strictEqual(proof, 0)
        assert.isTrue(yield* r.outer.cancelled())
        assert.strictEqual((yield* cancelledErrorOf(r.outer)).cancelMessage, "stop")
        for (const child of [r.child1, r.child2]) {
          assert.isTrue(yield* child.cancelled())
          const error = yield* cancelledErrorOf(child)
          // a forwarded cancellation keeps the root kind and message; `detail` says it came through a gather
          assert.strictEqual(error.reason.kind, "cancel")
          assert.match(error.reason.detail, /gather/)
          assert.strictEqual(
            error.cancelMessage,
            "stop",
            "the outer cancel message is forwarded to the children"
          )
        }
        assert.isFalse(yield* Deferred.isDone(r.waiter))
      })
  )

  it.effect(
    "GA-08 interrupting a plain fiber awaiting a gather cancels the gather's own children and waits for them",
    () =>
      Effect.gen(function* () {
        const { log, mark } = yield* timeline
        const started: Array<asyncio.Task<unknown, unknown>> = []
        const child = (name: string, cleanup: number) =>
          Effect.gen(function* () {
            started.push((yield* asyncio.currentTask)!)
            yield* asyncio.sleep(10)
            return name
          }).pipe(
            Effect.onInterrupt(() => Effect.andThen(asyncio.sleep(cleanup), mark(`${name} cleaned up`)))
          )
        const program = Effect.gen(function* () {
          const fiber = yield* Effect.forkChild(asyncio.gather(child("a", 0.5), child("b", 1.5)))
          yield* asyncio.sleep(1)
          yield* Fiber.interrupt(fiber)
          yield* mark("interrupt returned")
          return yield* Fiber.await(fiber)
        })
        const { exit, elapsed } = yield* run(program)
        assert.isTrue(isInterrupted(yield* exit))
        assert.strictEqual(elapsed, 2.5)
        assert.deepStrictEqual(log, ["1.5 a cleaned up", "2.5 b cleaned up", "2.5 interrupt returned"])
        assert.strictEqual(started.length, 2)
        for (const task of started) {
          const error = yield* cancelledErrorOf(task)
          assert.strictEqual(error.reason.kind, "gather")
          assert.strictEqual(error.cancelMessage, undefined)
        }
      })
  )

  // Python's gathering future refuses `cancel()` once all its children are done. We have no gathering future;
  // the observable part holds: the child completes, which completes the gather and the task awaiting it
  // synchronously, so a callback of the same future that then cancels that task finds it done.
  // CPython's test cancels the gather future itself, which refuses once its children are done. Here the gather is
  // awaited by a task, and the same program in Python (`g = create_task(wrapper())` where `wrapper` awaits
  // `gather(child())`; checked against CPython 3.11) prints `cancel -> True`, `g.cancelled() -> True`: the task is
  // cancelled when it resumes, the child is not (its result stays 42).
  it.effect(
    "GA-10 cancelling the task awaiting a gather whose children are all done cancels the task, not the children",
    () =>
      Effect.gen(function* () {
        const fut = yield* Deferred.make<number>()
        let child: asyncio.Task<unknown, unknown> | undefined
        const g = yield* asyncio.createTask(
          asyncio.gather(
            Effect.gen(function* () {
              child = yield* asyncio.currentTask
              return yield* Deferred.await(fut)
            })
          )
        )
        yield* settle
        let cancelResult: boolean | undefined
        yield* asyncio.createTask(
          Effect.gen(function* () {
            yield* Deferred.await(fut)
            cancelResult = yield* g.cancel()
          })
        )
        yield* settle
        yield* Deferred.succeed(fut, 42)
        yield* settle
        assert.strictEqual(cancelResult, true)
        assert.isTrue(yield* g.cancelled())
        assert.isFalse(yield* child!.cancelled())
        assert.strictEqual(yield* child!.result(), 42)
      })
  )

  const cancelThroughGather = (message: unknown) =>
    Effect.gen(function* () {
      const t0 = yield* now
      const children: Array<asyncio.Task<unknown, unknown>> = []
      const child = Effect.gen(function* () {
        children.push((yield* asyncio.currentTask)!)
        yield* asyncio.sleep(0.05)
      })
      const q = yield* asyncio.createTask(
        Effect.gen(function* () {
          const start = yield* now
          while ((yield* now) - start < 1) yield* asyncio.gather(child, { returnExceptions: true })
        })
      )
      // 0.225 rather than Python's 0.2 so the cancel does not tie with a child's wake-up on the virtual clock
      yield* asyncio.sleep(0.225)
      yield* q.cancel(message)
      const exit = yield* Effect.exit(q)
      return { exit, q, children, at: Math.round(((yield* now) - t0) * 1e6) / 1e6 }
    })

  it.effect("GA-11 cancellation propagates through a returnExceptions gather with its message", () =>
    Effect.gen(function* () {
      for (const message of [undefined, "my message", 5]) {
        const { exit } = yield* run(cancelThroughGather(message))
        const r = yield* exit
        assert.strictEqual(r.at, 0.225)
        assert.isTrue(isInterrupted(r.exit), "the task awaiting the gather is cancelled, not given a list")
        const error = yield* cancelledErrorOf(r.q)
        assert.strictEqual(error._tag, "CancelledError")
        assert.strictEqual(error.cancelMessage, message)
        if (message !== undefined) assert.strictEqual(error.message, String(message))
        assert.strictEqual(r.children.length, 5)
        const last = yield* cancelledErrorOf(r.children[4])
        // a forwarded cancellation keeps the root kind and message; `detail` says it came through a gather
        assert.strictEqual(last.reason.kind, "cancel")
        assert.match(last.reason.detail, /gather/)
        assert.strictEqual(last.cancelMessage, message)
      }
    })
  )

  // Python treats `cancel(None)` exactly as `cancel()` (`args == ()`); `null` is TypeScript's `None`, and the
  // library already reads `timeout: null` as Python's `None`.
  it.effect("GA-11 cancel(null) is cancel(): no cancel message travels", () =>
    Effect.gen(function* () {
      const { exit } = yield* run(cancelThroughGather(null))
      const r = yield* exit
      const error = yield* cancelledErrorOf(r.q)
      assert.strictEqual(error.cancelMessage, undefined)
      assert.notStrictEqual(error.message, "null")
    })
  )

  it.effect("GA-13 a failing child does not cancel its siblings", () =>
    Effect.gen(function* () {
      const { log, mark } = yield* timeline
      const program = Effect.gen(function* () {
        const s = yield* asyncio.createTask(
          Effect.andThen(asyncio.sleep(0.05), Effect.as(mark("S finished"), 1 as const))
        )
        const b = yield* asyncio.createTask(
          Effect.andThen(asyncio.sleep(0.01), Effect.fail(new BadValue({ label: "B" })))
        )
        const exit = yield* Effect.exit(asyncio.gather(s, b))
        yield* mark("gather failed")
        const sDone = yield* s.done()
        const value = yield* s
        return { exit, sDone, value, sCancelled: yield* s.cancelled() }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.strictEqual(failureOf(r.exit)?._tag, "BadValue")
      assert.isFalse(r.sDone)
      assert.strictEqual(r.value, 1)
      assert.isFalse(r.sCancelled)
      assert.strictEqual(elapsed, 0.05)
      assert.deepStrictEqual(log, ["0.01 gather failed", "0.05 S finished"])
    })
  )

  it.effect(
    "GA-13 the siblings of a failed gather keep running under their owner, with and without a loop scope",
    () =>
      Effect.gen(function* () {
        for (const inLoop of [false, true]) {
          const { log, mark } = yield* timeline
          const main = Effect.gen(function* () {
            const exit = yield* Effect.exit(
              asyncio.gather(
                Effect.andThen(asyncio.sleep(0.05), mark("sibling finished")),
                Effect.andThen(asyncio.sleep(0.01), Effect.fail(new BadValue({ label: "B" })))
              )
            )
            yield* mark("gather failed")
            yield* asyncio.sleep(0.1)
            return exit
          })
          const { exit, elapsed } = yield* run(inLoop ? asyncio.Loop.scoped(main) : main)
          assert.strictEqual(failureOf(yield* exit)?._tag, "BadValue")
          assert.strictEqual(elapsed, 0.11)
          assert.deepStrictEqual(log, ["0.01 gather failed", "0.05 sibling finished"], `inLoop=${inLoop}`)
        }
      })
  )

  it.effect(
    "GA-13 a sibling left running by a failed gather ends with its owner: the calling fiber, or the loop scope",
    () =>
      Effect.gen(function* () {
        for (const inLoop of [false, true]) {
          const { log, mark } = yield* timeline
          const sibling: Array<asyncio.Task<unknown, unknown>> = []
          const main = Effect.gen(function* () {
            const exit = yield* Effect.exit(
              asyncio.gather(
                Effect.gen(function* () {
                  sibling.push((yield* asyncio.currentTask)!)
                  yield* asyncio.sleep(5)
                }).pipe(Effect.onInterrupt(() => mark("sibling cancelled"))),
                Effect.andThen(asyncio.sleep(0.01), Effect.fail(new BadValue({ label: "B" })))
              )
            )
            yield* mark("main returns")
            return exit
          })
          // without a loop scope the owner is the fiber that ran the gather (runVirtual's fiber for `main`)
          const { exit, elapsed } = yield* run(inLoop ? asyncio.Loop.scoped(main) : main)
          assert.strictEqual(failureOf(yield* exit)?._tag, "BadValue")
          assert.strictEqual(elapsed, 0.01)
          assert.deepStrictEqual(log, ["0.01 main returns", "0.01 sibling cancelled"], `inLoop=${inLoop}`)
          const error = yield* cancelledErrorOf(sibling[0])
          assert.strictEqual(error.reason.kind, inLoop ? "shutdown" : "interrupt")
        }
      })
  )

  it.effect(
    "GA-14 a child cancelled by someone else fails the gather with a cancellation; returnExceptions reports it",
    () =>
      Effect.gen(function* () {
        const program = (returnExceptions: boolean) =>
          Effect.gen(function* () {
            const start = yield* now
            const t1 = yield* asyncio.createTask(asyncio.sleep(1, "slow"))
            const t2 = yield* asyncio.createTask(asyncio.sleep(0.1, 5))
            const g = yield* asyncio.createTask(asyncio.gather(t1, t2, { returnExceptions }))
            yield* asyncio.sleep(0)
            yield* t1.cancel("t1 cancelled")
            const exit = yield* Effect.exit(g)
            const at = (yield* now) - start
            const t2Done = yield* t2.done()
            return { exit, at, g, t2Done, t2: yield* Effect.exit(t2) }
          })

        const failFast = yield* yield* Effect.map(run(program(false)), (r) => r.exit)
        assert.strictEqual(failFast.at, 0)
        assert.isTrue(isInterrupted(failFast.exit))
        assert.isTrue(yield* failFast.g.cancelled())
        assert.strictEqual((yield* cancelledErrorOf(failFast.g)).cancelMessage, "t1 cancelled")
        assert.isFalse(failFast.t2Done, "the sibling is still running when the gather fails")
        assert.deepStrictEqual(failFast.t2, Exit.succeed(5), "the sibling was not cancelled")

        const settled = yield* yield* Effect.map(run(program(true)), (r) => r.exit)
        assert.strictEqual(settled.at, 0.1)
        assert.isTrue(settled.exit._tag === "Success")
        const list = settled.exit._tag === "Success" ? settled.exit.value : []
        assert.strictEqual(list.length, 2)
        assert.strictEqual((list[0] as asyncio.CancelledError)._tag, "CancelledError")
        assert.strictEqual((list[0] as asyncio.CancelledError).cancelMessage, "t1 cancelled")
        assert.strictEqual(list[1], 5)
      })
  )

  it.effect(
    "GA-14 a plain fiber awaiting the gather sees the child's cancellation but is not itself cancelled",
    () =>
      Effect.gen(function* () {
        const t1 = yield* asyncio.createTask(asyncio.sleep(1))
        const t2 = yield* asyncio.createTask(Effect.succeed(5))
        const awaiting = yield* Effect.forkChild(
          Effect.gen(function* () {
            const exit = yield* Effect.exit(asyncio.gather(t1, t2))
            return { gatherCancelled: isInterrupted(exit), after: "went on" }
          })
        )
        yield* settle
        yield* t1.cancel()
        yield* settle
        assert.deepStrictEqual(yield* Fiber.join(awaiting), { gatherCancelled: true, after: "went on" })
      })
  )

  // Python children may catch CancelledError and return a value; ours cannot swallow an interruption
  // (docs/semantics.md C1). The observable part for the gather's awaiter is the same: it raises CancelledError.
  // What differs is the children: they end cancelled, not with the value their handler tried to return.
  it.effect("GA-16 children cannot swallow the cancellation forwarded by a cancelled gather", () =>
    Effect.gen(function* () {
      const { log, mark } = yield* timeline
      const swallowing = (v: string) =>
        asyncio.sleep(1, "normal").pipe(
          Effect.catchCause(() => Effect.as(mark(`${v} tried to swallow`), v)),
          Effect.onInterrupt(() => mark(`${v} finalizer`))
        )
      const program = Effect.gen(function* () {
        const x = yield* asyncio.createTask(swallowing("X"))
        const y = yield* asyncio.createTask(swallowing("Y"))
        const g = yield* asyncio.createTask(asyncio.gather(x, y))
        yield* asyncio.sleep(0)
        assert.isTrue(yield* g.cancel())
        const exit = yield* Effect.exit(g)
        return { exit, g, x, y }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.strictEqual(elapsed, 0)
      assert.isTrue(isInterrupted(r.exit))
      assert.isTrue(yield* r.g.cancelled())
      assert.isTrue(yield* r.x.cancelled())
      assert.isTrue(yield* r.y.cancelled())
      assert.deepStrictEqual(log, ["0 X finalizer", "0 Y finalizer"])
    })
  )

  it.effect(
    "GA-17 cancelling the task awaiting a returnExceptions gather cancels the children; done tasks refuse cancel()",
    () =>
      Effect.gen(function* () {
        const program = Effect.gen(function* () {
          const t1 = yield* asyncio.createTask(asyncio.sleep(1))
          const t2 = yield* asyncio.createTask(asyncio.sleep(1))
          const g = yield* asyncio.createTask(asyncio.gather(t1, t2, { returnExceptions: true }))
          yield* asyncio.sleep(0)
          const first = yield* g.cancel()
          const exit = yield* Effect.exit(g)
          const again = yield* g.cancel()
          return { first, again, exit, g, t1, t2 }
        })
        const { exit, elapsed } = yield* run(program)
        const r = yield* exit
        assert.strictEqual(elapsed, 0)
        assert.isTrue(r.first)
        assert.isTrue(
          isInterrupted(r.exit),
          "awaiting it raises CancelledError, not a list of CancelledErrors"
        )
        assert.isTrue(yield* r.g.cancelled())
        assert.isTrue(yield* r.t1.cancelled())
        assert.isTrue(yield* r.t2.cancelled())
        // a forwarded cancellation keeps the root kind and message; `detail` says it came through a gather
        assert.strictEqual((yield* cancelledErrorOf(r.t1)).reason.kind, "cancel")
        assert.match((yield* cancelledErrorOf(r.t1)).reason.detail, /gather/)
        assert.isFalse(r.again)
      })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Semantics beyond the listed cases: asyncio's documentation,
  // https://docs.python.org/3/library/asyncio-task.html#asyncio.gather
  // ---------------------------------------------------------------------------------------------------------

  it.effect("gather's result and error types are precise tuples and unions", () =>
    Effect.gen(function* () {
      const num: Effect.Effect<number, Boom> = Effect.succeed(1)
      const str: Effect.Effect<string, ZeroDiv> = Effect.succeed("s")
      const task: asyncio.Task<boolean, BadValue> = yield* asyncio.createTask(Effect.succeed(true))

      const r: [number, string, boolean] = yield* asyncio.gather(num, str, task)
      assert.deepStrictEqual(r, [1, "s", true])

      const typed: Effect.Effect<[number, string], Boom | ZeroDiv> = asyncio.gather(num, str)
      // @ts-expect-error the tuple is precise: the first element is a number, not a string
      const wrongValue: Effect.Effect<[string, string], Boom | ZeroDiv> = asyncio.gather(num, str)
      // @effect-diagnostics missingEffectError:off
      // @ts-expect-error the error channel is the union of the children's errors, not `never`
      const wrongError: Effect.Effect<[number, string], never> = asyncio.gather(num, str)
      // @effect-diagnostics missingEffectError:error

      const settled: Effect.Effect<
        [
          number | Boom | asyncio.Defect | asyncio.CancelledError,
          string | ZeroDiv | asyncio.Defect | asyncio.CancelledError
        ],
        never
      > = asyncio.gather(num, str, { returnExceptions: true })
      const failFast: Effect.Effect<[number, string], Boom | ZeroDiv> = asyncio.gather(num, str, {
        returnExceptions: false
      })
      const empty: Effect.Effect<[], never> = asyncio.gather()
      assert.deepStrictEqual(yield* typed, [1, "s"])
      assert.deepStrictEqual(yield* settled, [1, "s"])
      assert.deepStrictEqual(yield* failFast, [1, "s"])
      assert.deepStrictEqual(yield* empty, [])
      void wrongValue
      void wrongError
    })
  )

  it.effect("gather fails with the first failure in completion order, with its exact typed error", () =>
    Effect.gen(function* () {
      const program = asyncio.gather(
        Effect.andThen(asyncio.sleep(0.2), Effect.fail(new Boom({ label: "late" }))),
        Effect.andThen(asyncio.sleep(0.1), Effect.fail(new ZeroDiv({ label: "early" }))),
        asyncio.sleep(0.3, "ok")
      )
      const { exit, elapsed } = yield* run(program)
      const error = failureOf(exit)
      assert.strictEqual(elapsed, 0.1)
      assert.strictEqual(error?._tag, "ZeroDiv")
      assert.strictEqual(error?.label, "early")
    })
  )

  it.effect("gather dies with a child's defect as it is (fail-fast)", () =>
    Effect.gen(function* () {
      const bug = new globalThis.Error("bug")
      const exit = yield* Effect.exit(asyncio.gather(Effect.die(bug), asyncio.sleep(1)))
      assert.strictEqual(defectOf(exit), bug)
    })
  )

  it.effect(
    "returnExceptions reports a typed error as itself, a defect as a Defect and a cancellation as a CancelledError",
    () =>
      Effect.gen(function* () {
        const boom = new Boom({ label: "typed" })
        const bug = new globalThis.Error("bug")
        const cancelled = yield* asyncio.createTask(asyncio.sleep(10))
        yield* settle
        yield* cancelled.cancel({ why: "no longer needed" })
        const r = yield* asyncio.gather(Effect.fail(boom), Effect.die(bug), cancelled, Effect.succeed(1), {
          returnExceptions: true
        })
        assert.strictEqual(r[0], boom)
        const defect = r[1] as asyncio.Defect
        assert.strictEqual(defect._tag, "Defect")
        assert.strictEqual(defect.defect, bug)
        const error = r[2] as asyncio.CancelledError
        assert.strictEqual(error._tag, "CancelledError")
        assert.deepStrictEqual(error.cancelMessage, { why: "no longer needed" })
        assert.strictEqual(error.reason.kind, "cancel")
        assert.strictEqual(r[3], 1)
      })
  )

  it.effect("gather() with no awaitables succeeds at once with an empty list", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* asyncio.gather(), [])
      assert.deepStrictEqual(yield* asyncio.gather({ returnExceptions: true }), [])
    })
  )

  // asyncio's gather adds its done callback to each child, and on a done child that goes through `call_soon` too:
  // the gather always suspends (checked against CPython 3.11: "other task ran" first).
  it.effect("gather of tasks that are all done still suspends: other ready tasks run first", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const a = yield* asyncio.createTask(Effect.succeed("a"))
      const b = yield* asyncio.createTask(Effect.succeed("b"))
      yield* settle
      yield* asyncio.createTask(
        Effect.sync(() => {
          log.push("other task ran")
        })
      )
      const r = yield* asyncio.gather(a, b)
      log.push(`gather returned ${r.join(",")}`)
      yield* settle
      assert.deepStrictEqual(log, ["other task ran", "gather returned a,b"])
    })
  )

  // Python wraps coroutines in tasks when `gather()` is *called*; ours when the gather effect *runs* — an
  // Effect is a description, and building one must not start work (proposed semantics row).
  it.effect("gather starts its children when the gather effect runs, not when gather() is called", () =>
    Effect.gen(function* () {
      let ran = 0
      const child = Effect.sync(() => {
        ran++
      })
      const g = asyncio.gather(child, child)
      yield* settle
      assert.strictEqual(ran, 0)
      yield* g
      yield* g
      assert.strictEqual(ran, 4, "each run of the gather effect runs its children again")
    })
  )

  it.effect(
    "gather's children are tasks that start in argument order and report themselves as currentTask",
    () =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        const child = (label: string) =>
          Effect.gen(function* () {
            const me = yield* asyncio.currentTask
            seen.push(`${label}:${me === undefined ? "none" : asyncio.isTask(me)}`)
            return label
          })
        assert.deepStrictEqual(yield* asyncio.gather(child("a"), child("b"), child("c")), ["a", "b", "c"])
        assert.deepStrictEqual(seen, ["a:true", "b:true", "c:true"])
      })
  )

  it.effect("bad input is a defect carrying TypeError", () =>
    Effect.gen(function* () {
      // @ts-expect-error a number is not an awaitable
      const notEffect = yield* misuse(asyncio.gather(123))
      assert.strictEqual(defectTag(notEffect), "TypeError")
      // @ts-expect-error a promise is not an Effect
      const promise = yield* misuse(asyncio.gather(Promise.resolve(1), Effect.succeed(2)))
      assert.strictEqual(defectTag(promise), "TypeError")
      // @ts-expect-error a string is not an awaitable either
      const str = yield* misuse(asyncio.gather(Effect.succeed(1), "x", Effect.succeed(2)))
      assert.strictEqual(defectTag(str), "TypeError")
      assert.match(String((defectOf(str) as asyncio.TypeError).message), /gather/)
    })
  )

  // Only a plain options object may stand last; a Promise, a Date, a class instance there is a misplaced
  // awaitable, which Python reports as TypeError — it must not be taken for an options bag and dropped.
  it.effect("a non-effect object in the last position is a TypeError, not mistaken for options", () =>
    Effect.gen(function* () {
      // @ts-expect-error a promise is not an Effect
      const promise = yield* misuse(asyncio.gather(Effect.succeed(1), Promise.resolve(2)))
      assert.strictEqual(defectTag(promise), "TypeError")
      // @ts-expect-error a Date is neither an effect nor options
      const date = yield* misuse(asyncio.gather(Effect.succeed(1), new Date(0)))
      assert.strictEqual(defectTag(date), "TypeError")
    })
  )

  it.effect("a misused gather starts none of its children", () =>
    Effect.gen(function* () {
      let ran = 0
      const child = Effect.sync(() => {
        ran++
      })
      // @ts-expect-error the second argument is not an effect
      const exit = yield* misuse(asyncio.gather(child, 42))
      yield* settle
      assert.strictEqual(defectTag(exit), "TypeError")
      assert.strictEqual(ran, 0)
    })
  )
})

// ---------------------------------------------------------------------------------------------------------
// When gather's children start (issue 12, the differential harness's `gather-starts-at-once`): each test is a
// program of test/fixtures/gather_starts.py, and asserts the order CPython 3.11 prints for it
// (`python3 packages/core/test/fixtures/gather_starts.py`). asyncio's gather wraps each coroutine in a task whose
// first step is scheduled (`call_soon`), in argument order, behind what is already ready.
// ---------------------------------------------------------------------------------------------------------

describe("when gather's children start", () => {
  /** Runs `program` in a loop scope on virtual time (it must not wait on the clock); returns its log. */
  const transcript = <E>(
    program: (log: (line: string) => void) => Effect.Effect<unknown, E>,
    scoped: (main: Effect.Effect<unknown, E>) => Effect.Effect<unknown, E> = asyncio.Loop.scoped
  ) =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const { exit, elapsed } = yield* runVirtual(scoped(program((line) => lines.push(line))))
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      assert.strictEqual(elapsed, 0)
      return lines.join(" | ")
    })

  /** `job(name, steps)` of gather_starts.py: logs its start, takes `steps - 1` more steps (sleep(0)), its end. */
  const job =
    (log: (line: string) => void) =>
    (name: string, steps = 1): Effect.Effect<string> =>
      Effect.gen(function* () {
        log(`${name} start`)
        for (let i = 1; i < steps; i++) {
          yield* asyncio.sleep(0)
          log(`${name} step`)
        }
        log(`${name} end`)
        return name
      })

  const earlierTask = "r start | r end | c1 start | c1 end | c2 start | c2 end | gather -> c1,c2"

  it.effect("a task created before the gather, not yet started, starts before the gather's children", () =>
    Effect.gen(function* () {
      const program = (log: (line: string) => void) =>
        Effect.gen(function* () {
          const r = yield* asyncio.createTask(job(log)("r"))
          log(`gather -> ${yield* asyncio.gather(job(log)("c1"), job(log)("c2"))}`)
          yield* r
        })
      // gather_starts.py: earlier_task (the harness's seed 10)
      assert.strictEqual(yield* transcript(program), earlierTask)
      // The same while an observer is installed (debug mode): the children are created one effect each.
      assert.strictEqual(
        yield* transcript(program, (main) => Debug.debug(asyncio.Loop.scoped(main), { onWarning: () => {} })),
        earlierTask
      )
    })
  )

  it.effect(
    "every child takes its first step before any takes its second, after the earlier task's first",
    () =>
      Effect.gen(function* () {
        const printed = yield* transcript((log) =>
          Effect.gen(function* () {
            const t = yield* asyncio.createTask(job(log)("t", 2))
            log(`gather -> ${yield* asyncio.gather(job(log)("a", 2), job(log)("b", 2))}`)
            yield* t
          })
        )
        // gather_starts.py: interleaved
        assert.strictEqual(
          printed,
          "t start | a start | b start | t step | t end | a step | a end | b step | b end | gather -> a,b"
        )
      })
  )

  it.effect("inside a timeout() body, an earlier task still starts before the gather's children", () =>
    Effect.gen(function* () {
      const printed = yield* transcript((log) =>
        Effect.gen(function* () {
          const r = yield* asyncio.createTask(job(log)("r"))
          yield* asyncio.timeout(5, () =>
            Effect.gen(function* () {
              log(`gather -> ${yield* asyncio.gather(job(log)("c1"), job(log)("c2"))}`)
            })
          )
          yield* r
        })
      )
      // gather_starts.py: in_timeout
      assert.strictEqual(printed, earlierTask)
    })
  )

  it.effect("inside a TaskGroup body, the group's earlier task starts before the gather's children", () =>
    Effect.gen(function* () {
      const printed = yield* transcript((log) =>
        asyncio.TaskGroup.run((tg) =>
          Effect.gen(function* () {
            yield* tg.createTask(job(log)("g"))
            log(`gather -> ${yield* asyncio.gather(job(log)("c1"), job(log)("c2"))}`)
          })
        )
      )
      // gather_starts.py: in_task_group
      assert.strictEqual(printed, "g start | g end | c1 start | c1 end | c2 start | c2 end | gather -> c1,c2")
    })
  )

  it.effect("a gather cancelled before its children's first step: they never start", () =>
    Effect.gen(function* () {
      const printed = yield* transcript((log) =>
        Effect.gen(function* () {
          let started = false
          const child = (name: string) =>
            job((line) => {
              started = true
              log(line)
            })(name)
          const gatherer = yield* asyncio.createTask(
            asyncio
              .gather(child("c1"), child("c2"))
              .pipe(Effect.onInterrupt(() => Effect.sync(() => log("gatherer cancelled"))))
          )
          yield* asyncio.sleep(0)
          yield* gatherer.cancel()
          yield* Effect.exit(gatherer)
          log(`c1, c2 never started: ${started ? "False" : "True"}`)
        })
      )
      // gather_starts.py: cancelled_before_start
      assert.strictEqual(printed, "gatherer cancelled | c1, c2 never started: True")
    })
  )

  // Row G3b's difference: a gather of more than a quarter of the scheduler's step budget creates its children in
  // batches (so that a million `sleep(0)` children are not all held at once), and a batch's children take their next
  // step before the next batch's first. CPython (gather_starts.py: batches) prints every first step first:
  // "0 start | 1 start | 2 start | 3 start | 0 step | 0 end | 1 step | 1 end | …" — as here with one batch.
  it.effect(
    "beyond a quarter of the step budget, a batch's children take their next step before the next batch starts",
    () =>
      Effect.gen(function* () {
        const gatherOf4 = (log: (line: string) => void) =>
          asyncio.gather(...["0", "1", "2", "3"].map((name) => job(log)(name, 2)))
        const atBudget = (budget: number) =>
          transcript(gatherOf4, (main) =>
            asyncio.Loop.scoped(main).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, budget))
          )
        assert.strictEqual(
          yield* atBudget(2048),
          "0 start | 1 start | 2 start | 3 start | 0 step | 0 end | 1 step | 1 end | 2 step | 2 end | 3 step | 3 end"
        )
        // Batches of 2.
        assert.strictEqual(
          yield* atBudget(8),
          "0 start | 1 start | 0 step | 0 end | 1 step | 1 end | 2 start | 3 start | 2 step | 2 end | 3 step | 3 end"
        )
      })
  )

  // asyncio creates a gather's children in one step, so a cancellation cannot fall between two of them; ours
  // creates a large gather in batches, yielding in between, and a cancellation arriving there must still reach
  // every child created (the batches' fibers exist before the gather waits on them).
  it.effect("a gather cancelled while it is creating its children in batches cancels every child", () =>
    Effect.gen(function* () {
      let done = 0
      const child = Effect.andThen(
        asyncio.sleep(1),
        Effect.sync(() => {
          done++
        })
      )
      const { exit } = yield* run(
        asyncio.Loop.scoped(
          Effect.gen(function* () {
            const g = yield* asyncio.createTask(
              asyncio.gather(...Array.from({ length: 2000 }, () => child)),
              {
                name: "g"
              }
            )
            // runs in the turn after g's first step: g is between two batches then
            yield* asyncio.createTask(g.cancel("stop"), { name: "canceller" })
            yield* asyncio.sleep(2)
            const left = Array.from(yield* asyncio.allTasks).map((task) => task.name)
            return { cancelled: yield* g.cancelled(), left }
          })
        )
      )
      const { cancelled, left } = yield* exit
      assert.isTrue(cancelled)
      assert.strictEqual(done, 0, "no child of the cancelled gather ran on")
      assert.strictEqual(left.length, 1, `only main is left at 2 s, not ${left.join(", ")}`)
    }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, 2048))
  )

  // With no loop scope the children are the calling fiber's (forked with forkChild); a fiber forked before the
  // gather and not yet started stands for the earlier task: the same order as earlier_task in CPython.
  it.effect("with no loop scope, a fiber forked before the gather starts before the gather's children", () =>
    Effect.gen(function* () {
      const printed = yield* transcript(
        (log) =>
          Effect.gen(function* () {
            const r = yield* Effect.forkChild(job(log)("r"))
            log(`gather -> ${yield* asyncio.gather(job(log)("c1"), job(log)("c2"))}`)
            yield* Fiber.join(r)
          }),
        (main) => main
      )
      // gather_starts.py: earlier_task
      assert.strictEqual(printed, earlierTask)
    })
  )
})

describe("gatherAll", () => {
  it.effect("takes an iterable, keeps argument order, and handles more inputs than a call can spread", () =>
    Effect.gen(function* () {
      const n = 200_000
      const effects = Array.from({ length: n }, (_, i) => Effect.succeed(i))
      const results: Array<number> = yield* asyncio.gatherAll(effects)
      assert.strictEqual(results.length, n)
      assert.strictEqual(results[0], 0)
      assert.strictEqual(results[n - 1], n - 1)
      const settled = yield* asyncio.gatherAll([Effect.succeed(1), Effect.fail("boom" as const)], {
        returnExceptions: true
      })
      assert.deepStrictEqual(settled, [1, "boom"])
      const notIterable = yield* Effect.exit(asyncio.gatherAll(5 as unknown as Array<Effect.Effect<number>>))
      assert.isTrue(notIterable._tag === "Failure" && notIterable.cause.reasons[0]._tag === "Die")
    })
  )

  // A loop scope's gather creates its children in batches, one step each, yielding between batches (issue 16).
  it.effect(
    "a large gather in a loop scope: children start in argument order, results in order, by batch or not",
    () =>
      Effect.gen(function* () {
        const n = 2000
        for (const budget of [2048, 8, 1]) {
          for (const prevent of [false, true]) {
            for (const yields of [false, true]) {
              const started: Array<number> = []
              const children = Array.from({ length: n }, (_, i) =>
                Effect.suspend(() => {
                  started.push(i)
                  return yields ? asyncio.sleep(0, i) : Effect.succeed(i)
                })
              )
              const main = Effect.gen(function* () {
                const results = yield* asyncio.gather(...children)
                // the loop scope holds none of them any more
                return { results, live: (yield* asyncio.allTasks).size }
              })
              // Run directly: under a tiny budget the scheduler turns outnumber what runVirtual lets pass.
              const exit = yield* Effect.exit(
                asyncio.Loop.scoped(main).pipe(
                  Effect.provideService(Scheduler.MaxOpsBeforeYield, budget),
                  Effect.provideService(Scheduler.PreventSchedulerYield, prevent)
                )
              )
              const label = `budget ${budget}, prevent ${prevent}, yields ${yields}`
              assert.deepStrictEqual(
                exit,
                Exit.succeed({ results: Array.from({ length: n }, (_, i) => i), live: 1 }),
                label
              )
              assert.deepStrictEqual(
                started,
                Array.from({ length: n }, (_, i) => i),
                label
              )
            }
          }
        }
      })
  )
})
