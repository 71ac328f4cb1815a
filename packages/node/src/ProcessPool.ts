/**
 * A pool of child processes as an {@link Executor.Executor}: Python's `concurrent.futures.ProcessPoolExecutor`.
 *
 * Each process is a Node child of this one running the thread pool's worker program over an IPC channel with the
 * structured clone algorithm, so a call behaves as on a thread — same module + export addressing, same copying of
 * arguments and results, same `ThreadError` when the function throws — with the isolation of a process: a crash,
 * an out-of-memory or a `process.exit` in one call kills only that process (the call's effect dies with a
 * `RuntimeError` naming it), and the pool starts a new process for the next call.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Executor, ProcessPool, workModule } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const pool = yield* ProcessPool.make({ size: 4 })
 *   return yield* asyncio.gather(...[30, 31, 32].map((n) => Executor.runInExecutor(pool, work, "fib", n)))
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { TypeError } from "@effect-asyncio/core/Errors"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Executor from "./Executor.ts"
import { lazy } from "./internal/lazy.ts"
import { Pool, type PoolStatistics } from "./internal/pool.ts"
import { makeConfig, type PoolConfig } from "./internal/poolConfig.ts"
import { submitOnPool } from "./internal/submit.ts"
import type { ThreadPoolOptions } from "./ThreadPool.ts"

/**
 * Options of a process pool. The same as a thread pool's (`size`, `onCancel`, `shutdownTimeout`, `name`), plus
 * the Node flags of the children.
 *
 * @category models
 * @since 0.1.0
 */
export interface ProcessPoolOptions extends ThreadPoolOptions {
  /**
   * Node command-line flags for the child processes (`["--max-old-space-size=512"]`). Defaults to none; the
   * children inherit the environment, `NODE_OPTIONS` included.
   */
  readonly execArgv?: ReadonlyArray<string> | undefined
}

/**
 * A snapshot of a process pool: processes alive, busy, abandoned, idle, calls queued, processes started and
 * terminated. The fields are the thread pool's (`threads` counts processes).
 *
 * @category models
 * @since 0.1.0
 */
export type ProcessPoolStatistics = PoolStatistics

/**
 * A process pool: an executor with its statistics.
 *
 * @category models
 * @since 0.1.0
 */
export interface ProcessPool extends Executor.Executor {
  /** A snapshot of the pool. */
  readonly statistics: Effect.Effect<ProcessPoolStatistics>
}

let counter = 0

const words = { call: "ProcessPool", unit: "worker process", pool: "process pool" } as const

const configOf = (options: ProcessPoolOptions): PoolConfig => {
  let config: PoolConfig
  try {
    config = makeConfig({ ...options, name: options.name ?? `ProcessPool-${++counter}` })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new TypeError(message.replace(/^ThreadPool:/, "ProcessPool.make:"))
  }
  const execArgv = options.execArgv ?? []
  if (!Array.isArray(execArgv) || execArgv.some((flag) => typeof flag !== "string")) {
    throw new TypeError(`ProcessPool.make: execArgv must be an array of strings, got ${String(execArgv)}`)
  }
  return { ...config, words }
}

/** The child-process side of the pool, loaded with the first pool. */
const processes = lazy(() => import("./internal/process.ts"))

/**
 * A new pool of child processes, shut down when the scope closes: queued calls are refused, idle processes are
 * killed at once, running calls may finish for up to `shutdownTimeout` seconds, then their processes are killed.
 * asyncio's `with ProcessPoolExecutor(max_workers=n) as pool:`.
 *
 * **Details** Processes start on demand (none before the first call), up to `size` (default
 * `os.availableParallelism()`); calls beyond queue FIFO. Each process loads a module once, on its first call
 * there. Idle processes never keep this process alive.
 *
 * **asyncio** Differences: a dying worker breaks a `ProcessPoolExecutor` for good (`BrokenProcessPool` for
 * every pending future); here only the call that ran in it fails, and the pool goes on. Cancelling a running call
 * kills its process (Python lets it finish; `onCancel: "finish"` does that here). Work is named by module URL and
 * export rather than pickled.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: ProcessPoolOptions): Effect.Effect<ProcessPool, never, Scope.Scope> =>
  Effect.acquireRelease(
    // node:child_process loads with the first pool, not with `@effect-asyncio/node` (a program that only uses `run`
    // loads no process code).
    processes(({ ChildUnit }) =>
      Effect.try({
        try: () => {
          const execArgv = options?.execArgv ?? []
          return new Pool(configOf(options ?? {}), () => new ChildUnit(execArgv))
        },
        catch: (error) => error
      })
    ).pipe(Effect.orDie),
    (pool) => Effect.promise(() => pool.close())
  ).pipe(
    Effect.map((pool): ProcessPool => {
      const executor = Executor.make({
        name: pool.config.name,
        kind: "processes",
        submit: submitOnPool(pool)
      })
      return Object.assign(executor, { statistics: Effect.sync(() => pool.statistics()) })
    })
  )

/**
 * A layer that makes a new process pool the default executor (`runInExecutor(null, …)`), shut down with the
 * layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: ProcessPoolOptions): Layer.Layer<never> =>
  Layer.effect(Executor.CurrentExecutor, make(options))
