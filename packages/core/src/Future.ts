/**
 * Futures: asyncio's `Future` — a result that somebody sets later — and `wrap_future`/`ensure_future` for a
 * `Promise`. Protocol and RPC code is full of them: a request's future, kept in a table by id, completed when the
 * reply arrives.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const fut = yield* asyncio.Future.make<string>()
 *   yield* fut.setResult("pong") // from the code that receives the reply
 *   return yield* fut // awaiting it: "pong"
 * })
 * ```
 *
 * A {@link Future} is awaited like a task (`yield* fut`) and is accepted wherever a task is: `gather`, `wait`,
 * `asCompleted` (which yield the future itself), `waitFor`, `shield`. As in asyncio, **awaiting a future and being
 * cancelled cancels the future** (everyone else awaiting it ends cancelled too), `waitFor(fut, t)` cancels it when
 * the time is up, and `shield(fut)` protects it. It is not a task: `isTask(fut)` is `false`, `allTasks()` does not
 * list it, and it runs no code — it has a fiber only to be awaited as one.
 *
 * Its methods return effects, like a task's; from a callback outside any fiber, return the effect from a loop
 * callback (`loop.callSoon(() => fut.setResult(reply))`) — asyncio's `loop.call_soon_threadsafe(fut.set_result,
 * reply)`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { InvalidStateError, TypeError } from "./Errors.ts"
import { describeError } from "./internal/format.ts"
import { neverRetrieved } from "./internal/loopState.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { CurrentLoop, CurrentTask, type LoopImpl, type Owner } from "./internal/owner.ts"
import { isTask as isTaskImpl, TaskImpl } from "./internal/task.ts"
import * as validate from "./internal/validate.ts"
import { createTask, type Task } from "./Task.ts"

/**
 * @category symbols
 * @since 0.1.0
 */
export const FutureTypeId = "~effect-asyncio/Future" as const

/**
 * A result that is set later: asyncio's `asyncio.Future`. Awaiting it (`yield* fut`) succeeds with the result, fails
 * with the exception, or ends cancelled. It has every method of a {@link Task} that reads the outcome (`done`,
 * `cancelled`, `result`, `exception`, `cancel(msg)`, `addDoneCallback`, `removeDoneCallback`), plus the two that set
 * it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Future<A, E = never> extends Task<A, E> {
  readonly [FutureTypeId]: typeof FutureTypeId
  /**
   * Sets the result: the future is done, and everyone awaiting it resumes with `value`. Fails with
   * `InvalidStateError` if it is already done (set, failed or cancelled), as Python's `set_result` raises it.
   */
  setResult(value: A): Effect.Effect<void, InvalidStateError>
  /**
   * Sets the exception: everyone awaiting it fails with `error`. Fails with `InvalidStateError` if it is already
   * done. Python's `set_exception(exc)`.
   */
  setException(error: E): Effect.Effect<void, InvalidStateError>
}

/** Futures belong to no owner: they run no code, and nothing outlives a loop scope through them. */
const noOwner: Owner = { _tag: "Detached", loop: undefined }

let futureCounter = 0

/** A future: a task whose fiber only waits until `setResult`, `setException` or `cancel` decides its outcome. */
class FutureImpl<A, E> extends TaskImpl<A, E> implements Future<A, E> {
  readonly [FutureTypeId] = FutureTypeId
  private settle: ((exit: Exit.Exit<A, E>) => void) | undefined = undefined

  constructor(context: Context.Context<never>, loop: LoopImpl | undefined) {
    super(`Future-${++futureCounter}`, noOwner, false)
    // A future runs no code: its fiber is not a task's (Python's current_task() is None in its callbacks).
    this.fiber = Effect.runForkWith(Context.add(context, CurrentTask, undefined))(
      Effect.callback<A, E>((resume) => {
        this.settle = resume
      })
    )
    if (loop !== undefined) {
      // "Future exception was never retrieved", while the loop has an exception handler (EventLoop.ts).
      this.fiber.addObserver((exit) => {
        if (exit._tag === "Failure") neverRetrieved(loop, this as TaskImpl<unknown, unknown>, "Future")
      })
    }
  }

  setResult(value: A): Effect.Effect<void, InvalidStateError> {
    return Effect.suspend(() => this.complete("setResult", Exit.succeed(value)))
  }

  setException(error: E): Effect.Effect<void, InvalidStateError> {
    return Effect.suspend(() => this.complete("setException", Exit.fail(error)))
  }

  private complete(call: string, exit: Exit.Exit<A, E>): Effect.Effect<void, InvalidStateError> {
    if (this.fiber.pollUnsafe() !== undefined) {
      return Effect.fail(new InvalidStateError(`future.${call}: ${this.toString()} is already done`))
    }
    // Resuming completes the fiber at once: done() is true when this returns, as in Python.
    this.settle!(exit)
    return Effect.void
  }

  /** Python's `repr(fut)`: `<Future pending>`, `<Future cancelled>`, `<Future finished result=4>`. */
  override toString(): string {
    const exit = this.fiber?.pollUnsafe()
    if (exit === undefined) return "<Future pending>"
    const outcome = outcomeOf(exit)
    switch (outcome._tag) {
      case "Result":
        return `<Future finished result=${reprOf(outcome.value)}>`
      case "Exception":
        return `<Future finished exception=${exceptionRepr(outcome.error)}>`
      case "Cancelled":
        return "<Future cancelled>"
    }
  }
  override toJSON(): unknown {
    return { _id: "Future", done: this.fiber?.pollUnsafe() !== undefined }
  }
}

