/**
 * `toThread` and `ThreadPool` on real worker threads (THR cases of docs/conformance.md, plus our cancellation
 * and shutdown semantics). The worker functions live in fixtures/work.ts, which Node loads in each worker.
 *
 * Nothing here waits on time: the tests coordinate with the worker functions through a SharedArrayBuffer
 * (utils/flags.ts: `Atomics.waitAsync` for "started"/"finished", a "stop" flag the test sets), and deadlines use
 * the TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { TestClock } from "effect/testing"
import { cancelSignal, ThreadError, ThreadPool, toThread, workModule } from "../src/index.ts"
import { FINISHED, STARTED } from "./fixtures/work.ts"
import { makeFlags } from "./utils/flags.ts"

const workUrl = new URL("./fixtures/work.ts", import.meta.url)
const work = workModule<typeof import("./fixtures/work.ts")>(workUrl)
const cancelJobs = workModule<typeof import("./fixtures/cancel-jobs.ts")>(
  new URL("./fixtures/cancel-jobs.ts", import.meta.url)
)

/** The defect of a failed exit. */
const defectOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  if (!Exit.isFailure(exit)) return undefined
  const die = exit.cause.reasons.find(Cause.isDieReason)
  assert.isDefined(die, `expected a defect, got ${Cause.pretty(exit.cause)}`)
  return die?.defect
}

const inPool = <A, E>(effect: Effect.Effect<A, E>, options?: ThreadPool.ThreadPoolOptions) =>
  ThreadPool.scoped(effect, { size: 2, ...options })

describe("toThread (THR)", () => {
  it.effect("THR-01 returns the function's value, typed", () =>
    inPool(
      Effect.gen(function* () {
        const value: number = yield* toThread(work, "sum", [40, 2])
        assert.strictEqual(value, 42)
      })
    )
  )

  it.effect(
    "THR-02 an exception in the function comes back as a ThreadError with name, message and worker stack",
    () =>
      inPool(
        Effect.gen(function* () {
          const error = yield* Effect.flip(toThread(work, "raiseRuntimeError", "test"))
          assert.instanceOf(error, ThreadError)
          assert.strictEqual(error._tag, "ThreadError")
          assert.strictEqual(error.errorName, "RuntimeError")
          assert.strictEqual(error.message, "test")
          assert.include(error.stack, "raiseRuntimeError")
          assert.include(error.stack, "fixtures/work.ts")
          assert.strictEqual(error.work, `raiseRuntimeError (${workUrl.href})`)
          // A typed failure: catchTag sees it.
          const caught = yield* toThread(work, "raiseRuntimeError", "again").pipe(
            Effect.catchTag("ThreadError", (e) => Effect.succeed(`caught ${e.errorName}: ${e.message}`))
          )
          assert.strictEqual(caught, "caught RuntimeError: again")
        })
      )
  )

  it.effect("THR-04 ten concurrent calls through gather all run, on at most `size` threads, FIFO", () =>
    inPool(
      Effect.gen(function* () {
        const results = yield* asyncio.gather(
          ...Array.from({ length: 10 }, (_, i) => toThread(work, "add", i, 100))
        )
        assert.deepStrictEqual(results, [100, 101, 102, 103, 104, 105, 106, 107, 108, 109])
        const stats = yield* ThreadPool.statistics
        assert.strictEqual(stats.started, 2)
        assert.deepInclude(stats, { size: 2, threads: 2, idle: 2, busy: 0, queued: 0 })
      })
    )
  )

  it.effect("THR-05 positional and object arguments (Python's kwargs) are passed, cloned", () =>
    inPool(
      Effect.gen(function* () {
        const result = yield* toThread(
          work,
          "describe",
          { greeting: "hello", name: "parrot" },
          new Set(["b", "a"])
        )
        assert.strictEqual(result.text, "hello, parrot")
        assert.deepStrictEqual(result.items, ["a", "b"])
        assert.instanceOf(result.when, Date)
        assert.notStrictEqual(result.threadId, 0, "ran off the main thread")
      })
    )
  )

  it.effect("an async function is awaited in the worker; its rejection is a ThreadError", () =>
    inPool(
      Effect.gen(function* () {
        assert.strictEqual(yield* toThread(work, "asyncDouble", 21), 42)
        const error = yield* Effect.flip(toThread(work, "rejectLater"))
        assert.deepInclude(error, { errorName: "TypeError", message: "rejected" })
      })
    )
  )

  it.effect("ThreadError keeps the copyable own properties and the cause of the thrown error", () =>
    inPool(
      Effect.gen(function* () {
        const error = yield* Effect.flip(toThread(work, "raiseWithDetails"))
        assert.strictEqual(error.errorName, "RangeError")
        assert.deepStrictEqual(error.data, { code: "E_RANGE", _tag: "OutOfRange" })
        assert.instanceOf(error.cause, ThreadError)
        assert.strictEqual(error.cause?.message, "the root cause")
        const plain = yield* Effect.flip(toThread(work, "raiseString"))
        assert.deepInclude(plain, {
          errorName: "string",
          message: "a plain string",
          thrown: "a plain string"
        })
      })
    )
  )

  it.effect("the untyped form takes a URL or an absolute path and an export name", () =>
    inPool(
      Effect.gen(function* () {
        assert.strictEqual(yield* toThread(workUrl, "add", 1, 2), 3)
        assert.strictEqual(yield* toThread(workUrl.pathname, "add", 2, 3), 5)
      })
    )
  )
})

