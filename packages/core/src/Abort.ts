/**
 * The bridge between cancellation and `AbortSignal`, both ways.
 *
 * - **Cancellation → signal.** Promise-based code (`fetch`, `http.request`, timers, streams, most modern Node and
 *   web APIs) is cancelled with an `AbortSignal`. {@link fromPromise} hands one to the code and aborts it when the
 *   task running it is cancelled; {@link signal} gives a signal for the current scope. The signal's `reason` is a
 *   {@link CancelledError} carrying the {@link CancelReason} — `timeout` for a `waitFor` deadline, `cancel` and
 *   the message for `task.cancel(msg)`, `signal` for Ctrl-C under `run`, `shutdown` when the loop ends.
 * - **Signal → cancellation.** An `AbortSignal` from outside (a framework's request signal, an
 *   `AbortSignal.timeout(…)`, a UI "stop" button) cancels an effect ({@link withSignal}) or a task
 *   ({@link createTask}); the cancel reason is kind `cancel` with the signal's `reason` as its message.
 *
 * asyncio has no `AbortSignal`: there, cancelling a task cancels the future it awaits, and a library wrapping a
 * callback API cancels the operation in the future's done callback. This module is that, for JavaScript's
 * standard cancellation token.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import type * as Scope from "effect/Scope"
import { CancelledError, type CancelReason, TypeError } from "./Errors.ts"
import * as cancelScope from "./internal/cancelScope.ts"
import type * as hooks from "./internal/hooks.ts"
import { captureSite } from "./internal/observe.ts"
import { CurrentTask } from "./internal/owner.ts"
import { ownCancelReason, reasonAnnotations, reasonOf } from "./internal/reason.ts"
import { createTaskAt } from "./internal/spawn.ts"
import * as validate from "./internal/validate.ts"
import { type CreateTaskOptions, cancelUnsafe, type Task } from "./Task.ts"

// ---------------------------------------------------------------------------------------------------------
// Cancellation → signal
// ---------------------------------------------------------------------------------------------------------

/**
 * The reason a fiber is being cancelled: the one its interrupt carries, else the one this library recorded for
 * the fiber, else — for a fiber interrupted by raw Effect code inside a task being cancelled (a concurrent
 * `Effect.all`, a race) — the task's.
 */
const reasonFor = (fiber: Fiber.Fiber<unknown, unknown>, cause: Cause.Cause<unknown>): CancelReason => {
  const annotated = reasonOf(cause)
  if (annotated.kind !== "interrupt") return annotated
  const own = ownCancelReason(fiber)
  if (own !== undefined) return own
  const task = fiber.getRef(CurrentTask)
  const pending = task?.pendingReason
  return pending === undefined ? annotated : pending
}

/**
 * Options of {@link fromPromise}.
 *
 * @category models
 * @since 0.1.0
 */
export interface FromPromiseOptions<E> {
  /**
   * Turns a rejection (or a synchronous throw of `evaluate`) into the typed error. Without it the error is
   * Effect's `Cause.UnknownError`, holding the rejection as `cause`. If it throws, that is a defect.
   */
  readonly catch?: ((error: unknown) => E) | undefined
  /**
   * Whether cancellation waits, after aborting the signal, for the promise to settle (default `true`): the
   * cancellation then completes when the operation has actually stopped — its socket closed, its file handle
   * released — as `waitFor` includes the clean-up of what it cancels. Pass `false` for a promise that may ignore
   * its signal (it would make the cancellation wait forever).
   */
  readonly waitOnAbort?: boolean | undefined
}

