/**
 * Executors: where `runInExecutor` runs a function — a pool of worker threads, a pool of child processes, or the
 * runner processes of a cluster. asyncio's `concurrent.futures.Executor` with `loop.run_in_executor(executor,
 * func, *args)`.
 *
 * Work is addressed as `toThread` addresses it — a module URL and the name of an export (`docs/threads.md`) — so
 * the same code runs on every executor; only the executor value changes:
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Executor, ProcessPool, workModule } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 *
 * const fanOut = (executor: Executor.Executor) =>
 *   asyncio.gather(...Array.from({ length: 1000 }, (_, i) => Executor.runInExecutor(executor, work, "fib", i % 25)))
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const threads = yield* Executor.threadPool({ size: 4 })
 *   const processes = yield* ProcessPool.make({ size: 4 })
 *   return [yield* fanOut(threads), yield* fanOut(processes)]
 * }))
 * ```
 *
 * The cluster executor lives in its own module, `@effect-asyncio/node/Cluster`, so that a program that does not
 * use it never loads `effect/cluster`. `docs/executors.md` compares the three.
 *
 * @since 0.1.0
 */
import { TypeError } from "@effect-asyncio/core/Errors"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { ThreadError } from "./Errors.ts"
import { Pool } from "./internal/pool.ts"
import { makeConfig } from "./internal/poolConfig.ts"
import { submitOnPool } from "./internal/submit.ts"
import type { ThreadPoolOptions } from "./ThreadPool.ts"
import {
  type OnCancel,
  type WorkArgs,
  type WorkModule,
  type WorkNames,
  type WorkResult,
  workModule
} from "./ToThread.ts"

const TypeId = "~effect-asyncio/node/Executor" as const

/**
 * One call for an executor: the export `name` of the module at `module` (a URL), with `args`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Call {
  /** The module's URL, as the thread, process or runner imports it. */
  readonly module: string
  /** The name of the exported function. */
  readonly name: string
  /** The arguments, copied to the executor (structured clone). */
  readonly args: ReadonlyArray<unknown>
  /** The call's `onCancel` (from its `workModule`); `undefined` means the executor's own setting. */
  readonly onCancel: OnCancel | undefined
}

/**
 * Somewhere calls run: asyncio's `concurrent.futures.Executor`. Build one with {@link threadPool},
 * `ProcessPool.make`, `Cluster.make` or, for a custom one, {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Executor {
  readonly [TypeId]: typeof TypeId
  /** A name for messages and listings (`ThreadPool-1`, `ProcessPool-2`, `Cluster-1`). */
  readonly name: string
  /** What runs the calls: `"threads"`, `"processes"`, `"cluster"`, or a custom executor's word. */
  readonly kind: string
  /**
   * Runs one call and succeeds with its result. The effect fails with a `ThreadError` when the function throws;
   * misuse (a module that does not load, a unit that dies) is a defect. Interrupting it cancels the call.
   */
  readonly submit: (call: Call) => Effect.Effect<unknown, ThreadError>
}

class ExecutorImpl implements Executor {
  readonly [TypeId] = TypeId
  readonly name: string
  readonly kind: string
  readonly submit: (call: Call) => Effect.Effect<unknown, ThreadError>
  constructor(name: string, kind: string, submit: (call: Call) => Effect.Effect<unknown, ThreadError>) {
    this.name = name
    this.kind = kind
    this.submit = submit
  }
  toString(): string {
    return `Executor(${this.kind} ${this.name})`
  }
  toJSON(): unknown {
    return { _id: "Executor", name: this.name, kind: this.kind }
  }
}

/**
 * Builds an executor from its `submit` function (for custom executors; the library's come from
 * {@link threadPool}, `ProcessPool.make` and `Cluster.make`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: {
  readonly name: string
  readonly kind: string
  readonly submit: (call: Call) => Effect.Effect<unknown, ThreadError>
}): Executor => new ExecutorImpl(options.name, options.kind, options.submit)

/**
 * Whether `u` is an {@link Executor}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isExecutor = (u: unknown): u is Executor => typeof u === "object" && u !== null && TypeId in u

/**
 * The thread pool `toThread` uses where it runs (the run's, a `ThreadPool.layer`'s, or the process-wide one), as
 * an executor. It is the default executor.
 *
 * @category constructors
 * @since 0.1.0
 */
export const currentThreadPool: Executor = new ExecutorImpl(
  "ThreadPool (current)",
  "threads",
  submitOnPool(undefined)
)