describe("toThread misuse is a defect", () => {
  it.effect("a missing export, an export that is not a function, a module that does not load", () =>
    inPool(
      Effect.gen(function* () {
        const missing = defectOf(yield* Effect.exit(toThread(workUrl, "nope")))
        assert.instanceOf(missing, asyncio.TypeError)
        assert.include(String((missing as Error).message), `no exported function "nope"`)
        const notFunction = defectOf(yield* Effect.exit(toThread(workUrl, "notAFunction")))
        assert.instanceOf(notFunction, asyncio.TypeError)
        const noModule = defectOf(
          yield* Effect.exit(toThread(new URL("./fixtures/missing.ts", import.meta.url), "f"))
        )
        assert.instanceOf(noModule, asyncio.RuntimeError)
        assert.include(String((noModule as Error).message), "cannot load")
      })
    )
  )

  it.effect("arguments or results that cannot be cloned; a relative module path", () =>
    inPool(
      Effect.gen(function* () {
        const args = defectOf(yield* Effect.exit(toThread(workUrl, "add", () => 1, 2)))
        assert.instanceOf(args, asyncio.TypeError)
        assert.include(String((args as Error).message), "cannot be sent to a worker thread")
        const result = defectOf(yield* Effect.exit(toThread(work, "returnFunction")))
        assert.instanceOf(result, asyncio.RuntimeError)
        assert.include(String((result as Error).message), "cannot be sent back")
        const relative = defectOf(yield* Effect.exit(toThread("./work.ts", "add")))
        assert.instanceOf(relative, asyncio.TypeError)
        // The pool is still fine.
        assert.strictEqual(yield* toThread(work, "add", 1, 1), 2)
      })
    )
  )

  it.effect(
    "a thread that dies under a call (process.exit, an uncaught error) is a defect; the pool recovers",
    () =>
      inPool(
        Effect.gen(function* () {
          const exited = defectOf(yield* Effect.exit(toThread(work, "exitThread")))
          assert.instanceOf(exited, asyncio.RuntimeError)
          assert.include(String((exited as Error).message), "exited with code 3")
          const crashed = defectOf(yield* Effect.exit(toThread(work, "crashDuring")))
          assert.include(String((crashed as Error).message), "crashed: uncaught in the worker")
          assert.strictEqual(yield* toThread(work, "add", 2, 2), 4)
        }),
        { size: 1 }
      )
  )
})