/**
 * Runs Promise-based code that accepts an `AbortSignal`, and aborts the signal when the effect is cancelled.
 *
 * **When to use** For any Promise API with a `signal` option — `fetch`, `http.request`, `stream.pipeline`,
 * `events.once`, `timers/promises`, `fs.readFile` — so that cancelling the task (a timeout, `task.cancel()`,
 * Ctrl-C under `run`) really stops the operation instead of leaving it running unobserved.
 *
 * **Details**
 * - `evaluate(signal)` is called when the effect runs; the effect succeeds with the promise's value or fails with
 *   `catch(rejection)` (default: `Cause.UnknownError`).
 * - On cancellation the signal is aborted with a {@link CancelledError} as `signal.reason`; its `reason` is the
 *   task's {@link CancelReason} (`err.reason.kind === "timeout"`, …). Then, unless `waitOnAbort: false`, the
 *   cancellation waits for the promise to settle; its outcome is ignored.
 * - A signal is never aborted after the promise settled.
 * - A synchronous throw of `evaluate` is the operation failing, like a rejection (`catch` sees it). Misuse is a
 *   defect carrying `TypeError`: `evaluate` not a function (at the call), or returning something that is not a
 *   promise — typically a forgotten `return`; the signal is then aborted (its reason is that error) so whatever
 *   the function started stops, and finalizers run as for any defect.
 *
 * **asyncio** Awaiting a future inside a task: cancelling the task cancels the future, and code that wrapped a
 * callback API in the future stops the operation. `Effect.tryPromise` also passes a signal, aborted with a
 * generic reason and not waited for.
 *
 * **Example** (A request that stops when its deadline expires)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 *
 * const get = (url: string) =>
 *   asyncio.Abort.fromPromise((signal) => fetch(url, { signal }).then((response) => response.text()))
 *
 * // After 2 s the request is aborted (signal.reason is a CancelledError, reason.kind "timeout"),
 * // and waitFor fails with TimeoutError once fetch has rejected.
 * const program = asyncio.waitFor(get("http://127.0.0.1:8080/slow"), 2)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export function fromPromise<A>(
  evaluate: (signal: AbortSignal) => PromiseLike<A>,
  options?: { readonly catch?: undefined; readonly waitOnAbort?: boolean | undefined }
): Effect.Effect<A, Cause.UnknownError>
export function fromPromise<A, E>(
  evaluate: (signal: AbortSignal) => PromiseLike<A>,
  options: FromPromiseOptions<E> & { readonly catch: (error: unknown) => E }
): Effect.Effect<A, E>
export function fromPromise<A, E>(
  evaluate: (signal: AbortSignal) => PromiseLike<A>,
  options?: FromPromiseOptions<E>
): Effect.Effect<A, E | Cause.UnknownError> {
  // An overload implementation returns a wider type than each overload, and the Effect language service compares
  // the body with an overload.
  // @effect-diagnostics-next-line missingEffectContext:off missingEffectError:off
  return validate.atCall<A, E | Cause.UnknownError, never>(() => {
    validate.fn("Abort.fromPromise", evaluate, "evaluate")
    const checked = validate.options("Abort.fromPromise", options, fromPromiseKeys)
    const catcher = validate.optionalFn("Abort.fromPromise", checked.catch, "catch")
    const wait = validate.boolean("Abort.fromPromise", checked.waitOnAbort, "waitOnAbort", true)
    const failWith = (error: unknown): Effect.Effect<never, E | Cause.UnknownError> => {
      if (catcher === undefined) {
        return Effect.fail(new Cause.UnknownError(error, "An error occurred in Abort.fromPromise"))
      }
      try {
        return Effect.fail(catcher(error))
      } catch (defect) {
        return Effect.die(defect)
      }
    }
    return Effect.suspend(() => {
      const controller = new AbortController()
      let settled: Promise<void> | undefined
      let done = false
      const operation = Effect.callback<A, E | Cause.UnknownError>((resume) => {
        let promise: unknown
        try {
          promise = evaluate(controller.signal)
        } catch (error) {
          // A synchronous throw is the operation failing, like a rejection (`new Promise`'s executor and
          // `Effect.tryPromise` treat it the same way).
          done = true
          resume(failWith(error))
          return
        }
        if (!isThenable(promise)) {
          // Misuse (typically a forgotten `return`): whatever the function started with the signal is stopped,
          // and the call dies with a TypeError — finalizers run, nothing is left unhandled.
          done = true
          const misuse = new TypeError(
            `Abort.fromPromise: evaluate must return a promise, got ${validate.show(promise)}`
          )
          controller.abort(misuse)
          resume(Effect.die(misuse))
          return
        }
        // `Promise.resolve` adopts any thenable; a `then` that throws becomes a rejection, not a crash.
        settled = Promise.resolve(promise).then(
          (value) => {
            done = true
            resume(Effect.succeed(value as A))
          },
          (error: unknown) => {
            done = true
            resume(failWith(error))
          }
        )
      })
      return Effect.onExit(operation, (exit) => {
        if (exit._tag === "Success" || done || !Cause.hasInterrupts(exit.cause)) return Effect.void
        return Effect.withFiber((fiber) => {
          controller.abort(new CancelledError(reasonFor(fiber, exit.cause)))
          const pending = settled
          return wait && pending !== undefined ? Effect.promise(() => pending) : Effect.void
        })
      })
    })
  })
}

const fromPromiseKeys = ["catch", "waitOnAbort"]

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === "object" || typeof u === "function") &&
  u !== null &&
  typeof (u as { readonly then?: unknown }).then === "function"

/**
 * An `AbortSignal` that is aborted when the current scope closes: with the cancel reason if the scope closes
 * because its fiber was cancelled, and with a `shutdown` reason otherwise (the work it guards must not outlive
 * the scope).
 *
 * **When to use** For callback-style APIs that take a signal (`http.request(url, { signal })`,
 * `child_process.spawn(cmd, { signal })`, `addEventListener(type, fn, { signal })`), or to share one signal
 * between several promises. For a single promise prefer {@link fromPromise}, which also waits for it to stop.
 *
 * **Details** `signal.reason` is a {@link CancelledError}. Inside `Effect.scoped`, the scope of a task body,
 * `TaskGroup.run`, … — any `Scope`.
 *
 * **Example** (A listener removed when the scope ends, however it ends)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const events = new EventTarget()
 * const program = Effect.gen(function*() {
 *   const signal = yield* asyncio.Abort.signal
 *   events.addEventListener("tick", () => console.log("tick"), { signal })
 *   yield* asyncio.sleep(10) // cancelled early or not, the listener goes with the scope
 * }).pipe(Effect.scoped)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const signal: Effect.Effect<AbortSignal, never, Scope.Scope> = Effect.withFiber((owner) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new AbortController()),
      (controller, exit) =>
        Effect.sync(() => {
          if (controller.signal.aborted) return
          const reason: CancelReason =
            exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)
              ? reasonFor(owner, exit.cause)
              : {
                  kind: "shutdown",
                  detail: `the scope that owned the AbortSignal closed (${exit._tag === "Success" ? "success" : "failure"})`
                }
          controller.abort(new CancelledError(reason))
        })
    ),
    (controller) => controller.signal
  )
)

// ---------------------------------------------------------------------------------------------------------
// Signal → cancellation
// ---------------------------------------------------------------------------------------------------------

/**
 * The cancel reason for an aborted `signal`: kind `cancel` with `signal.reason` as the message — or, when the
 * signal was itself aborted by this library (its reason is a {@link CancelledError}), that cancellation's kind
 * and message, so a cancellation keeps its root cause across a signal.
 *
 * @category cancellation
 * @since 0.1.0
 */
