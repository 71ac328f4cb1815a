/**
 * `asCompleted`: consume awaitables in the order they finish. asyncio's `asyncio.as_completed(aws, timeout=None)`
 * in its Python 3.13 shape — usable both as a plain iterable of awaitables and in the "async iteration" form that
 * hands back the original tasks.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { TimeoutError } from "./Errors.ts"
import { consume } from "./internal/await.ts"
import * as hooks from "./internal/hooks.ts"
import { observeWait } from "./internal/observe.ts"
import { ownerLoop } from "./internal/owner.ts"
import { callSoon, DoneCallbacks } from "./internal/soon.ts"
import { spawnAll, toTask } from "./internal/spawn.ts"
import { isTask, notAnEffect, type TaskImpl } from "./internal/task.ts"
import { delayToMillis } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"
import type { Task } from "./Task.ts"

/**
 * The iterator returned by {@link asCompleted}.
 *
 * - **Plain iteration** (`for (const next of it) { const value = yield* next }`): yields exactly one effect per
 *   distinct input; running any of them waits for the *next* input to finish (in the order the effects are run)
 *   and succeeds with its value or fails with its error. The iterator can be left and resumed; the count is
 *   shared.
 * - **Task iteration** ({@link AsCompleted.nextTask}; as an Effect `Stream`: `Stream.fromAsCompleted` in
 *   `@effect-asyncio/core/Stream`): the original task objects (or the tasks created for plain effects) in
 *   completion order, each already done.
 *
 * After the timeout, items that finished before it are still delivered, then every further request fails with
 * `TimeoutError`. Nothing is cancelled, neither on timeout nor when iteration stops early.
 *
 * @category models
 * @since 0.1.0
 */
export interface AsCompleted<A, E>
  extends Iterable<Effect.Effect<A, E | TimeoutError>, undefined, undefined> {
  /** The next item: an effect that waits for the next input to finish; `done` once every input was handed out. */
  next(): IteratorResult<Effect.Effect<A, E | TimeoutError>, undefined>
  [Symbol.iterator](): AsCompleted<A, E>
  /**
   * The next finished task, or `undefined` once every input has been handed out (Python's
   * `async for task in as_completed(…)`, one step).
   */
  readonly nextTask: Effect.Effect<Task<A, E> | undefined, TimeoutError>
}

/**
 * Options of {@link asCompleted}.
 *
 * @category models
 * @since 0.1.0
 */
export interface AsCompletedOptions {
  /** Seconds (or an Effect duration) from the call, after which waiting fails with `TimeoutError`. */
  readonly timeout?: Seconds | null | undefined
}

class AsCompletedImpl<A, E> implements AsCompleted<A, E> {
  private readonly done: Array<TaskImpl<A, E> | undefined> = []
  private head = 0
  /** Callers waiting for a finished task, in arrival order: each is woken by one finished task (`wake`). */
  private readonly waiters: Array<() => void> = []
  /** How many items (effects or tasks) are still to be handed out; one count for both forms, as in Python. */
  private left: number
  private expired = false
  readonly nextTask: Effect.Effect<Task<A, E> | undefined, TimeoutError>

  private readonly clock: Clock.Clock
  private readonly deadline: number

  constructor(
    tasks: ReadonlyArray<TaskImpl<A, E>>,
    clock: Clock.Clock,
    deadline: number,
    creator: Fiber.Fiber<unknown, unknown>
  ) {
    this.clock = clock
    this.deadline = deadline
    this.left = tasks.length
    // asyncio's hops: a task's end schedules `_on_completion` (`whenDone`), which queues it and wakes the first
    // waiting caller a turn later; that caller takes the head of the queue when it runs.
    // One queue of done callbacks (`DoneCallbacks`: a turn each, without a closure per turn), as gather's, on the
    // creating fiber's dispatcher when an end is reported outside any fiber.
    const callbacks = new DoneCallbacks<TaskImpl<A, E>>((task) => this.onDone(task))
    for (const task of tasks) callbacks.watch(task.fiber, task, creator)
    this.nextTask = Effect.suspend(() => {
      if (this.left === 0) return Effect.succeed(undefined)
      this.left--
      return this.take as Effect.Effect<Task<A, E>, TimeoutError>
    })
  }

  private onDone(task: TaskImpl<A, E>): void {
    if (this.expired || (this.deadline !== Infinity && this.clock.currentTimeMillisUnsafe() > this.deadline))
      return
    this.done.push(task)
    this.wakeNext(task.fiber)
  }

  /** Wakes the first waiting caller, a turn from now (asyncio's `Queue.put_nowait` waking a getter). */
  private wakeNext(from: Fiber.Fiber<unknown, unknown>): void {
    const waiter = this.waiters.shift()
    if (waiter !== undefined) callSoon(waiter, from)
  }

