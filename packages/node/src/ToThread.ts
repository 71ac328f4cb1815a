/**
 * `toThread`: run a CPU-bound function in a worker thread, off the event loop. asyncio's
 * `asyncio.to_thread(func, *args)`.
 *
 * A function cannot be sent to another thread (a closure's variables live in this one), so work is addressed the
 * way a worker can load it: a **module URL and an export name**. {@link workModule} names the module once, typed
 * by `typeof import(…)` — a type-only import, so the module is *not* loaded on the main thread — and
 * {@link toThread} calls one of its exports with checked arguments and a typed result:
 *
 * ```ts
 * // work.ts — plain functions, no Effect needed
 * export const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2))
 *
 * // main.ts
 * import { toThread, workModule } from "@effect-asyncio/node"
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 * const program = toThread(work, "fib", 30) // Effect<number, ThreadError>
 * ```
 *
 * The calls run in the current {@link ThreadPool} (`run` installs one; see `ThreadPool.ts`). See
 * `docs/threads.md` for the design and `docs/semantics.md` for how it differs from Python.
 *
 * @since 0.1.0
 */
import { isAbsolute } from "node:path"
import { pathToFileURL } from "node:url"
import { RuntimeError, TypeError } from "@effect-asyncio/core/Errors"
import * as Validate from "@effect-asyncio/core/Validate"
import * as Effect from "effect/Effect"
import { ThreadError } from "./Errors.ts"
import { describeCall, type Outcome, type Pool, poolOf } from "./internal/pool.ts"
import type { OnCancel } from "./internal/poolConfig.ts"
import { cancelSignalKey, type SerializedError } from "./internal/protocol.ts"

export type { OnCancel } from "./internal/poolConfig.ts"

/**
 * Any function, as far as the type of a worker module's exports goes.
 *
 * @category models
 * @since 0.1.0
 */
export type AnyFunction = (...args: never) => unknown

/**
 * The names of the exports of `M` that are functions: what {@link toThread} can call.
 *
 * @category models
 * @since 0.1.0
 */
export type WorkNames<M> = {
  readonly [K in keyof M]-?: M[K] extends AnyFunction ? K : never
}[keyof M] &
  string

/**
 * The parameters of a function export.
 *
 * @category models
 * @since 0.1.0
 */
export type WorkArgs<F> = F extends (...args: infer P) => unknown ? P : never

/**
 * What a function export gives back through {@link toThread}: its return value, awaited.
 *
 * @category models
 * @since 0.1.0
 */
export type WorkResult<F> = F extends (...args: never) => infer R ? Awaited<R> : never

/**
 * Options of {@link workModule} and {@link WorkModule.withOptions}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ToThreadOptions {
  /**
   * What cancelling a call does while the function runs; defaults to the pool's setting (`"terminate"` unless
   * configured).
   *
   * - `"terminate"`: the worker thread is terminated (the function stops mid-computation) and the cancellation
   *   completes once the thread has stopped; the pool starts a fresh thread for the next call. A function that
   *   asked for its {@link cancelSignal} is told first: it may clean up and settle within the pool's
   *   `shutdownTimeout`, and keeps its thread if it does.
   * - `"finish"` (Python's behaviour): the caller is released at once and the function runs to its end on its
   *   thread, its result dropped; the thread serves the next call afterwards.
   *
   * A call still waiting for a thread is simply removed from the queue in both cases.
   */
  readonly onCancel?: OnCancel | undefined
}

const WorkModuleTypeId = "~effect-asyncio/node/WorkModule" as const

/**
 * A module that worker threads can load, typed by its exports `M`. Create it with {@link workModule}.
 *
 * @category models
 * @since 0.1.0
 */
export interface WorkModule<M> {
  readonly [WorkModuleTypeId]: typeof WorkModuleTypeId
  /** The module's URL (`file:///…/work.ts`), as the worker imports it. */
  readonly url: string
  /** The module's `onCancel` setting; `undefined` means the pool's. */
  readonly onCancel: OnCancel | undefined
  /** The same module with other options, e.g. `work.withOptions({ onCancel: "finish" })`. */
  withOptions(options: ToThreadOptions): WorkModule<M>
  /** Type-level only: the module's exports. */
  readonly "~exports"?: M | undefined
}

class WorkModuleImpl<M> implements WorkModule<M> {
  readonly [WorkModuleTypeId] = WorkModuleTypeId
  readonly url: string
  readonly onCancel: OnCancel | undefined
  declare readonly "~exports"?: M | undefined
  constructor(url: string, onCancel: OnCancel | undefined) {
    this.url = url
    this.onCancel = onCancel
  }
  withOptions(options: ToThreadOptions): WorkModule<M> {
    return new WorkModuleImpl<M>(this.url, readOnCancel("workModule.withOptions", options) ?? this.onCancel)
  }
  toString(): string {
    return `WorkModule(${this.url})`
  }
}

const isWorkModule = (u: unknown): u is WorkModule<unknown> =>
  typeof u === "object" && u !== null && WorkModuleTypeId in u

