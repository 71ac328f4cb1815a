import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { cancelledErrorOf, defectTag, isInterrupted, misuse } from "./utils/exits.ts"
import { primeTestClock } from "./utils/testClock.ts"
import { now, runVirtual, settle } from "./utils/virtual.ts"

class ZeroDiv extends Data.TaggedError("ZeroDiv")<{ readonly label: string }> {}

/** `runVirtual` after priming the TestClock (see utils/testClock.ts). */
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.andThen(primeTestClock, runVirtual(effect))

/** Virtual seconds since `t0`, rounded to the microsecond. */
const since = (t0: number) => Effect.map(now, (t) => Math.round((t - t0) * 1e6) / 1e6)

const crasher = (delay: number, label: string) =>
  Effect.andThen(asyncio.sleep(delay), Effect.fail(new ZeroDiv({ label })))

/** The names of the tasks in a set, sorted, for readable assertions. */
const names = (tasks: ReadonlySet<asyncio.Task<unknown, unknown>>): Array<string> =>
  Array.from(tasks, (t) => t.name).sort()

describe("wait", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("WT-01 ALL_COMPLETED waits for every task; waiting again on finished tasks returns at once", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const t0 = yield* now
        const a = yield* asyncio.createTask(asyncio.sleep(0.1), { name: "a" })
        const b = yield* asyncio.createTask(asyncio.sleep(0.15), { name: "b" })
        const first = yield* asyncio.wait([b, a])
        const firstAt = yield* since(t0)
        const again = yield* asyncio.wait([b, a])
        return { first, firstAt, again, againAt: yield* since(t0), a, b }
      })
      const r = yield* (yield* run(program)).exit
      assert.deepStrictEqual(names(r.first.done), ["a", "b"])
      assert.strictEqual(r.first.pending.size, 0)
      assert.isTrue(
        r.first.done.has(r.a) && r.first.done.has(r.b),
        "the sets hold the task objects themselves"
      )
      assert.strictEqual(r.firstAt, 0.15)
      assert.deepStrictEqual(names(r.again.done), ["a", "b"])
      assert.strictEqual(r.again.pending.size, 0)
      assert.strictEqual(r.againAt, 0.15)
    })
  )

  it.effect("WT-02 duplicates collapse", () =>
    Effect.gen(function* () {
      const c = yield* asyncio.createTask(Effect.succeed("test"))
      const spam = yield* asyncio.createTask(Effect.succeed("spam"))
      const { done, pending } = yield* asyncio.wait([c, c, spam])
      assert.strictEqual(pending.size, 0)
      assert.strictEqual(done.size, 2)
      const results: Array<string> = []
      for (const t of done) results.push(yield* t)
      assert.sameMembers(results, ["test", "spam"])
    })
  )

  it.effect("WT-04 FIRST_COMPLETED returns at the first completion and leaves the rest running", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const t0 = yield* now
        const a = yield* asyncio.createTask(asyncio.sleep(10, "a"), { name: "a" })
        const b = yield* asyncio.createTask(asyncio.sleep(0.1, "b"), { name: "b" })
        const { done, pending } = yield* asyncio.wait([b, a], { returnWhen: asyncio.FIRST_COMPLETED })
        const at = yield* since(t0)
        const aDone = yield* a.done()
        const aValue = yield* a
        return { done, pending, at, aDone, aValue, aCancelled: yield* a.cancelled(), end: yield* since(t0) }
      })
      const r = yield* (yield* run(program)).exit
      assert.deepStrictEqual(names(r.done), ["b"])
      assert.deepStrictEqual(names(r.pending), ["a"])
      assert.strictEqual(r.at, 0.1)
      assert.isFalse(r.aDone)
      assert.strictEqual(r.aValue, "a", "a was not cancelled and finishes on its own")
      assert.isFalse(r.aCancelled)
      assert.strictEqual(r.end, 10)
    })
  )

  // [tick] re-baselined. asyncio resumes the waiter through `call_soon`, one loop iteration after `a` finishes;
  // in that iteration `b` (which needs one more) finishes too, so Python reports done = {a, b}. Effect resumes a
  // fiber suspended in `Effect.callback` synchronously, inside the turn of the fiber that completes it
  // (docs/semantics.md T1), so `wait` partitions while `b` still has one turn to go: done = {a}, pending = {b}.
  // What holds in both: the partition is taken when the waiter resumes, and FIRST_COMPLETED may report more than
  // one done task (next test).
  it.effect(
    "WT-05 FIRST_COMPLETED partitions when the waiter resumes, two turns after the first completion: done = {a, b}",
    () =>
      // As CPython 3.11 prints (checked): `_on_completion` runs a turn after a ends, the caller a turn after that,
      // by when b has finished too.
      Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(0), { name: "a" })
        const b = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0), asyncio.sleep(0)), { name: "b" })
        const { done, pending } = yield* asyncio.wait([b, a], { returnWhen: asyncio.FIRST_COMPLETED })
        assert.deepStrictEqual(names(done), ["a", "b"])
        assert.strictEqual(pending.size, 0)
        assert.isUndefined(yield* a)
        assert.isUndefined(yield* b)
      })
  )

  it.effect("WT-05 FIRST_COMPLETED reports every task that is done when the waiter resumes", () =>
    Effect.gen(function* () {
      const a = yield* asyncio.createTask(Effect.void, { name: "a" })
      const b = yield* asyncio.createTask(Effect.void, { name: "b" })
      const c = yield* asyncio.createTask(asyncio.sleep(0), { name: "c" })
      yield* settle
      const { done, pending } = yield* asyncio.wait([c, b, a], { returnWhen: asyncio.FIRST_COMPLETED })
      assert.deepStrictEqual(names(done), ["a", "b", "c"])
      assert.strictEqual(pending.size, 0)
    })
  )

  it.effect("WT-07 FIRST_EXCEPTION returns at the first failure", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(10), { name: "a" })
        const b = yield* asyncio.createTask(crasher(0.01, "b"), { name: "b" })
        return yield* asyncio.wait([b, a], { returnWhen: asyncio.FIRST_EXCEPTION })
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.deepStrictEqual(names(r.done), ["b"])
      assert.deepStrictEqual(names(r.pending), ["a"])
      assert.strictEqual(elapsed, 0.01)
    })
  )

  it.effect("WT-08 wait never raises a task's error", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(0.1), { name: "a" })
        const b = yield* asyncio.createTask(crasher(0.15, "b"), { name: "b" })
        return yield* asyncio.wait([b, a])
      })
      const { exit, elapsed } = yield* run(program)
      assert.strictEqual(exit._tag, "Success")
      const r = yield* exit
      assert.strictEqual(r.done.size, 2)
      assert.strictEqual(r.pending.size, 0)
      const errors: Array<string> = []
      for (const t of r.done) {
        const error = yield* t.exception()
        if (error !== undefined) errors.push(`${t.name}: ${error._tag}`)
      }
      assert.deepStrictEqual(errors, ["b: ZeroDiv"])
      assert.strictEqual(elapsed, 0.15)
    })
  )

  // As in CPython's test, the tasks have started (and registered their timers) before `wait` registers its
  // timeout, so at t=0.1 `a`'s wake-up comes first and `a` is done when the partition is taken. (Calling `wait` in
  // the same turn as `createTask` registers the timeout first; then it wins the tie and done = {} — in asyncio too,
  // whose timer heap pops equal deadlines in registration order.)
  it.effect("WT-10 a timeout returns what is done and leaves the rest pending, without raising", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(0.1), { name: "a" })
        const b = yield* asyncio.createTask(asyncio.sleep(0.15), { name: "b" })
        yield* asyncio.sleep(0)
        const result = yield* asyncio.wait([b, a], { timeout: 0.1 })
        return { result, bCancelled: yield* b.cancelled() }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.deepStrictEqual(names(r.result.done), ["a"])
      assert.deepStrictEqual(names(r.result.pending), ["b"])
      assert.isFalse(r.bCancelled)
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect("WT-10 the timeout accepts Effect durations and null (no limit)", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const t0 = yield* now
        const a = yield* asyncio.createTask(asyncio.sleep(0.3), { name: "a" })
        const limited = yield* asyncio.wait([a], { timeout: "100 millis" })
        const limitedAt = yield* since(t0)
        const unlimited = yield* asyncio.wait([a], { timeout: null })
        return { limited, limitedAt, unlimited, end: yield* since(t0) }
      })
      const r = yield* (yield* run(program)).exit
      assert.deepStrictEqual(names(r.limited.pending), ["a"])
      assert.strictEqual(r.limitedAt, 0.1)
      assert.deepStrictEqual(names(r.unlimited.done), ["a"])
      assert.strictEqual(r.end, 0.3)
    })
  )

  it.effect("WT-11 wait accepts any iterable of tasks: sets, iterators, generators", () =>
    Effect.gen(function* () {
      const a = yield* asyncio.createTask(Effect.succeed(1), { name: "a" })
      const b = yield* asyncio.createTask(Effect.succeed(2), { name: "b" })
      const fromSet = yield* asyncio.wait(new Set([a, b]))
      const fromIterator = yield* asyncio.wait([a, b].values())
      const fromGenerator = yield* asyncio.wait(
        (function* () {
          yield a
          yield b
        })()
      )
      for (const r of [fromSet, fromIterator, fromGenerator]) {
        assert.deepStrictEqual(names(r.done), ["a", "b"])
        assert.strictEqual(r.pending.size, 0)
      }
    })
  )

  it.effect("WT-13 cancelling the task in wait() does not cancel the waited tasks (loop scope)", () =>
    Effect.gen(function* () {
      let proof = 0
      const main = Effect.gen(function* () {
        const waiter = yield* Deferred.make<void>()
        const inner = Effect.gen(function* () {
          yield* Deferred.await(waiter)
          proof += 1
        })
        const outer = yield* asyncio.createTask(
          Effect.gen(function* () {
            yield* asyncio.wait([yield* asyncio.createTask(inner)])
            proof += 100
          })
        )
        yield* asyncio.sleep(0)
        yield* outer.cancel()
        const exit = yield* Effect.exit(outer)
        yield* Deferred.succeed(waiter, undefined)
        yield* asyncio.sleep(0)
        return { outerCancelled: isInterrupted(exit) }
      })
      const r = yield* (yield* run(asyncio.Loop.scoped(main))).exit
      assert.isTrue(r.outerCancelled)
      assert.strictEqual(proof, 1)
    })
  )

  // Ownership is structured (docs/semantics.md O1): with no loop scope, a task belongs to the fiber that created
  // it. Python's inner task outlives `outer` because the event loop owns it; ours is owned by `outer` and ends with
  // it. `wait` itself still cancels nothing: the cancellation that reaches `inner` is its owner ending.
  it.effect("WT-13 without a loop scope a task created by the cancelled task ends with it, its owner", () =>
    Effect.gen(function* () {
      let proof = 0
      const program = Effect.gen(function* () {
        const waiter = yield* Deferred.make<void>()
        let inner: asyncio.Task<void> | undefined
        const outer = yield* asyncio.createTask(
          Effect.gen(function* () {
            inner = yield* asyncio.createTask(
              Effect.gen(function* () {
                yield* Deferred.await(waiter)
                proof += 1
              })
            )
            yield* asyncio.wait([inner])
            proof += 100
          })
        )
        yield* asyncio.sleep(0)
        yield* outer.cancel()
        yield* Effect.exit(outer)
        yield* Deferred.succeed(waiter, undefined)
        yield* asyncio.sleep(0)
        return {
          innerCancelled: yield* inner!.cancelled(),
          reason: (yield* cancelledErrorOf(inner!)).reason.kind
        }
      })
      const r = yield* (yield* run(program)).exit
      assert.strictEqual(proof, 0)
      assert.isTrue(r.innerCancelled)
      assert.strictEqual(r.reason, "interrupt", "ended by its owner's exit, not cancelled by wait")
    })
  )

  it.effect("WT-13 interrupting a plain fiber in wait() stops only the waiting", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const t = yield* asyncio.createTask(asyncio.sleep(1, "t"))
        const waiting = yield* Effect.forkChild(asyncio.wait([t]))
        yield* asyncio.sleep(0.5)
        yield* Fiber.interrupt(waiting)
        const tDone = yield* t.done()
        return { tDone, value: yield* t }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.isFalse(r.tDone)
      assert.strictEqual(r.value, "t")
      assert.strictEqual(elapsed, 1)
    })
  )

  it.effect("WT-14 FIRST_EXCEPTION does not count a cancellation as an exception", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const ta = yield* asyncio.createTask(asyncio.sleep(1), { name: "ta" })
        const tb = yield* asyncio.createTask(asyncio.sleep(0.05), { name: "tb" })
        const tc = yield* asyncio.createTask(asyncio.sleep(1), { name: "tc" })
        const canceller = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0.01), tc.cancel()))
        const result = yield* asyncio.wait([ta, tb, tc], { returnWhen: asyncio.FIRST_EXCEPTION })
        yield* canceller
        return { result, tcCancelled: yield* tc.cancelled() }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.isTrue(r.tcCancelled)
      assert.deepStrictEqual(names(r.result.done), ["ta", "tb", "tc"])
      assert.strictEqual(r.result.pending.size, 0)
      assert.strictEqual(elapsed, 1)
    })
  )

  it.effect("WT-14 with no failing task FIRST_EXCEPTION behaves as ALL_COMPLETED", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(0.2), { name: "a" })
        const b = yield* asyncio.createTask(asyncio.sleep(0.1), { name: "b" })
        return yield* asyncio.wait([a, b], { returnWhen: asyncio.FIRST_EXCEPTION })
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.deepStrictEqual(names(r.done), ["a", "b"])
      assert.strictEqual(elapsed, 0.2)
    })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Semantics beyond the listed cases: asyncio's documentation,
  // https://docs.python.org/3/library/asyncio-task.html#asyncio.wait
  // ---------------------------------------------------------------------------------------------------------

  it.effect("FIRST_EXCEPTION counts a defect as an exception", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const a = yield* asyncio.createTask(asyncio.sleep(1), { name: "a" })
        const b = yield* asyncio.createTask(
          Effect.andThen(asyncio.sleep(0.02), Effect.die(new Error("bug"))),
          {
            name: "b"
          }
        )
        return yield* asyncio.wait([a, b], { returnWhen: asyncio.FIRST_EXCEPTION })
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.deepStrictEqual(names(r.done), ["b"])
      assert.strictEqual(elapsed, 0.02)
    })
  )

  it.effect(
    "FIRST_EXCEPTION and FIRST_COMPLETED return after one turn when a task has already failed or finished",
    () =>
      Effect.gen(function* () {
        const failed = yield* asyncio.createTask(Effect.fail(new ZeroDiv({ label: "early" })), {
          name: "failed"
        })
        const sleeper = yield* asyncio.createTask(asyncio.sleep(10), { name: "sleeper" })
        yield* settle
        const log: Array<string> = []
        yield* asyncio.createTask(
          Effect.sync(() => {
            log.push("other task ran")
          })
        )
        const first = yield* asyncio.wait([sleeper, failed], { returnWhen: asyncio.FIRST_EXCEPTION })
        const second = yield* asyncio.wait([sleeper, failed], { returnWhen: asyncio.FIRST_COMPLETED })
        log.push("waits returned")
        for (const r of [first, second]) {
          assert.deepStrictEqual(names(r.done), ["failed"])
          assert.deepStrictEqual(names(r.pending), ["sleeper"])
        }
        yield* settle
        assert.deepStrictEqual(
          log,
          ["other task ran", "waits returned"],
          "CPython's wait suspends even when the answer is known (its done callbacks are scheduled)"
        )
      })
  )

  it.effect("timeout 0 returns after one turn with whatever is done", () =>
    Effect.gen(function* () {
      const program = Effect.gen(function* () {
        const done = yield* asyncio.createTask(Effect.succeed(1), { name: "done" })
        const soon = yield* asyncio.createTask(Effect.succeed(2), { name: "soon" })
        const slow = yield* asyncio.createTask(asyncio.sleep(1), { name: "slow" })
        yield* settle
        const fresh = yield* asyncio.createTask(Effect.succeed(3), { name: "fresh" })
        const result = yield* asyncio.wait([done, soon, slow, fresh], { timeout: 0 })
        return { result, slowCancelled: yield* slow.cancelled() }
      })
      const { exit, elapsed } = yield* run(program)
      const r = yield* exit
      assert.strictEqual(elapsed, 0)
      // `fresh` starts in the turn the wait yields, like a task created just before `wait(…, timeout=0)` in asyncio
      assert.deepStrictEqual(names(r.result.done), ["done", "fresh", "soon"])
      assert.deepStrictEqual(names(r.result.pending), ["slow"])
      assert.isFalse(r.slowCancelled)
    })
  )

  it.effect(
    "wait on tasks that are all done still suspends once: work already ready runs first (asyncio)",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const program = Effect.gen(function* () {
          const done = yield* asyncio.createTask(Effect.succeed(1), { name: "done" })
          yield* settle
          yield* asyncio.createTask(Effect.sync(() => log.push("ready task runs")))
          const result = yield* asyncio.wait([done])
          log.push("wait returns")
          // A second wait on the same (effect, tasks) suspends again.
          yield* asyncio.createTask(Effect.sync(() => log.push("second ready task runs")))
          yield* asyncio.wait([done])
          log.push("second wait returns")
          return names(result.done)
        })
        const { exit } = yield* run(program)
        assert.deepStrictEqual(yield* exit, ["done"])
        // CPython's wait schedules its done callbacks (call_soon) and awaits a future: the ready task runs first.
        assert.deepStrictEqual(log, [
          "ready task runs",
          "wait returns",
          "second ready task runs",
          "second wait returns"
        ])
      })
  )

  it.effect("the result sets keep the tasks' types", () =>
    Effect.gen(function* () {
      const t: asyncio.Task<number, ZeroDiv> = yield* asyncio.createTask(
        Effect.succeed(1) as Effect.Effect<number, ZeroDiv>
      )
      const { done, pending }: asyncio.WaitResult<asyncio.Task<number, ZeroDiv>> = yield* asyncio.wait([t])
      const typed: Set<asyncio.Task<number, ZeroDiv>> = done
      assert.strictEqual(pending.size, 0)
      for (const task of typed) assert.strictEqual(yield* task, 1)
    })
  )

  it.effect("bad input is a defect carrying TypeError or ValueError", () =>
    Effect.gen(function* () {
      const t = yield* asyncio.createTask(asyncio.sleep(1))
      // @ts-expect-error a single task instead of an iterable (Python: TypeError("expect a list of futures"))
      assert.strictEqual(defectTag(yield* misuse(asyncio.wait(t))), "TypeError")
      // @ts-expect-error not iterable at all
      assert.strictEqual(defectTag(yield* misuse(asyncio.wait(123))), "TypeError")
      assert.strictEqual(defectTag(yield* misuse(asyncio.wait([]))), "ValueError")
      assert.strictEqual(
        // @ts-expect-error not one of FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED
        defectTag(yield* misuse(asyncio.wait([t], { returnWhen: "FIRST_FAILURE" }))),
        "ValueError"
      )
      // @ts-expect-error effects are not tasks: Python 3.11+ forbids passing coroutines
      const effects = yield* misuse(asyncio.wait([asyncio.sleep(1)]))
      assert.strictEqual(defectTag(effects), "TypeError")
      // @ts-expect-error a number among the tasks
      assert.strictEqual(defectTag(yield* misuse(asyncio.wait([t, 5]))), "TypeError")
      const nan = yield* misuse(asyncio.wait([t], { timeout: Number.NaN }))
      assert.strictEqual(defectTag(nan), "ValueError")
      assert.isFalse(yield* t.done(), "misuse cancels nothing")
    })
  )
})