export const reasonOfSignal = (aborted: AbortSignal): CancelReason => {
  const reason: unknown = validate.signal("Abort.reasonOfSignal", aborted).reason
  if (reason instanceof CancelledError) {
    return {
      kind: reason.reason.kind,
      message: reason.reason.message,
      detail: `via an AbortSignal: ${reason.reason.detail}`
    }
  }
  return { kind: "cancel", message: reason, detail: "an AbortSignal was aborted" }
}

/**
 * Runs `effect`, cancelling it if `signal` is aborted (at once if it already is: then `effect` does not start).
 *
 * **When to use** To let code outside Effect stop an operation: a web framework's per-request signal (stop
 * working for a client that went away), `AbortSignal.timeout(ms)`, `AbortSignal.any([...])`, a stop button.
 *
 * **Details** `effect` runs on a child fiber that reports the caller's task as `currentTask()`. When the signal
 * aborts, `effect` is cancelled with the reason {@link reasonOfSignal} gives (kind `cancel`, message
 * `signal.reason`), its finalizers run, and `withSignal` ends **cancelled** with that reason: a task whose body it
 * is ends cancelled, `task.exception()` fails with a `CancelledError` whose `reason.message` is the signal's
 * reason. Cancelling the caller cancels `effect` too (and waits for it). The listener is removed when `effect` ends.
 *
 * **asyncio** Like `task.cancel(msg)` called from a callback, for the region `effect` covers. (To get a value
 * instead of a cancellation, wrap: `Effect.exit(withSignal(…))`.)
 *
 * **Example** (Give up after 5 s, by a signal from outside)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 *
 * const program = asyncio.Abort.withSignal(asyncio.sleep(10), AbortSignal.timeout(5000))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withSignal: {
  (signal: AbortSignal): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, signal: AbortSignal): Effect.Effect<A, E, R>
} = dual(
  // Data-last for `effect.pipe(withSignal(signal))`: a single argument that is not an effect.
  (args) => args.length >= 2 || Effect.isEffect(args[0]),
  <A, E, R>(effect: Effect.Effect<A, E, R>, signal: AbortSignal): Effect.Effect<A, E, R> =>
    validate.atCall(() => {
      validate.effect("Abort.withSignal", effect)
      validate.signal("Abort.withSignal", signal)
      return withSignalChecked(effect, signal)
    })
)

const withSignalChecked = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  signal: AbortSignal
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    if (signal.aborted) {
      return Effect.failCause(Cause.annotate(Cause.interrupt(), reasonAnnotations(reasonOfSignal(signal))))
    }
    // A cancel scope whose cancellation is the signal's abort: the listener exists before the effect's first step,
    // so an abort the effect itself causes is not lost; it is removed when the scope ends.
    return Effect.flatMap(
      cancelScope.make({ name: "withSignal", prefix: "withSignal", deadline: () => undefined }),
      (scope) => {
        const onAbort = (): void => scope.cancel(reasonOfSignal(signal))
        signal.addEventListener("abort", onAbort, { once: true })
        // The fiber may have yielded since the check above: an abort that fired before the listener existed is
        // applied now (the scope cancels its body as soon as it starts).
        if (signal.aborted) onAbort()
        return cancelScope.enter(
          "Abort.withSignal",
          scope,
          () => effect,
          (outcome) => {
            signal.removeEventListener("abort", onAbort)
            scope.close(outcome)
            return cancelScope.resultOf(outcome)
          }
        )
      }
    )
  })

/**
 * Options of {@link createTask}: a name, and the signal that cancels the task.
 *
 * @category models
 * @since 0.1.0
 */