/** The URL a worker imports for `module`: a `URL`, a URL string or an absolute path. */
const resolveUrl = (call: string, module: URL | string): string => {
  if (module instanceof URL) return module.href
  if (typeof module === "string") {
    if (isAbsolute(module)) return pathToFileURL(module).href
    if (URL.canParse(module)) return new URL(module).href
  }
  throw new TypeError(
    `${call}: a module URL was expected (e.g. new URL("./work.ts", import.meta.url)) or an absolute path, got ${Validate.show(module)}`
  )
}

/**
 * Arguments that can never reach a worker thread — functions, Effects (closures inside) and symbols — refused at
 * the call; other values that cannot be cloned are refused when the call is sent.
 */
const checkArgs = (name: string, args: ReadonlyArray<unknown>): void => {
  args.forEach((arg, index) => {
    if (typeof arg === "function" || typeof arg === "symbol" || Effect.isEffect(arg)) {
      throw new TypeError(
        `toThread: argument ${index} of ${name} cannot be sent to a worker thread (structured clone), got ${Validate.show(arg)}`
      )
    }
  })
}

/**
 * Names a module for worker threads: `workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))`.
 *
 * **When to use** Once per module of CPU-bound functions; then `toThread(work, "name", ...args)`.
 *
 * **Details** The type argument (a type-only `import()`, which loads nothing) gives {@link toThread} the names,
 * parameters and results of the module's functions; keep it and the URL pointing at the same file. The URL is
 * what each worker `import()`s: a `.ts` file works on Node ≥ 23.6 (type stripping, erasable syntax only), a `.js`
 * file everywhere. The module is loaded once per worker thread, on its first call; its top-level code runs there,
 * not on the main thread. Throws a `TypeError` for something that is not a URL or an absolute path.
 *
 * **Example** (A typed handle)
 * ```ts
 * import { toThread, workModule } from "@effect-asyncio/node"
 *
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 * const fib30 = toThread(work, "fib", 30) // Effect<number, ThreadError>
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const workModule = <M>(url: URL | string, options?: ToThreadOptions): WorkModule<M> =>
  new WorkModuleImpl<M>(resolveUrl("workModule", url), readOnCancel("workModule", options))

/** The `onCancel` of a `ToThreadOptions` object, checked (`undefined`: the pool's). */
const readOnCancel = (call: string, options: ToThreadOptions | undefined): OnCancel | undefined => {
  const onCancel = Validate.options(call, options, ["onCancel"]).onCancel
  return onCancel === undefined
    ? undefined
    : Validate.oneOf(call, onCancel, "onCancel", ["terminate", "finish"])
}

const toThreadError = (error: SerializedError, work: string): ThreadError => {
  const result = new ThreadError({
    message: error.message,
    errorName: error.name,
    data: error.data,
    thrown: error.isError ? undefined : error.value,
    work,
    cause: error.cause === undefined ? undefined : toThreadError(error.cause, work)
  })
  // The stack that matters is the worker's: where the function threw.
  if (error.stack !== undefined) result.stack = `ThreadError: ${error.stack}`
  return result
}

const fromOutcome = (outcome: Outcome, work: string): Effect.Effect<unknown, ThreadError> => {
  switch (outcome._tag) {
    case "Success":
      return Effect.succeed(outcome.value)
    case "Threw":
      return Effect.fail(toThreadError(outcome.error, work))
    case "Defect":
      return Effect.die(outcome.defect)
  }
}

/**
 * Runs the export `name` of a worker module with `args` in a worker thread of the current thread pool and
 * succeeds with its result (awaited, if it returns a promise). asyncio's `await asyncio.to_thread(func, *args)`.
 *
 * **When to use** For CPU-bound work (parsing, hashing, image or number crunching) that would otherwise block
 * the event loop: while it runs on the main thread no timer fires and no other task makes progress.
 *
 * **Details**
 * - The call waits FIFO for a free thread; threads start on demand, up to the pool's size.
 * - `args` and the result are copied with the structured clone algorithm (numbers, strings, plain objects,
 *   arrays, `Map`, `Set`, `Date`, typed arrays, …; a `SharedArrayBuffer` is shared, not copied). Something that
 *   cannot be cloned (a function, a class instance's methods) is a defect carrying `TypeError`.
 * - If the function throws (or rejects) the effect fails with a {@link ThreadError} (its name, message, worker
 *   stack and copyable properties). A module that does not load, a missing export or a dying thread is a defect.
 * - **Cancellation** (interruption, `waitFor`, `task.cancel()`): a queued call leaves the queue. A running
 *   call's thread is **terminated** by default — the function stops and the cancellation completes when the thread
 *   is gone — or, with `onCancel: "finish"`, left to **finish** while the caller is released at once (Python's
 *   behaviour). See {@link ToThreadOptions.onCancel}. A function that listens to its {@link cancelSignal} cleans
 *   up first, and the cancellation completes when it has settled.
 *
 * **asyncio** `to_thread(func, /, *args, **kwargs)`. Differences: the function is named by module and export
 * (functions cannot cross threads); keyword arguments are an object argument; the worker does not see the
 * caller's context (Python copies `contextvars`: pass what the function needs as arguments); threads run truly in
 * parallel (no GIL); and cancellation terminates the thread unless `onCancel: "finish"` (Python cannot stop a
 * thread: `wait_for(to_thread(f), 1)` raises `TimeoutError` while `f` keeps running).
 *
 * **Gotchas** Worker start-up costs tens of milliseconds (once per thread) and every call copies its arguments:
 * send work worth more than that. A terminated function gets no chance to clean up: listen to
 * {@link cancelSignal} to clean up, or use `"finish"` for functions with side effects that must not be cut short
 * (writing a file).
 *
 * **Example** (A timer keeps ticking while fib(35) runs)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { run, toThread, workModule } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 *
 * run(Effect.gen(function*() {
 *   const ticker = yield* asyncio.createTask(Effect.forever(asyncio.sleep(0.1)))
 *   const value = yield* asyncio.waitFor(toThread(work, "fib", 35), 10)
 *   yield* ticker.cancel()
 *   console.log(value) // 9227465
 * }))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export function toThread<M, K extends WorkNames<M>>(
  module: WorkModule<M>,
  name: K,
  ...args: WorkArgs<M[K]>
): Effect.Effect<WorkResult<M[K]>, ThreadError>
/**
 * Untyped form: the module by URL (`new URL("./work.ts", import.meta.url)`) or absolute path, the export by name.
 *
 * @category combinators
 * @since 0.1.0
 */