const reprOf = (u: unknown): string => (typeof u === "string" ? `'${u}'` : validate.show(u))

const exceptionRepr = (error: unknown): string => {
  const described = describeError(error)
  const colon = described.indexOf(": ")
  return colon < 0 ? `${described}()` : `${described.slice(0, colon)}('${described.slice(colon + 2)}')`
}

/** A future in `context`, reporting to the loop scope of that context (if any). */
export const makeIn = <A, E>(context: Context.Context<never>): Future<A, E> =>
  new FutureImpl<A, E>(context, Context.get(context, CurrentLoop))

/**
 * Creates a pending future. asyncio's `asyncio.Future()` (or `loop.create_future()`, also on the loop handle).
 *
 * **Details** The future is not bound to a loop scope: it can be awaited from any fiber. While it belongs to one (made
 * inside it), an exception set on it that nobody retrieves is reported to the loop's exception handler, as a task's
 * is ("Future exception was never retrieved").
 *
 * **Example** (Request and reply)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const reply = yield* asyncio.Future.make<string>()
 *   yield* asyncio.createTask(Effect.andThen(asyncio.sleep(1), reply.setResult("pong")))
 *   return yield* asyncio.waitFor(reply, 5) // "pong" after 1 s
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <A, E = never>(): Effect.Effect<Future<A, E>> =>
  Effect.withFiber((fiber) => Effect.succeed(makeIn<A, E>(fiber.context)))

/**
 * Creates a pending future outside any fiber (a class field, a module constant): Python's `asyncio.Future()` in an
 * `__init__`. It belongs to no loop scope, so its exceptions are not reported to an exception handler.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = <A, E = never>(): Future<A, E> => makeIn<A, E>(Context.empty())

/**
 * Whether `u` is a future **or a task**, as Python's `asyncio.isfuture(task)` is true (a task is a future there).
 * `isTask` tells them apart.
 *
 * @category guards
 * @since 0.1.0
 */
export const isFuture = (u: unknown): u is Task<unknown, unknown> => isTaskImpl(u)

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { readonly then?: unknown }).then === "function"

/**
 * A future that completes when `promise` settles: with its value, or with its rejection as the exception (the very
 * rejection value). Cancelling the future does not stop what the promise stands for (a promise cannot be cancelled;
 * to stop the operation too, use `Abort.fromPromise`); its later outcome is then ignored. A task or a future is
 * returned as it is. asyncio's `asyncio.wrap_future(concurrent_future)`.
 *
 * @category constructors
 * @since 0.1.0
 */
export function wrapFuture<A, E>(future: Task<A, E>): Effect.Effect<Task<A, E>>
export function wrapFuture<A>(promise: PromiseLike<A>): Effect.Effect<Future<A, unknown>>
export function wrapFuture(u: unknown): Effect.Effect<Task<unknown, unknown>> {
  return validate.atCall((): Effect.Effect<Task<unknown, unknown>> => {
    if (isTaskImpl(u)) return Effect.succeed(u)
    if (!isPromiseLike(u)) {
      throw new TypeError(`wrapFuture: a Promise, a future or a task was expected, got ${validate.show(u)}`)
    }
    return Effect.withFiber((fiber) => {
      const future = makeIn<unknown, unknown>(fiber.context)
      u.then(
        (value) => {
          if (future.fiber.pollUnsafe() === undefined) Effect.runSync(future.setResult(value))
        },
        (reason: unknown) => {
          if (future.fiber.pollUnsafe() === undefined) Effect.runSync(future.setException(reason))
        }
      )
      return Effect.succeed(future)
    })
  })
}

/**
 * Anything awaitable as a task or a future: a task or a future as it is, an Effect as a new task
 * (`createTask(effect)`), a `Promise` as a future (`wrapFuture`). Anything else is a `TypeError`. asyncio's
 * `asyncio.ensure_future(obj)`.
 *
 * @category constructors
 * @since 0.1.0
 */
export function ensureFuture<A, E>(task: Task<A, E>): Effect.Effect<Task<A, E>>
export function ensureFuture<A>(promise: PromiseLike<A>): Effect.Effect<Future<A, unknown>>
export function ensureFuture<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Task<A, E>, never, R>
export function ensureFuture(u: unknown): Effect.Effect<Task<unknown, unknown>, never, unknown> {
  // An overload implementation is wider than each overload (the services of an Effect argument are the caller's).
  // @effect-diagnostics-next-line missingEffectContext:off
  return validate.atCall((): Effect.Effect<Task<unknown, unknown>, never, unknown> => {
    if (isTaskImpl(u)) return Effect.succeed(u)
    if (Effect.isEffect(u)) return createTask(u)
    if (isPromiseLike(u)) return wrapFuture(u)
    throw new TypeError(
      `ensureFuture: a Future, a Task, an Effect or a Promise was expected, got ${validate.show(u)} (Python: "An asyncio.Future, a coroutine or an awaitable is required")`
    )
  })
}
