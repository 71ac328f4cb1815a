/**
 * Executors on real worker threads and real child processes: the same fan-out runs unchanged on each, and the
 * process pool's isolation (a job that exits or crashes kills only its process; the pool refills), cancellation
 * (the process running a cancelled call is killed, unless its job listens to `cancelSignal()` and cleans up) and
 * shutdown.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { Executor, ProcessPool, ThreadError, workModule } from "../src/index.ts"
import { isAlive, lines, until, withLog } from "./utils/processes.ts"

const jobs = workModule<typeof import("./fixtures/jobs.ts")>(new URL("./fixtures/jobs.ts", import.meta.url))
const work = workModule<typeof import("./fixtures/work.ts")>(new URL("./fixtures/work.ts", import.meta.url))
const cancelJobs = workModule<typeof import("./fixtures/cancel-jobs.ts")>(
  new URL("./fixtures/cancel-jobs.ts", import.meta.url)
)

/** The user code of the issue: 1,000 jobs through `gather`, whatever the executor. */
const fanOut = (executor: Executor.Executor | null) =>
  asyncio.gather(
    ...Array.from({ length: 1000 }, (_, i) => Executor.runInExecutor(executor, jobs, "square", i))
  )

const expectedSquares = Array.from({ length: 1000 }, (_, i) => i * i)

const defectOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  if (!Exit.isFailure(exit)) return undefined
  const die = exit.cause.reasons.find(Cause.isDieReason)
  assert.isDefined(die, `expected a defect, got ${Cause.pretty(exit.cause)}`)
  return die?.defect
}

describe("executors: one fan-out, every executor", () => {
  it.live(
    "gather of 1,000 jobs gives the same results on the default executor, a thread pool and a process pool",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          assert.deepStrictEqual(yield* fanOut(null), expectedSquares)
          const threads = yield* Executor.threadPool({ size: 2 })
          assert.strictEqual(threads.kind, "threads")
          assert.deepStrictEqual(yield* fanOut(threads), expectedSquares)
          const processes = yield* ProcessPool.make({ size: 2 })
          assert.strictEqual(processes.kind, "processes")
          assert.deepStrictEqual(yield* fanOut(processes), expectedSquares)
          const stats = yield* processes.statistics
          assert.deepInclude(stats, { size: 2, started: 2, threads: 2, busy: 0, queued: 0 })
        })
      )
  )

  it.live("ProcessPool.layer makes the process pool the default executor of runInExecutor(null, …)", () =>
    Effect.gen(function* () {
      const pids = yield* asyncio.gather(
        Executor.runInExecutor(null, jobs, "pid"),
        Executor.runInExecutor(undefined, jobs, "pid")
      )
      for (const pid of pids) assert.notStrictEqual(pid, process.pid)
    }).pipe(Effect.provide(ProcessPool.layer({ size: 1 })))
  )
})