export function toThread(
  module: URL | string,
  name: string,
  ...args: ReadonlyArray<unknown>
): Effect.Effect<unknown, ThreadError>
export function toThread(
  module: WorkModule<unknown> | URL | string,
  name: string,
  ...args: ReadonlyArray<unknown>
): Effect.Effect<unknown, ThreadError> {
  return Validate.atCall(() => {
    const url = isWorkModule(module) ? module.url : resolveUrl("toThread", module)
    const onCancel = isWorkModule(module) ? module.onCancel : undefined
    if (typeof name !== "string") {
      throw new TypeError(
        `toThread: name must be the name of an exported function, got ${Validate.show(name)}`
      )
    }
    checkArgs(name, args)
    return Effect.withFiber((fiber) => submit(poolOf(fiber), url, name, args, onCancel))
  })
}

const submit = (
  pool: Pool,
  url: string,
  name: string,
  args: ReadonlyArray<unknown>,
  onCancel: OnCancel | undefined
): Effect.Effect<unknown, ThreadError> => {
  const work = describeCall({ module: url, name })
  return Effect.callback<unknown, ThreadError>((resume) => {
    const call = pool.submit(url, name, args, onCancel ?? pool.config.onCancel, (outcome) =>
      resume(fromOutcome(outcome, work))
    )
    if (call === undefined) return
    return Effect.suspend(() => {
      const stopped = pool.cancel(call)
      return stopped === undefined ? Effect.void : Effect.promise(() => stopped)
    })
  })
}

/**
 * Inside a function that `toThread` or an executor runs (on a worker thread, a pool process or a cluster runner),
 * the `AbortSignal` of the current call: aborted when the call is cancelled. asyncio has no equivalent (a thread
 * cannot be cancelled there); AnyIO's and Trio's `from_thread.check_cancelled()` are the nearest.
 *
 * **Details**
 * - Only a function that asked for its signal is told: its signal is aborted (reason: an `AbortError`) and the
 *   cancellation waits until the function settles — its `finally` blocks run — for up to the pool's
 *   `shutdownTimeout` (0.3 s by default); its thread then serves the next call. A function that did not ask, or
 *   that does not settle in time (a loop that never yields), has its thread terminated, as before.
 * - With `onCancel: "finish"` the signal is never aborted: the function runs to its end.
 * - The function should settle soon after the signal aborts (reject with `signal.reason`, or return); its result
 *   is dropped either way.
 * - Called anywhere else (the main thread, or after the function settled) it throws a `RuntimeError`.
 *
 * **Example** (A job that cleans up when cancelled)
 * ```ts
 * // work.ts, run with toThread(work, "watch", path) or Executor.runInExecutor(cluster, work, "watch", path)
 * import { cancelSignal } from "@effect-asyncio/node/ToThread"
 *
 * export const watch = async (path: string): Promise<never> => {
 *   const signal = cancelSignal()
 *   const timer = setInterval(() => console.log("still watching", path), 1000)
 *   try {
 *     return await new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)))
 *   } finally {
 *     clearInterval(timer) // runs when the caller cancels, on whichever thread or runner the job ran
 *   }
 * }
 * ```
 *
 * @category cancellation
 * @since 0.1.0
 */
export const cancelSignal = (): AbortSignal => {
  const current: unknown = Reflect.get(globalThis, Symbol.for(cancelSignalKey))
  const signal: unknown = typeof current === "function" ? Reflect.apply(current, undefined, []) : undefined
  if (!(signal instanceof AbortSignal)) {
    throw new RuntimeError(
      "cancelSignal(): not inside a function run by toThread or an executor (call it while the function runs)"
    )
  }
  return signal
}
