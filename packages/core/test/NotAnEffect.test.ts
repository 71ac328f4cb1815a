/**
 * A value that is not an Effect where one is expected (issue 10, item 3).
 *
 * In effect 4.1.0 a non-effect that reaches the run loop ends the fiber at once with a string defect
 * ("Fiber.runLoop: Not a valid effect: 42"), without unwinding its stack: `ensuring` finalizers are skipped and
 * `Effect.exit` around it never sees the exit. So `sem.withPermit(() => eff)` left the semaphore at 0 forever, a
 * lock stayed locked, `Queue.forEach` with a callback returning `undefined` skipped `taskDone` and `join()` hung.
 * Every entry point now checks the argument at the call, and the result of a function it calls, and dies with
 * the library's `TypeError` naming the call and the value — with permits, locks and counters intact.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import { defectOf } from "./utils/exits.ts"
import { runVirtual, settle } from "./utils/virtual.ts"

/** The `TypeError` an exit died with, and its message; fails the test for anything else. */
const typeErrorOf = (exit: Exit.Exit<unknown, unknown>): string => {
  const defect = defectOf(exit)
  assert.instanceOf(defect, asyncio.TypeError, `expected a TypeError defect, got ${String(exit)}`)
  return (defect as asyncio.TypeError).message
}

/** Widens an ill-typed value for a deliberate misuse, keeping the test's own types clean. */
const bad = <T>(u: unknown): T => u as T