/**
 * A new pool of worker threads as an executor, shut down when the scope closes (running calls may finish for up
 * to `shutdownTimeout` seconds, then their threads are terminated). asyncio's `ThreadPoolExecutor(max_workers)`
 * used as `with ThreadPoolExecutor() as pool:`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const threadPool = (options?: ThreadPoolOptions): Effect.Effect<Executor, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({ try: () => new Pool(makeConfig(options ?? {})), catch: (error) => error }).pipe(
      Effect.orDie
    ),
    (pool) => Effect.promise(() => pool.close())
  ).pipe(Effect.map((pool) => new ExecutorImpl(pool.config.name, "threads", submitOnPool(pool))))

/**
 * The default executor of `runInExecutor(null, …)`: unset, it is {@link currentThreadPool}.
 *
 * @category references
 * @since 0.1.0
 */
export const CurrentExecutor = Context.Reference<Executor>("@effect-asyncio/node/Executor", {
  defaultValue: () => currentThreadPool
})

/**
 * A layer that makes `executor` the default executor (`runInExecutor(null, …)`) for everything it is provided
 * to. asyncio's `loop.set_default_executor(executor)`.
 *
 * **asyncio** Python requires a `ThreadPoolExecutor` there (3.11+), because `to_thread` uses the default
 * executor; here `toThread` always uses the thread pool, so any executor may be the default.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (executor: Executor): Layer.Layer<never> => Layer.succeed(CurrentExecutor, executor)

/** The URL of `module` and its `onCancel`, or a `TypeError` naming `runInExecutor`. */
const resolve = (module: unknown): { readonly url: string; readonly onCancel: OnCancel | undefined } => {
  if (typeof module === "object" && module !== null && !(module instanceof URL) && "url" in module) {
    const work = module as WorkModule<unknown>
    return { url: work.url, onCancel: work.onCancel }
  }
  if (module instanceof URL || typeof module === "string") {
    try {
      return { url: workModule(module).url, onCancel: undefined }
    } catch {
      // workModule's message names toThread: say it for this call.
    }
  }
  throw new TypeError(
    `runInExecutor: a module was expected (workModule(url), a URL or an absolute path), got ${
      typeof module === "string" ? JSON.stringify(module) : typeof module
    }`
  )
}

/**
 * Runs the export `name` of a work module with `args` on `executor` — `null`/`undefined` for the default one —
 * and succeeds with its result. asyncio's `await loop.run_in_executor(executor, func, *args)`.
 *
 * **When to use** For CPU-bound work that should leave the event loop: on threads (cheap to start, shared
 * memory through `SharedArrayBuffer`), on processes (a crash or `process.exit` kills only that process), or on the
 * runners of a cluster (other machines).
 *
 * **Details** The module and export are named as for `toThread` (`workModule<typeof import("./work.ts")>(url)`
 * types the name, the arguments and the result). Arguments and results are copied (structured clone). The
 * function's exception fails the effect with a `ThreadError` on every executor; misuse is a defect.
 * Cancellation (interruption, `waitFor`, a failing `TaskGroup` sibling) stops the call: a queued call leaves the
 * queue; a running one has its thread or process terminated, or its remote job interrupted.
 *
 * **asyncio** `run_in_executor` returns a future; cancelling it cancels a call that has not started and leaves a
 * running one alone (a thread cannot be stopped, and `ProcessPoolExecutor` lets a started call finish). Here a
 * running call is stopped unless its module says `onCancel: "finish"`.
 *
 * **Example** (Same code, any executor)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Executor, workModule } from "@effect-asyncio/node"
 *
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 * const squares = (executor: Executor.Executor | null) =>
 *   asyncio.gather(...[1, 2, 3].map((n) => Executor.runInExecutor(executor, work, "square", n)))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export function runInExecutor<M, K extends WorkNames<M>>(
  executor: Executor | null | undefined,
  module: WorkModule<M>,
  name: K,
  ...args: WorkArgs<M[K]>
): Effect.Effect<WorkResult<M[K]>, ThreadError>
/**
 * Untyped form: the module by URL or absolute path.
 *
 * @category combinators
 * @since 0.1.0
 */
export function runInExecutor(
  executor: Executor | null | undefined,
  module: URL | string,
  name: string,
  ...args: ReadonlyArray<unknown>
): Effect.Effect<unknown, ThreadError>
export function runInExecutor(
  executor: Executor | null | undefined,
  module: WorkModule<unknown> | URL | string,
  name: string,
  ...args: ReadonlyArray<unknown>
): Effect.Effect<unknown, ThreadError> {
  return Effect.withFiber((fiber) => {
    if (executor !== null && executor !== undefined && !isExecutor(executor)) {
      return Effect.die(
        new TypeError(`runInExecutor: an Executor or null was expected, got ${typeof executor}`)
      )
    }
    let work: { readonly url: string; readonly onCancel: OnCancel | undefined }
    try {
      work = resolve(module)
    } catch (error) {
      return Effect.die(error)
    }
    if (typeof name !== "string") {
      return Effect.die(
        new TypeError(`runInExecutor: the name of an exported function was expected, got ${typeof name}`)
      )
    }
    const target = executor ?? fiber.getRef(CurrentExecutor)
    return target.submit({ module: work.url, name, args, onCancel: work.onCancel })
  })
}