describe("ProcessPool (ProcessPoolExecutor)", () => {
  it.live("an exception in the job comes back as a ThreadError, as on a thread", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const pool = yield* ProcessPool.make({ size: 1 })
        const error = yield* Effect.flip(Executor.runInExecutor(pool, jobs, "fail", "bad input"))
        assert.instanceOf(error, ThreadError)
        assert.strictEqual(error.errorName, "RangeError")
        assert.strictEqual(error.message, "bad input")
        assert.include(error.stack, "fixtures/jobs.ts")
      })
    )
  )

  it.live("process.exit in a job kills only its process: the call dies naming it, the pool refills", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const pool = yield* ProcessPool.make({ size: 1 })
        const first = yield* Executor.runInExecutor(pool, jobs, "pid")
        const exit = yield* Effect.exit(Executor.runInExecutor(pool, jobs, "exitProcess", 3))
        const defect = defectOf(exit)
        assert.instanceOf(defect, asyncio.RuntimeError)
        assert.match(
          String((defect as Error).message),
          /^ProcessPool: the worker process running exitProcess \(file:.*jobs\.ts\) exited with code 3$/
        )
        assert.isFalse(isAlive(first))
        const second = yield* Executor.runInExecutor(pool, jobs, "pid")
        assert.notStrictEqual(second, first)
        assert.strictEqual(yield* Executor.runInExecutor(pool, jobs, "square", 7), 49)
        assert.deepInclude(yield* pool.statistics, { started: 2, threads: 1 })
      })
    )
  )

  it.live("an uncaught error in a callback crashes only its process", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const pool = yield* ProcessPool.make({ size: 2 })
        const [crashed, fine] = yield* asyncio.gather(
          Effect.exit(Executor.runInExecutor(pool, work, "crashDuring")),
          Executor.runInExecutor(pool, jobs, "square", 3)
        )
        assert.match(
          String((defectOf(crashed) as Error).message),
          /worker process running crashDuring .* exited with code 1/
        )
        assert.strictEqual(fine, 9)
      })
    )
  )

  it.live(
    "cancelling a running call (waitFor) kills its process, even in a busy loop; the pool goes on",
    () =>
      withLog((log) =>
        Effect.scoped(
          Effect.gen(function* () {
            const pool = yield* ProcessPool.make({ size: 1 })
            const task = yield* asyncio.createTask(
              asyncio.waitFor(Executor.runInExecutor(pool, jobs, "spinForever", log, "a"), 30)
            )
            yield* until(() => lines(log).length === 1)
            const pid = Number(lines(log)[0].split(" ")[2])
            assert.isTrue(isAlive(pid))
            yield* task.cancel("stop")
            yield* asyncio.wait([task])
            assert.isTrue(yield* task.cancelled())
            // The cancellation completed only once the process was gone.
            assert.isFalse(isAlive(pid))
            assert.deepInclude(yield* pool.statistics, { terminated: 1, threads: 0 })
            assert.strictEqual(yield* Executor.runInExecutor(pool, jobs, "square", 5), 25)
          })
        )
      )
  )

  it.live(
    "a job that listens to cancelSignal(): cancelling it runs its finally in its process, which is kept for the next call",
    () =>
      withLog((log) =>
        Effect.scoped(
          Effect.gen(function* () {
            const pool = yield* ProcessPool.make({ size: 1 })
            const task = yield* asyncio.createTask(
              Executor.runInExecutor(pool, cancelJobs, "tickWithCleanup", log, "c")
            )
            yield* until(() => lines(log).includes("tick c"))
            const pid = Number(lines(log)[0].split(" ")[2])
            yield* task.cancel("stop")
            yield* asyncio.wait([task])
            assert.isTrue(yield* task.cancelled())
            // The cancellation returned after the job's finally, and the process lives on for the next call.
            assert.strictEqual(lines(log).at(-1), `cleanup c ${pid}`)
            assert.isTrue(isAlive(pid))
            assert.deepInclude(yield* pool.statistics, { terminated: 0, threads: 1, busy: 0 })
            assert.strictEqual(yield* Executor.runInExecutor(pool, jobs, "pid"), pid)
          })
        )
      )
  )

  it.live("waitFor on a job that never ends fails with TimeoutError and kills the process", () =>
    withLog((log) =>
      Effect.scoped(
        Effect.gen(function* () {
          const pool = yield* ProcessPool.make({ size: 1 })
          const error = yield* Effect.flip(
            asyncio.waitFor(Executor.runInExecutor(pool, jobs, "forever", log, "b"), 0.5)
          )
          assert.instanceOf(error, asyncio.TimeoutError)
          const pid = Number(lines(log)[0].split(" ")[2])
          assert.isFalse(isAlive(pid))
        })
      )
    )
  )

  it.live("shutdown kills idle processes and refuses new calls", () =>
    Effect.gen(function* () {
      const [pool, pid] = yield* Effect.scoped(
        Effect.gen(function* () {
          const pool = yield* ProcessPool.make({ size: 1, name: "P" })
          return [pool, yield* Executor.runInExecutor(pool, jobs, "pid")] as const
        })
      )
      yield* until(() => !isAlive(pid))
      const defect = defectOf(yield* Effect.exit(Executor.runInExecutor(pool, jobs, "pid")))
      assert.strictEqual(
        (defect as Error).message,
        "ProcessPool: cannot schedule pid after the process pool P was shut down"
      )
    })
  )

  it.live("bad options and bad calls are defects naming the call", () =>
    Effect.gen(function* () {
      const size = defectOf(yield* Effect.exit(Effect.scoped(ProcessPool.make({ size: 0 }))))
      assert.instanceOf(size, asyncio.TypeError)
      assert.match((size as Error).message, /^ProcessPool\.make: size must be an integer >= 1/)
      const module = defectOf(yield* Effect.exit(Executor.runInExecutor(null, "relative.ts", "f")))
      assert.strictEqual(
        (module as Error).message,
        'runInExecutor: a module was expected (workModule(url), a URL or an absolute path), got "relative.ts"'
      )
    })
  )
})
