/**
 * The pool of worker threads that `toThread` runs in: asyncio's default executor (the `ThreadPoolExecutor` that
 * `to_thread` uses), with Effect's lifetimes.
 *
 * Which pool a `toThread` call uses:
 *
 * - inside `run` (this package), the run's own pool, configured by `run(main, { threads })`. It starts no thread
 *   before the first call and is shut down when the run ends, after the loop's shutdown — as `asyncio.run` shuts
 *   down the default executor last;
 * - inside {@link layer} or {@link scoped}, that pool, shut down when the layer is released or the effect ends;
 * - anywhere else, one process-wide pool created on first use, never shut down; its idle threads do not keep
 *   the process alive.
 *
 * @since 0.1.0
 */
import type { ResourceLimits } from "node:worker_threads"
import { TypeError } from "@effect-asyncio/core/Errors"
import * as Validate from "@effect-asyncio/core/Validate"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { CurrentPool, Pool, type PoolStatistics, poolOf } from "./internal/pool.ts"
import { makeConfig, type OnCancel, type PoolConfig } from "./internal/poolConfig.ts"

/**
 * Options of a thread pool ({@link layer}, {@link scoped}, `run(main, { threads })`).
 *
 * @category models
 * @since 0.1.0
 */
export interface ThreadPoolOptions {
  /**
   * The most worker threads running at once; further calls queue (FIFO). Defaults to
   * `os.availableParallelism()` (Python's default executor uses `min(32, cpu_count + 4)` threads, sized for
   * blocking I/O; ours are for CPU-bound work, which gains nothing from more threads than cores).
   */
  readonly size?: number | undefined
  /**
   * What cancelling a running call does, unless its `workModule` says otherwise: `"terminate"` (default) stops
   * the thread; `"finish"` lets the function run to its end, result dropped (Python's behaviour).
   */
  readonly onCancel?: OnCancel | undefined
  /**
   * Seconds that shutting the pool down waits for calls still running (awaited, or abandoned with
   * `onCancel: "finish"`) before it terminates their threads. Default 300, Python's limit for the default
   * executor at the end of `asyncio.run` (3.12+); `0` terminates at once; `Infinity` waits.
   */
  readonly shutdownTimeout?: number | undefined
  /**
   * Seconds that cancelling a running call waits for its function to settle after its cancel signal was aborted,
   * before it terminates the thread — only for functions that asked for their signal (`cancelSignal()`; the
   * others are terminated at once). Default 1. asyncio has no equivalent (its threads cannot be cancelled).
   */
  readonly cancelTimeout?: number | undefined
  /** A name for messages (`ThreadPool-<n>` by default). */
  readonly name?: string | undefined
  /**
   * V8 limits of each worker thread (Node's `Worker` `resourceLimits`, in MB). The default caps the heap at
   * `maxOldGenerationSizeMb: 1024`: a function that exhausts it is stopped within about a second and its call
   * fails with a `ThreadError` whose `errorName` is `"MemoryError"` (Python's exception for it) and whose
   * message names the limit; the pool starts a fresh thread for the next call. Keys given replace the default
   * ones. Without a limit V8 lets a worker grow like the main thread (gigabytes, and many seconds of garbage
   * collection before it gives up).
   */
  readonly resourceLimits?: ResourceLimits | undefined
}

/**
 * A snapshot of the current pool: threads alive, busy, abandoned (finishing a cancelled call), idle, calls
 * queued, threads started and terminated so far.
 *
 * @category models
 * @since 0.1.0
 */
export type ThreadPoolStatistics = PoolStatistics

/** The pool for a checked configuration, made when the effect runs (each run gets its own pool). */
const create = (config: PoolConfig): Effect.Effect<Pool> => Effect.sync(() => new Pool(config))

const shutdown = (pool: Pool): Effect.Effect<void> => Effect.promise(() => pool.close())

/**
 * A layer that installs a thread pool for everything it is provided to; the pool is shut down when the layer is
 * released (running calls may finish for up to `shutdownTimeout`, then their threads are terminated).
 *
 * **When to use** In an Effect application that does not use `run`, or to give part of a program its own pool
 * (a different size, `onCancel: "finish"`).
 *
 * **asyncio** `loop.set_default_executor(ThreadPoolExecutor(max_workers=n))`, with a lifetime.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: ThreadPoolOptions): Layer.Layer<never> =>
  Layer.effect(
    CurrentPool,
    Validate.atCall(() => Effect.acquireRelease(create(makeConfig(options, "ThreadPool.layer")), shutdown))
  )

/**
 * Runs `effect` with a fresh thread pool, shut down when `effect` ends (however it ends).
 *
 * @category running
 * @since 0.1.0
 */
export const scoped = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: ThreadPoolOptions
): Effect.Effect<A, E, R> =>
  Validate.atCall(() => {
    if (!Effect.isEffect(effect)) {
      throw new TypeError(`ThreadPool.scoped: an Effect was expected, got ${Validate.show(effect)}`)
    }
    const config = makeConfig(options, "ThreadPool.scoped")
    return Effect.acquireUseRelease(
      create(config),
      (pool) => Effect.provideService(effect, CurrentPool, pool),
      shutdown
    )
  })

/**
 * A snapshot of the pool `toThread` would use here.
 *
 * @category getters
 * @since 0.1.0
 */
export const statistics: Effect.Effect<ThreadPoolStatistics> = Effect.withFiber((fiber) =>
  Effect.sync(() => poolOf(fiber).statistics())
)