export interface CreateTaskWithSignalOptions extends CreateTaskOptions {
  /** Aborting it cancels the task (reason from {@link reasonOfSignal}); already aborted: the task never starts. */
  readonly signal: AbortSignal
}

/**
 * `createTask`, plus cancellation by an `AbortSignal`: when `signal` aborts, the task is cancelled as if
 * `task.cancel(signal.reason)` had been called (counted by `cancelling()`, forwarded to what the task awaits).
 *
 * **Details** A signal that is already aborted cancels the task before its first step, so its body never runs
 * (Python: a task cancelled before it starts). The listener is removed when the task is done.
 *
 * **Example** (A background job stopped from outside)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const controller = new AbortController()
 * const program = Effect.gen(function*() {
 *   const job = yield* asyncio.Abort.createTask(asyncio.sleep(60), { name: "job", signal: controller.signal })
 *   controller.abort("user pressed stop")
 *   yield* Effect.exit(job) // cancelled; (yield* Effect.flip(job.exception())).cancelMessage === "user pressed stop"
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export function createTask<
  Arg extends
    | Effect.Effect<unknown, unknown, unknown>
    | CreateTaskWithSignalOptions = CreateTaskWithSignalOptions
>(
  effectOrOptions: Arg,
  ...options: [Arg] extends [Effect.Effect<unknown, unknown, unknown>]
    ? [options: CreateTaskWithSignalOptions]
    : []
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<Task<_A, _E>, never, _R>
  : <A, E = never, R = never>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Task<A, E>, never, R>
export function createTask(...args: ReadonlyArray<unknown>): unknown {
  const site = captureSite(createTask)
  return validate.selfOrOptions(args, (effect, options) =>
    createTaskWithSignal(
      effect as Effect.Effect<unknown, unknown, unknown>,
      options as CreateTaskWithSignalOptions,
      site
    )
  )
}

const createTaskWithSignal = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: CreateTaskWithSignalOptions,
  site: hooks.Site | undefined
): Effect.Effect<Task<A, E>, never, R> =>
  validate.atCall(() => {
    if (options === undefined || options === null) {
      throw new TypeError(
        `Abort.createTask: options with a signal were expected, got ${validate.show(options)}`
      )
    }
    const checked = validate.options("Abort.createTask", options, createTaskKeys)
    const aborted = validate.signal("Abort.createTask", checked.signal)
    return withAbortingTask(createTaskAt("Abort.createTask", effect, checked.name, site), aborted)
  })

const createTaskKeys = ["name", "signal"]

const withAbortingTask = <A, E, R>(
  create: Effect.Effect<Task<A, E>, never, R>,
  aborted: AbortSignal
): Effect.Effect<Task<A, E>, never, R> =>
  Effect.map(create, (task) => {
    if (aborted.aborted) {
      cancelUnsafe(task, reasonOfSignal(aborted))
      return task
    }
    const onAbort = (): void => {
      cancelUnsafe(task, reasonOfSignal(aborted))
    }
    aborted.addEventListener("abort", onAbort, { once: true })
    task.fiber.addObserver(() => aborted.removeEventListener("abort", onAbort))
    return task
  })