describe("toThread cancellation", () => {
  it.effect(
    "onCancel: terminate (default) — cancelling stops the thread; the cancellation completes once it is gone",
    () =>
      inPool(
        Effect.gen(function* () {
          const flags = makeFlags()
          const fiber = yield* Effect.forkChild(toThread(work, "spin", flags.buffer))
          yield* flags.reached(STARTED)
          assert.strictEqual((yield* ThreadPool.statistics).busy, 1)
          yield* Fiber.interrupt(fiber) // an endless loop, stopped
          assert.isFalse(flags.is(FINISHED))
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 0, busy: 0, terminated: 1 })
          // A fresh thread serves the next call.
          assert.strictEqual(yield* toThread(work, "add", 1, 2), 3)
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 1, started: 2 })
        })
      )
  )

  it.effect(
    "waitFor(toThread(f), t): TimeoutError at the deadline, and f no longer runs (Python: it keeps running)",
    () =>
      inPool(
        Effect.gen(function* () {
          const flags = makeFlags()
          const fiber = yield* Effect.forkChild(asyncio.waitFor(toThread(work, "spin", flags.buffer), 1))
          yield* flags.reached(STARTED)
          yield* TestClock.adjust("1 second")
          const error = yield* Effect.flip(Fiber.join(fiber))
          assert.strictEqual(error._tag, "TimeoutError")
          assert.isFalse(flags.is(FINISHED))
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 0, terminated: 1 })
        })
      )
  )

  it.effect("a task cancelled while its call is blocked in Atomics.wait: the thread is terminated too", () =>
    inPool(
      Effect.gen(function* () {
        const flags = makeFlags()
        const task = yield* asyncio.createTask(toThread(work, "block", flags.buffer))
        yield* flags.reached(STARTED)
        assert.isTrue(yield* task.cancel("enough"))
        yield* Fiber.await(task.fiber)
        assert.isTrue(yield* task.cancelled())
        const error = yield* Effect.flip(task.exception())
        assert.strictEqual(error._tag, "CancelledError")
        assert.deepInclude(yield* ThreadPool.statistics, { threads: 0, terminated: 1 })
      })
    )
  )

  it.effect(
    "cancelSignal(): a function that listens to it cleans up when cancelled; the cancellation waits for its finally, and its thread serves the next call",
    () =>
      inPool(
        Effect.gen(function* () {
          const flags = makeFlags()
          const fiber = yield* Effect.forkChild(toThread(cancelJobs, "cleanUpWhenCancelled", flags.buffer))
          yield* flags.reached(STARTED)
          const thread = (yield* ThreadPool.statistics).started
          assert.deepStrictEqual(yield* ThreadPool.statistics.pipe(Effect.map((s) => s.busy)), 1)
          yield* Fiber.interrupt(fiber)
          assert.isTrue(flags.is(FINISHED), "the function's finally ran before the cancellation returned")
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 1, busy: 0, idle: 1, terminated: 0 })
          // The same thread, not a fresh one, takes the next call; the signal there is a new, unaborted one.
          assert.deepStrictEqual(yield* toThread(cancelJobs, "signalState"), [false, "undefined"])
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 1, started: thread })
        }),
        { size: 1 }
      )
  )

  it.effect(
    "cancelSignal(): a function that asked for it but never yields is terminated once the pool's cancelTimeout has passed",
    () =>
      inPool(
        Effect.gen(function* () {
          const flags = makeFlags()
          const fiber = yield* Effect.forkChild(toThread(cancelJobs, "askThenSpin", flags.buffer))
          yield* flags.reached(STARTED)
          const started = performance.now()
          yield* Fiber.interrupt(fiber)
          const waited = performance.now() - started
          assert.isFalse(flags.is(FINISHED))
          assert.isAtLeast(waited, 190, "the pool gave it its grace period")
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 0, busy: 0, terminated: 1 })
        }),
        { cancelTimeout: 0.2 }
      )
  )

  it("cancelSignal() outside a function run by toThread or an executor throws a RuntimeError", () => {
    assert.throws(
      () => cancelSignal(),
      asyncio.RuntimeError,
      "cancelSignal(): not inside a function run by toThread or an executor (call it while the function runs)"
    )
  })

  it.effect(
    "onCancel: finish (Python's behaviour) — the caller is released at once, the function runs to its end",
    () =>
      inPool(
        Effect.gen(function* () {
          const flags = makeFlags()
          const finishing = work.withOptions({ onCancel: "finish" })
          const fiber = yield* Effect.forkChild(toThread(finishing, "spin", flags.buffer))
          yield* flags.reached(STARTED)
          yield* Fiber.interrupt(fiber) // returns at once: the thread is not stopped
          assert.isFalse(flags.is(FINISHED))
          assert.deepInclude(yield* ThreadPool.statistics, { abandoned: 1, terminated: 0 })
          yield* flags.stop
          yield* flags.reached(FINISHED)
        })
      )
  )

  it.effect(
    "onCancel: finish — the thread serves the next queued call only after the abandoned function returned",
    () =>
      inPool(
        Effect.gen(function* () {
          const flags = makeFlags()
          const spinning = yield* Effect.forkChild(
            toThread(work.withOptions({ onCancel: "finish" }), "spin", flags.buffer)
          )
          yield* flags.reached(STARTED)
          const spinThread = (yield* ThreadPool.statistics).started
          yield* Fiber.interrupt(spinning)
          const next = yield* Effect.forkChild(toThread(work, "whereAmI"))
          yield* Effect.repeat(Effect.yieldNow, { times: 20 })
          assert.isUndefined(next.pollUnsafe(), "queued behind the abandoned call")
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 1, abandoned: 1, queued: 1 })
          yield* flags.stop
          yield* Fiber.join(next)
          assert.isTrue(flags.is(FINISHED))
          assert.deepInclude(yield* ThreadPool.statistics, { threads: 1, started: spinThread, terminated: 0 })
        }),
        { size: 1 }
      )
  )

  it.effect("the pool's onCancel applies unless the module overrides it", () =>
    inPool(
      Effect.gen(function* () {
        const flags = makeFlags()
        const fiber = yield* Effect.forkChild(toThread(work, "spin", flags.buffer))
        yield* flags.reached(STARTED)
        yield* Fiber.interrupt(fiber)
        assert.deepInclude(yield* ThreadPool.statistics, { abandoned: 1, terminated: 0 })
        const flags2 = makeFlags()
        const terminating = work.withOptions({ onCancel: "terminate" })
        const fiber2 = yield* Effect.forkChild(toThread(terminating, "spin", flags2.buffer))
        yield* flags2.reached(STARTED)
        yield* Fiber.interrupt(fiber2)
        assert.deepInclude(yield* ThreadPool.statistics, { abandoned: 1, terminated: 1 })
        yield* flags.stop
        yield* flags.reached(FINISHED)
      }),
      { size: 2, onCancel: "finish" }
    )
  )

  it.effect("a cancelled call still waiting for a thread leaves the queue and never runs", () =>
    inPool(
      Effect.gen(function* () {
        const flags = makeFlags()
        const first = yield* Effect.forkChild(toThread(work, "spin", flags.buffer))
        yield* flags.reached(STARTED)
        const second = yield* Effect.forkChild(toThread(work, "add", 1, 2))
        yield* Effect.yieldNow
        assert.strictEqual((yield* ThreadPool.statistics).queued, 1)
        yield* Fiber.interrupt(second)
        assert.deepInclude(yield* ThreadPool.statistics, { queued: 0, busy: 1, terminated: 0 })
        yield* flags.stop
        assert.isNumber(yield* Fiber.join(first))
      }),
      { size: 1 }
    )
  )
})