  /**
   * Waits for the next finished task and continues with `deliver(task)`; `TimeoutError` once the deadline has
   * passed and nothing is queued. The effects built on it are built once and reused for every item.
   */
  private takeWith<X, XE>(
    deliver: (task: TaskImpl<A, E>) => Effect.Effect<X, XE>
  ): Effect.Effect<X, XE | TimeoutError> {
    return Effect.suspend(() => {
      if (this.head < this.done.length) {
        const task = this.done[this.head]!
        this.done[this.head++] = undefined
        if (this.head > 1024 && this.head * 2 > this.done.length) {
          this.done.splice(0, this.head)
          this.head = 0
        }
        return deliver(task)
      }
      if (this.expired) return Effect.fail(new TimeoutError("asCompleted: the timeout expired"))
      const wait = Effect.withFiber((fiber) =>
        Effect.callback<X, XE | TimeoutError>((resume) => {
          // Woken, the caller looks at the queue again when it runs (`takeWith`): the task is still there.
          const waiter = () => resume(this.takeWith(deliver))
          this.waiters.push(waiter)
          return Effect.sync(() => {
            const index = this.waiters.indexOf(waiter)
            if (index >= 0) this.waiters.splice(index, 1)
            // Cancelled after it was woken: the task it was woken for stays queued, for the next caller.
            else if (this.head < this.done.length) this.wakeNext(fiber)
          })
        })
      )
      const observed = observeWait(wait, { _tag: "tasks", what: "asCompleted", count: this.left + 1 })
      if (this.deadline === Infinity) return observed
      const left = this.deadline - this.clock.currentTimeMillisUnsafe()
      // asyncio's expiry is a timer callback (`_on_timeout`), in line with the done callbacks: tasks queued before it
      // fired are still handed out first, tasks that end after it are not. A deadline already past fires a turn
      // from now, after the done callbacks already scheduled.
      const expire = Effect.suspend(() => {
        this.expired = true
        return this.head < this.done.length
          ? this.takeWith(deliver)
          : Effect.fail(new TimeoutError("asCompleted: the timeout expired"))
      })
      return left <= 0
        ? Effect.andThen(Effect.yieldNow, expire)
        : Effect.raceFirst(observed, Effect.andThen(Effect.sleep(left), expire))
    })
  }

  private readonly take: Effect.Effect<TaskImpl<A, E>, TimeoutError> = this.takeWith((task) =>
    Effect.succeed(task)
  )

  /** One plain-iteration item: the next finished task's outcome (its exit, which is an effect). */
  private readonly item: Effect.Effect<A, E | TimeoutError> = this.takeWith((task) =>
    consume(task, task.fiber.pollUnsafe()!)
  )

  next(): IteratorResult<Effect.Effect<A, E | TimeoutError>, undefined> {
    if (this.left === 0) return { done: true, value: undefined }
    this.left--
    return { done: false, value: this.item }
  }

  [Symbol.iterator](): this {
    return this
  }
}

/**
 * Starts every awaitable (effects become tasks; the same object passed twice counts once) and returns an
 * {@link AsCompleted} iterator over them in completion order.
 *
 * **When to use** To handle results as soon as each is ready (progress bars, first acceptable answer) rather
 * than all at once (`gather`).
 *
 * **asyncio** `asyncio.as_completed(aws, timeout=…)` (3.13). Plain iteration yields awaitables you must run
 * (`yield* next`), not results; task iteration yields the original tasks. The timeout is measured from the
 * call, raises `TimeoutError` and cancels nothing. Passing a single effect instead of an iterable is a defect
 * carrying `TypeError`, as in Python.
 *
 * **Example** (Results in completion order)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   for (const next of yield* asyncio.asCompleted([asyncio.sleep(2, "API"), asyncio.sleep(0.5, "Cache")])) {
 *     console.log(yield* next) // "Cache", then "API"
 *   }
 * })
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const asCompleted = <T extends Effect.Effect<unknown, unknown, unknown>>(
  aws: Iterable<T>,
  options?: AsCompletedOptions
): Effect.Effect<AsCompleted<Effect.Success<T>, Effect.Error<T>>, never, Effect.Services<T>> =>
  validate.atCall(() => {
    validate.iterable("asCompleted", aws, "aws", "an iterable of effects or tasks")
    const timeout = validate.options("asCompleted", options, asCompletedKeys).timeout
    const limit =
      timeout === undefined || timeout === null
        ? Infinity
        : delayToMillis(validate.delay("asCompleted", timeout, "timeout"))
    return Effect.withFiber((fiber) => start(aws, limit, fiber))
  })

const asCompletedKeys = ["timeout"]

const start = <T extends Effect.Effect<unknown, unknown, unknown>>(
  aws: Iterable<T>,
  limit: number,
  fiber: Fiber.Fiber<unknown, unknown>
): Effect.Effect<AsCompleted<Effect.Success<T>, Effect.Error<T>>, never, Effect.Services<T>> => {
  const inputs = Array.from(aws)
  for (const aw of inputs) {
    if (!Effect.isEffect(aw)) return Effect.die(notAnEffect("asCompleted", aw))
  }
  const loop = ownerLoop("asCompleted", fiber)
  // The same task passed twice counts once (Python de-duplicates its input); effects are descriptions, each
  // one passed runs as a task of its own.
  const unique = inputs.some(isTask)
    ? inputs.filter((aw, i) => !isTask(aw) || inputs.indexOf(aw) === i)
    : inputs
  const clock = fiber.getRef(Clock.Clock)
  const deadline = clock.currentTimeMillisUnsafe() + limit
  type Input = Effect.Effect<Effect.Success<T>, Effect.Error<T>, Effect.Services<T>>
  // asyncio's `ensure_future` per input, in order; under a loop scope, with nothing observing, in batches, one step
  // each (as gather's children).
  const started =
    loop !== undefined && !hooks.active()
      ? (spawnAll(unique as ReadonlyArray<Input>, loop) as Effect.Effect<
          Array<TaskImpl<Effect.Success<T>, Effect.Error<T>>>,
          never,
          Effect.Services<T>
        >)
      : Effect.forEach(unique, (aw) => toTask(aw as Input, loop))
  return Effect.map(started, (tasks) => new AsCompletedImpl(tasks, clock, deadline, fiber))
}
