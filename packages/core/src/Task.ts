/**
 * Tasks: asyncio's `Task`, `create_task`, `current_task` and `all_tasks`, on Effect fibers.
 *
 * A {@link Task} wraps exactly one fiber. It is itself an `Effect`: `yield* task` awaits it, failing with the
 * task's typed error, dying with its defect, or being interrupted if the task was cancelled.
 *
 * **Ownership** (see `docs/semantics.md`): a task outlives the code that created it, as in Python, but never
 * its owner. Inside a loop scope (`run`, `Loop.scoped`, `Loop.layer`) the loop owns it and cancels it when the
 * loop ends; with no loop scope the creating fiber owns it (Effect's own rule for `forkChild`).
 *
 * @since 0.1.0
 */

import * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import * as Eff from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import {
  CancelledError,
  type CancelReason,
  type Defect,
  type InvalidStateError,
  TypeError
} from "./Errors.ts"
import { markRetrieved } from "./internal/await.ts"
import { captureSite } from "./internal/observe.ts"
import { CurrentLoop, CurrentTask, globalRegistry } from "./internal/owner.ts"
import { interruptTask, reasonOf } from "./internal/reason.ts"
import { createTaskAt } from "./internal/spawn.ts"
import { isTask as isTaskImpl, TaskTypeId } from "./internal/task.ts"
import * as validate from "./internal/validate.ts"

/**
 * A running or finished piece of concurrent work. asyncio's `Task`.
 *
 * Methods return effects (they read or change state when run). `yield* task` awaits the task; if the awaiting
 * fiber is cancelled while waiting, the task is cancelled too and awaited, exactly like Python's `await task`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Task<A, E = never> extends Effect.Effect<A, E> {
  readonly [TaskTypeId]: typeof TaskTypeId
  /**
   * `"Task"`. A task is a handle on work that is already running, like Effect's `Fiber`: dropping it (Python's
   * `tg.create_task(work)` as a statement) loses nothing, and the tag tells Effect's tooling so — the language
   * service's `floatingEffect` check does not report a `Task` left unused, while it does report an effect that was
   * built and never run (`task.cancel()` without `yield*`).
   */
  readonly _tag: "Task"
  /** The fiber running the task, for interop with Effect's `Fiber` functions. */
  readonly fiber: Fiber.Fiber<A, E>
  /** The task's name: the one given to `createTask`, or `Task-<n>` from a process-wide counter. */
  readonly name: string
  /** The task's name (Python's `get_name()`). */
  getName(): Effect.Effect<string>
  /** Renames the task (Python's `set_name()`); the new name shows in reasons, reports and `ps`. */
  setName(name: string): Effect.Effect<void>
  /**
   * Requests cancellation (interrupts the fiber) and returns at once, without waiting. `false` if the task is
   * already done. `message` is kept as the cancel message (Python's `cancel(msg)`).
   */
  cancel(message?: unknown): Effect.Effect<boolean>
  /** How many times `cancel()` was requested while the task was pending (Python's `cancelling()`). */
  cancelling(): Effect.Effect<number>
  /** Whether the task has finished, however it ended. */
  done(): Effect.Effect<boolean>
  /** Whether the task ended cancelled (interrupted with no error). */
  cancelled(): Effect.Effect<boolean>
  /**
   * The task's value. Fails with its error (dies with its defect) if it failed, with `CancelledError` if it was
   * cancelled, and with `InvalidStateError` if it is not done yet.
   */
  result(): Effect.Effect<A, E | CancelledError | InvalidStateError>
  /**
   * The task's error (a `Defect` wrapping a defect), or `undefined` if it succeeded. Fails with
   * `CancelledError` if it was cancelled and `InvalidStateError` if it is not done yet.
   */
  exception(): Effect.Effect<E | Defect | undefined, CancelledError | InvalidStateError>
  /**
   * Runs `callback(task)` once the task is done (at once if it already is), each callback in a fiber of its
   * own scheduled after completion. A failing callback is logged, as asyncio logs exceptions in callbacks.
   */
  addDoneCallback(callback: (task: Task<A, E>) => Effect.Effect<void>): Effect.Effect<void>
  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: (task: Task<A, E>) => Effect.Effect<void>): Effect.Effect<number>
}

/**
 * Whether `u` is a {@link Task}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isTask: (u: unknown) => u is Task<unknown, unknown> = isTaskImpl as (
  u: unknown
) => u is Task<unknown, unknown>

/**
 * Options of {@link createTask}.
 *
 * @category models
 * @since 0.1.0
 */
export interface CreateTaskOptions {
  /** The task's name; defaults to `Task-<n>`. */
  readonly name?: string | undefined
}