describe("a non-effect where an effect is expected: TypeError, nothing held", () => {
  it.effect("Semaphore.withPermit(() => eff): the permit is not taken, the semaphore stays usable", () =>
    Effect.gen(function* () {
      for (const sem of [yield* asyncio.Semaphore.make(1), yield* asyncio.BoundedSemaphore.make(1)]) {
        const kind = asyncio.BoundedSemaphore.isBoundedSemaphore(sem) ? "BoundedSemaphore" : "Semaphore"
        const message = typeErrorOf(
          yield* Effect.exit(sem.withPermit(bad<Effect.Effect<number>>(() => Effect.succeed(1))))
        )
        assert.strictEqual(message, `${kind}.withPermit: an Effect was expected, got function (anonymous)`)
        assert.deepInclude(yield* sem.statistics(), { value: 1, locked: false, tasksWaiting: 0 })
        assert.strictEqual(yield* sem.withPermit(Effect.succeed("usable")), "usable")
      }
    })
  )

  it.effect("Lock.withLock(42) and Condition.withLock(42): the lock is not left locked", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      assert.strictEqual(
        typeErrorOf(yield* Effect.exit(lock.withLock(bad<Effect.Effect<number>>(42)))),
        "Lock.withLock: an Effect was expected, got 42"
      )
      assert.isFalse(yield* lock.locked())
      const cond = yield* asyncio.Condition.make(lock)
      assert.strictEqual(
        typeErrorOf(yield* Effect.exit(cond.withLock(bad<Effect.Effect<number>>(42)))),
        "Condition.withLock: an Effect was expected, got 42"
      )
      assert.isFalse(yield* cond.locked())
      assert.strictEqual(yield* cond.withLock(Effect.succeed("usable")), "usable")
    })
  )

  it.effect("Queue.forEach with a callback returning undefined: taskDone still runs, join() returns", () =>
    Effect.gen(function* () {
      const queue = yield* asyncio.Queue.make<number>()
      const seen: Array<number> = []
      const worker = yield* asyncio.createTask(
        asyncio.Queue.forEach(
          queue,
          bad<(n: number) => Effect.Effect<void>>((n: number) => {
            seen.push(n) // a forgotten Effect: the work is done synchronously and nothing is returned
          })
        )
      )
      yield* queue.put(1)
      const r = yield* runVirtual(queue.join(), 10)
      assert.isTrue(r.exit._tag === "Success", "join() returned: the item was marked done")
      assert.deepStrictEqual(seen, [1])
      assert.strictEqual(
        typeErrorOf(yield* Effect.exit(worker)),
        "Queue.forEach: the function must return an Effect, got undefined"
      )
      assert.deepInclude(yield* queue.statistics(), { qsize: 0, unfinishedTasks: 0, gettersWaiting: 0 })
    })
  )

  it.effect("timeout(d, () => 42) and timeout(d, 42): our TypeError, not the run loop's string", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        typeErrorOf(
          yield* Effect.exit(
            asyncio.timeout(
              1,
              bad<() => Effect.Effect<number>>(() => 42)
            )
          )
        ),
        "timeout: the function must return an Effect, got 42"
      )
      assert.strictEqual(
        typeErrorOf(
          yield* Effect.exit(
            asyncio.timeoutAt(
              null,
              bad<() => Effect.Effect<number>>(() => 42)
            )
          )
        ),
        "timeoutAt: the function must return an Effect, got 42"
      )
      assert.strictEqual(
        typeErrorOf(yield* Effect.exit(asyncio.timeout(1, bad<() => Effect.Effect<number>>(42)))),
        "timeout: body must be an Effect or a function of the scope, got 42"
      )
      // The scope's expiry was disarmed: the program ends at once, no timer is left behind.
      const r = yield* runVirtual(
        Effect.exit(
          asyncio.timeout(
            5,
            bad<() => Effect.Effect<number>>(() => 42)
          )
        )
      )
      assert.strictEqual(r.elapsed, 0)
    })
  )

  it.effect(
    "staggeredRace([() => 42]): the attempt's exception is our TypeError (Python reports it there)",
    () =>
      Effect.gen(function* () {
        const [winner, index, exceptions] = yield* asyncio.staggeredRace(
          [bad<() => Effect.Effect<number>>(() => 42), () => Effect.succeed(2)],
          null
        )
        assert.deepStrictEqual([winner, index], [2, 1])
        const first = exceptions[0]
        assert.instanceOf(first, asyncio.Defect)
        assert.instanceOf((first as asyncio.Defect).defect, asyncio.TypeError)
        assert.strictEqual(
          (first as asyncio.Defect).message,
          "staggeredRace: attempt 0: the function must return an Effect, got 42"
        )
      })
  )

  it.effect("TaskGroup.run(() => 42) dies with the TypeError itself, not an ExceptionGroup", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        typeErrorOf(yield* Effect.exit(asyncio.TaskGroup.run(bad<() => Effect.Effect<number>>(() => 42)))),
        "TaskGroup.run: the function must return an Effect, got 42"
      )
      assert.strictEqual(
        typeErrorOf(yield* Effect.exit(asyncio.TaskGroup.run(bad<() => Effect.Effect<number>>(42)))),
        "TaskGroup.run: body must be a function, got 42"
      )
    })
  )

  it.effect("a done callback that returns no Effect is logged as our TypeError; the others still run", () =>
    Effect.gen(function* () {
      const logged: Array<string> = []
      const capture = Logger.make(({ cause, message }) => {
        logged.push(`${String(message)} | ${String(cause)}`)
      })
      const ran: Array<string> = []
      yield* Effect.gen(function* () {
        const task = yield* asyncio.createTask(asyncio.sleep(0, 7))
        yield* task.addDoneCallback(bad<() => Effect.Effect<void>>(() => 42))
        yield* task.addDoneCallback(() =>
          Effect.sync(() => {
            ran.push("second")
          })
        )
        yield* task
        yield* settle
      }).pipe(Effect.provideService(Logger.CurrentLoggers, new Set([capture])))
      assert.deepStrictEqual(ran, ["second"])
      assert.strictEqual(logged.length, 1)
      assert.include(logged[0], "Exception in a done callback")
      assert.include(logged[0], "task.addDoneCallback callback: the function must return an Effect, got 42")
    })
  )

  it.effect("catchCancelled(handler) with a handler returning no Effect: our TypeError", () =>
    Effect.gen(function* () {
      const task = yield* asyncio.createTask(asyncio.sleep(10))
      yield* settle
      yield* task.cancel()
      const exit = yield* Effect.exit(
        task.pipe(asyncio.catchCancelled(bad<() => Effect.Effect<string>>(() => "caught")))
      )
      assert.strictEqual(
        typeErrorOf(exit),
        'catchCancelled handler: the function must return an Effect, got "caught"'
      )
    })
  )

  it.effect(
    "Loop.scoped onShutdownError returning no Effect: logged, and the next shutdown error still reported",
    () =>
      Effect.gen(function* () {
        const reported: Array<string> = []
        const logged: Array<string> = []
        const capture = Logger.make(({ message }) => {
          logged.push(String(message))
        })
        const failingClean = (name: string) =>
          asyncio.createTask(
            Effect.never.pipe(Effect.onInterrupt(() => Effect.die(new Error(`${name} broke`)))),
            {
              name
            }
          )
        const value = yield* asyncio.Loop.scoped(
          Effect.gen(function* () {
            yield* failingClean("first")
            yield* failingClean("second")
            yield* settle
            return "main done"
          }),
          {
            onShutdownError: bad<(name: string) => Effect.Effect<void>>((name: string) => {
              reported.push(name) // forgot to return an Effect
            })
          }
        ).pipe(Effect.provideService(Logger.CurrentLoggers, new Set([capture])))
        assert.strictEqual(value, "main done")
        assert.deepStrictEqual(reported, ["first", "second"])
        // The fault is reported once; every shutdown error is still reported, by the default reporter.
        assert.deepStrictEqual(
          logged.filter((line) => line.includes("onShutdownError")),
          [
            "Loop.scoped: onShutdownError returned undefined instead of an Effect; the errors it does not report are logged instead"
          ]
        )
        assert.deepStrictEqual(
          logged.filter((line) => line.startsWith("unhandled exception during loop shutdown")),
          [
            "unhandled exception during loop shutdown in task first,Defect: first broke",
            "unhandled exception during loop shutdown in task second,Defect: second broke"
          ]
        )
      })
  )
})