describe("ThreadPool lifetime", () => {
  it.effect("starts no thread before the first call", () =>
    inPool(
      Effect.gen(function* () {
        assert.deepInclude(yield* ThreadPool.statistics, { threads: 0, started: 0, closed: false })
        yield* toThread(work, "add", 1, 1)
        assert.deepInclude(yield* ThreadPool.statistics, { threads: 1, idle: 1, started: 1 })
      })
    )
  )

  it.effect(
    "shutting down waits for a call still running (here an abandoned one), then stops the threads",
    () =>
      Effect.gen(function* () {
        const flags = makeFlags()
        let stats: ThreadPool.ThreadPoolStatistics | undefined
        const scoped = yield* Effect.forkChild(
          ThreadPool.scoped(
            Effect.gen(function* () {
              const fiber = yield* Effect.forkChild(
                toThread(work.withOptions({ onCancel: "finish" }), "spin", flags.buffer)
              )
              yield* flags.reached(STARTED)
              yield* Fiber.interrupt(fiber)
              stats = yield* ThreadPool.statistics
            })
          )
        )
        yield* flags.reached(STARTED)
        yield* Effect.repeat(Effect.yieldNow, { times: 20 })
        assert.isUndefined(scoped.pollUnsafe(), "the shutdown waits for the function")
        yield* flags.stop
        yield* Fiber.join(scoped)
        assert.isTrue(flags.is(FINISHED))
        assert.deepInclude(stats, { abandoned: 1 })
      })
  )

  it.effect("shutdownTimeout: 0 terminates running threads at once; an awaited call gets a defect", () =>
    Effect.gen(function* () {
      const flags = makeFlags()
      const layerScope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        ThreadPool.layer({ size: 1, shutdownTimeout: 0 }),
        layerScope
      )
      const call = yield* Effect.forkChild(
        Effect.provideContext(toThread(work, "spin", flags.buffer), context)
      )
      yield* flags.reached(STARTED)
      yield* Scope.close(layerScope, Exit.void)
      const defect = defectOf(yield* Fiber.await(call))
      assert.include(String((defect as Error).message), "shut down")
      assert.isFalse(flags.is(FINISHED))
      // A closed pool refuses new work, as Python's executor does after shutdown.
      const refused = defectOf(
        yield* Effect.exit(Effect.provideContext(toThread(work, "add", 1, 1), context))
      )
      assert.instanceOf(refused, asyncio.RuntimeError)
      assert.include(String((refused as Error).message), "cannot schedule add after the thread pool")
      const stats = yield* Effect.provideContext(ThreadPool.statistics, context)
      assert.deepInclude(stats, { threads: 0, closed: true })
    })
  )

  it.effect(
    "a function that exhausts its thread's heap fails fast with a MemoryError ThreadError; the pool starts a new thread",
    () =>
      inPool(
        Effect.gen(function* () {
          const started = performance.now()
          const error = yield* Effect.flip(toThread(work, "exhaustHeap"))
          const seconds = (performance.now() - started) / 1000
          assert.instanceOf(error, ThreadError)
          assert.strictEqual(error.errorName, "MemoryError")
          assert.include(error.message, "ran out of memory (resourceLimits.maxOldGenerationSizeMb: 32)")
          assert.include(error.message, `exhaustHeap (${workUrl.href})`)
          assert.deepInclude(error.data, { code: "ERR_WORKER_OUT_OF_MEMORY" })
          assert.isBelow(seconds, 5, "stopped quickly")
          // The thread is gone; the next call gets a fresh one.
          assert.strictEqual(yield* toThread(work, "add", 1, 2), 3)
          const stats = yield* ThreadPool.statistics
          assert.strictEqual(stats.started, 2)
          assert.strictEqual(stats.threads, 1)
        }),
        { size: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } }
      )
  )

  it("the default resourceLimits cap a worker's heap at 1024 MB; keys given replace the default ones", async () => {
    const { makeConfig } = await import("../src/internal/poolConfig.ts")
    assert.deepStrictEqual(makeConfig({}).resourceLimits, { maxOldGenerationSizeMb: 1024 })
    assert.deepStrictEqual(
      makeConfig({ resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 8 } }).resourceLimits,
      { maxOldGenerationSizeMb: 64, stackSizeMb: 8 }
    )
    assert.throws(
      () => makeConfig({ resourceLimits: { maxOldGenerationSizeMb: Number.NaN } }),
      asyncio.ValueError,
      "ThreadPool: resourceLimits.maxOldGenerationSizeMb must be an integer >= 1, got NaN"
    )
    assert.throws(
      () =>
        makeConfig({ resourceLimits: { maxOldGenMb: 64 } as unknown as { maxOldGenerationSizeMb: number } }),
      asyncio.TypeError,
      'unknown option "maxOldGenMb"'
    )
  })

  it.effect(
    "bad options are a defect: size 0 a ValueError (Python's max_workers), shutdownTimeout 'x' a TypeError",
    () =>
      Effect.gen(function* () {
        const zero = defectOf(yield* Effect.exit(ThreadPool.scoped(Effect.void, { size: 0 })))
        assert.instanceOf(zero, asyncio.ValueError)
        assert.strictEqual(
          (zero as asyncio.ValueError).message,
          "ThreadPool.scoped: size must be an integer >= 1, got 0"
        )
        const text = defectOf(
          yield* Effect.exit(ThreadPool.scoped(Effect.void, { shutdownTimeout: "x" as unknown as number }))
        )
        assert.instanceOf(text, asyncio.TypeError)
        assert.include(
          (text as asyncio.TypeError).message,
          'shutdownTimeout must be a number of seconds >= 0, got "x"'
        )
      })
  )
})
