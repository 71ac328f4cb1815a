/**
 * A counter of permits that limits how many tasks run a section at once: asyncio's `asyncio.Semaphore`.
 *
 * A {@link Semaphore} holds a counter. {@link Semaphore.acquire} decrements it, waiting in a first-in-first-out
 * queue while it is zero; {@link Semaphore.release} increments it and wakes the next waiter;
 * {@link Semaphore.withPermit} is the scoped form (Python's `async with sem:`). Acquire and release are O(1) and
 * strictly FIFO — unlike Effect's own `Semaphore`, whose release walks every waiter — so N queued tasks cost
 * O(N). For the variant that refuses to be released above its initial value see `BoundedSemaphore`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import { checkInitialValue, SemaphoreImpl, SemaphoreTypeId } from "./internal/semaphore.ts"
import * as validate from "./internal/validate.ts"

/**
 * A snapshot of a {@link Semaphore}'s state, for debugging (Trio's `SemaphoreStatistics`, plus the counter).
 *
 * @category models
 * @since 0.1.0
 */
export interface SemaphoreStatistics {
  /**
   * The counter (Python's `_value`): permits free to take. A permit handed to a woken task that has not run yet
   * is already subtracted.
   */
  readonly value: number
  /** A `BoundedSemaphore`'s bound (its initial value); `undefined` for a plain semaphore. */
  readonly bound: number | undefined
  /** Python's `locked()`: the counter is zero or tasks are queued. */
  readonly locked: boolean
  /** Tasks inside `acquire()` that have not returned yet, including those already woken but not yet running. */
  readonly tasksWaiting: number
}

/**
 * A counting semaphore for tasks. asyncio's `Semaphore`.
 *
 * **Details** FIFO with no barging: while any task is queued, `acquire` queues even if the counter is positive,
 * and `locked()` reports `true`. Permits are not owned: any task may release.
 *
 * @category models
 * @since 0.1.0
 */
export interface Semaphore extends Pipeable {
  readonly [SemaphoreTypeId]: typeof SemaphoreTypeId

  /**
   * Takes a permit (decrements the counter), waiting FIFO while none is free, and succeeds with `true`.
   *
   * **When to use** For hand-written acquire/release pairs, e.g. a permit released by another task. Otherwise
   * prefer {@link Semaphore.withPermit}.
   *
   * **Details** Returns at once, without yielding, when the semaphore is not `locked()` (the fast path is not a
   * cancellation point). Otherwise the task queues. A queued task that is cancelled leaves the queue; one that
   * had already been handed a permit gives it back and the next waiter gets it, so permits never leak. A task
   * that obtains a permit after waiting also wakes further waiters while the counter is positive (Python 3.13).
   *
   * **asyncio** `await sem.acquire()`.
   *
   * **Gotchas** Every successful `acquire` needs exactly one `release`, also on failure and cancellation.
   */
  acquire(): Effect.Effect<true>

  /**
   * Returns a permit (increments the counter) and wakes the first queued task, if any.
   *
   * **Details** The permit is handed to the woken task at once; it runs on a later scheduler turn.
   *
   * **asyncio** `sem.release()`. A plain semaphore may be released above its initial value (no error), as in
   * Python; a `BoundedSemaphore` refuses with a `ValueError` defect.
   */
  release(): Effect.Effect<void>

  /**
   * Whether `acquire` would wait: the counter is zero **or** a task is queued. asyncio's `sem.locked()`.
   */
  locked(): Effect.Effect<boolean>

  /**
   * Runs `effect` holding a permit: acquires, runs, and releases however `effect` ends.
   *
   * **When to use** To bound concurrency — "at most *n* of these at a time". asyncio's `async with sem:`.
   *
   * **Details** Waiting is interruptible; once the permit is obtained its release is guaranteed. The function is
   * a property, so `effect.pipe(sem.withPermit)` works. O(1) per call, FIFO.
   *
   * **Example** (At most two downloads at once)
   * ```ts
   * import * as asyncio from "@effect-asyncio/core"
   * import { Effect } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const sem = yield* asyncio.Semaphore.make(2)
   *   const download = (i: number) => asyncio.sleep(1, i).pipe(sem.withPermit)
   *   // 5 jobs, 2 at a time: done after 3 seconds
   *   return yield* asyncio.gather(...[1, 2, 3, 4, 5].map(download))
   * })
   * ```
   */
  readonly withPermit: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

  /** A snapshot of the semaphore's state, for debugging. */
  statistics(): Effect.Effect<SemaphoreStatistics>
}

/**
 * Whether `u` is a {@link Semaphore} (a `BoundedSemaphore` is one too, as in Python).
 *
 * @category guards
 * @since 0.1.0
 */
export const isSemaphore = (u: unknown): u is Semaphore =>
  typeof u === "object" && u !== null && SemaphoreTypeId in u

/**
 * Creates a {@link Semaphore} with counter `value` synchronously. Throws `ValueError` for a negative or
 * non-integer value.
 *
 * **When to use** Outside Effect code. Inside Effect code use {@link make}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (value = 1): Semaphore =>
  new SemaphoreImpl(checkInitialValue("Semaphore.makeUnsafe", value), Infinity)

/**
 * Creates a {@link Semaphore} whose counter starts at `value` (default 1).
 *
 * **When to use** To let at most `value` tasks into a section at once (connection limits, rate of work).
 *
 * **Details** `value` must be an integer ≥ 0; `0` makes a semaphore that is locked until someone releases it.
 *
 * **asyncio** `asyncio.Semaphore(value=1)`. A negative value is a defect carrying `ValueError` (`Semaphore.make:
 * initial value must be an integer >= 0, got -1`), as Python raises it; a non-number is a `TypeError`.
 *
 * **Gotchas** `release` without a matching `acquire` silently raises the limit; use `BoundedSemaphore` to catch
 * that bug.
 *
 * **Example** (Limit concurrency)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const sem = yield* asyncio.Semaphore.make(10)
 *   const fetchOne = (url: string) => Effect.succeed(url.length).pipe(sem.withPermit)
 *   return yield* asyncio.gather(fetchOne("a"), fetchOne("bb"))
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (value = 1): Effect.Effect<Semaphore> =>
  validate.atCall(() => {
    const checked = checkInitialValue("Semaphore.make", value)
    return Effect.sync(() => new SemaphoreImpl(checked, Infinity))
  })