/**
 * Schedules `effect` to run concurrently as a new {@link Task} and returns the task at once.
 *
 * **When to use** To start work now and collect its result later (`yield* task`), or to run background work
 * you may cancel.
 *
 * **Details** The task starts when the creating fiber next yields (as an asyncio task starts on the next loop
 * iteration), runs with the services of the creating fiber, and belongs to the innermost loop scope — or, with
 * none installed, to the creating fiber.
 *
 * **asyncio** `asyncio.create_task(coro, name=…)`. Same naming (`Task-<n>`) and start timing. A plain value
 * is a defect carrying `TypeError`, as Python raises `TypeError("a coroutine was expected…")`.
 *
 * **Gotchas** Without a loop scope a task is a child of the fiber that created it: if that fiber is an internal
 * one (inside `Effect.timeout`, a concurrent `Effect.all`), the task ends with it. Run your program with `run`
 * or `Loop.scoped` to get Python's lifetime.
 *
 * **Example** (Start now, await later)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const task = yield* asyncio.createTask(asyncio.sleep(1, "done"), { name: "sleeper" })
 *   // … other work …
 *   return yield* task // "done"
 * })
 *
 * // Data-last, with options: effect.pipe(asyncio.createTask({ name }))
 * const named = asyncio.sleep(1, "done").pipe(asyncio.createTask({ name: "sleeper" }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export function createTask<
  Arg extends Effect.Effect<unknown, unknown, unknown> | CreateTaskOptions = CreateTaskOptions
>(
  effectOrOptions: Arg,
  options?: CreateTaskOptions
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<Task<_A, _E>, never, _R>
  : <A, E = never, R = never>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Task<A, E>, never, R>
export function createTask(...args: ReadonlyArray<unknown>): unknown {
  // The call site is known only now, while the caller's frame is on the stack (see Inspect.ts).
  const site = captureSite(createTask)
  return validate.selfOrOptions(args, (effect, options) =>
    validate.atCall(() =>
      createTaskAt(
        "createTask",
        effect as Effect.Effect<unknown, unknown, unknown>,
        validate.options("createTask", options as CreateTaskOptions | undefined, createTaskKeys).name,
        site
      )
    )
  )
}

const createTaskKeys = ["name"]

/**
 * The task running the current fiber, or `undefined` outside any task. asyncio's `current_task()`.
 *
 * Fibers forked by raw Effect code inside a task (including the internal fibers of `Effect.timeout` or
 * `waitFor`) report that task, as Python runs `wait_for`'s coroutine inline in the caller's task.
 *
 * @category getters
 * @since 0.1.0
 */
export const currentTask: Effect.Effect<Task<unknown, unknown> | undefined> = Eff.withFiber((fiber) =>
  Eff.succeed(fiber.getRef(CurrentTask))
)

/**
 * The tasks of the current loop scope (or, with none, of the process) that are not done yet. asyncio's
 * `all_tasks()`.
 *
 * @category getters
 * @since 0.1.0
 */
export const allTasks: Effect.Effect<ReadonlySet<Task<unknown, unknown>>> = Eff.withFiber((fiber) =>
  Eff.succeed(new Set((fiber.getRef(CurrentLoop) ?? globalRegistry).live()))
)

/**
 * Requests cancellation of `task` with a reason of your own, synchronously and from anywhere (a signal handler,
 * a callback of a foreign library). Returns `false` if the task is already done. The reason travels like any
 * other: `CancelledError.reason`, forwarded to what the task awaits, counted by `cancelling()`.
 *
 * **When to use** In integrations and runtimes — `run` uses it to cancel `main` with reason `signal`.
 * Application code uses `task.cancel(message)`.
 *
 * @category cancellation
 * @since 0.1.0
 */
export const cancelUnsafe = (task: Task<unknown, unknown>, reason: CancelReason): boolean => {
  if (!isTaskImpl(task)) throw new TypeError(`cancelUnsafe: a Task was expected, got ${validate.show(task)}`)
  validate.cancelReason("cancelUnsafe", reason)
  if (task.fiber.pollUnsafe() !== undefined) {
    markRetrieved(task) // as `task.cancel()` of a done task
    return false
  }
  interruptTask(task, undefined, reason)
  return true
}

/**
 * The cancellation carried by `cause` as a `CancelledError` value, or `undefined` if `cause` holds anything but
 * interruptions. Use it with `Effect.catchCause` to read the reason of a cancellation that came out of something
 * you awaited.
 *
 * @category cancellation
 * @since 0.1.0
 */
export const cancelledErrorOf = (cause: Cause.Cause<unknown>): CancelledError | undefined => {
  if (!Cause.isCause(cause)) {
    throw new TypeError(`cancelledErrorOf: a Cause was expected, got ${validate.show(cause)}`)
  }
  return Cause.hasInterruptsOnly(cause) ? new CancelledError(reasonOf(cause)) : undefined
}

/**
 * Python's `except CancelledError as e:` around an await: if `self` ends with a cancellation **that came from
 * something it awaited** (a task cancelled by someone else, a gather whose child was cancelled), runs `handler`
 * with it as a `CancelledError` value. A cancellation of the *current* fiber cannot be caught — handlers do not
 * run on a fiber being interrupted — so this never swallows your own cancellation.
 *
 * **Example** (A child's cancellation becomes a value)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const task = yield* asyncio.createTask(asyncio.sleep(10))
 *   yield* task.cancel("stop")
 *   return yield* task.pipe(asyncio.catchCancelled((e) => Effect.succeed(`cancelled: ${e.message}`)))
 * }) // "cancelled: stop"
 * ```
 *
 * @category cancellation
 * @since 0.1.0
 */
export const catchCancelled: {
  <B, E2, R2>(
    handler: (error: CancelledError) => Effect.Effect<B, E2, R2>
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | B, E | E2, R | R2>
  <A, E, R, B, E2, R2>(
    self: Effect.Effect<A, E, R>,
    handler: (error: CancelledError) => Effect.Effect<B, E2, R2>
  ): Effect.Effect<A | B, E | E2, R | R2>
} = dual(
  2,
  <A, E, R, B, E2, R2>(
    self: Effect.Effect<A, E, R>,
    handler: (error: CancelledError) => Effect.Effect<B, E2, R2>
  ): Effect.Effect<A | B, E | E2, R | R2> =>
    validate.atCall(() => {
      validate.fn("catchCancelled", handler, "handler")
      validate.effect("catchCancelled", self)
      return Eff.catchCause(self, (cause): Effect.Effect<B, E | E2, R2> => {
        const error = cancelledErrorOf(cause)
        return error === undefined
          ? Eff.failCause(cause)
          : validate.callEffect("catchCancelled handler", () => handler(error))
      })
    })
)
