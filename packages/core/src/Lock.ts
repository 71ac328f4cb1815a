/**
 * A mutual-exclusion lock for tasks: asyncio's `asyncio.Lock`.
 *
 * A {@link Lock} is either locked or unlocked. {@link Lock.acquire} takes it, waiting in a first-in-first-out
 * queue while another task holds it; {@link Lock.release} gives it to the next waiter. {@link Lock.withLock} is
 * the scoped form (Python's `async with lock:`) and the one to use. The module holds the model, the
 * constructors and the {@link LockStatistics} debugging snapshot.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import { LockImpl, LockTypeId as TypeId } from "./internal/lock.ts"
import type { Task } from "./Task.ts"

/**
 * A snapshot of a {@link Lock}'s state, for debugging (Trio's `LockStatistics`).
 *
 * @category models
 * @since 0.1.0
 */
export interface LockStatistics {
  /** Whether the lock is held (Python's `locked()`). */
  readonly locked: boolean
  /**
   * The task that acquired the lock, while it is locked and was acquired inside a task; `undefined` otherwise.
   * asyncio's locks are not owned — any task may release them — so this is the *acquirer*, for debugging.
   */
  readonly owner: Task<unknown, unknown> | undefined
  /** Tasks inside `acquire()` that have not returned yet, including one already woken but not yet running. */
  readonly tasksWaiting: number
}

/**
 * A lock that tasks take in turn. asyncio's `Lock`.
 *
 * **Details** Not reentrant and not owned: any task may release it (as in Python). Waiters are served
 * first-in-first-out with no barging: once a task is queued, later callers of `acquire` queue behind it even
 * when the lock is momentarily free.
 *
 * @category models
 * @since 0.1.0
 */
export interface Lock extends Pipeable {
  readonly [TypeId]: typeof TypeId

  /**
   * Takes the lock, waiting until it is free, and succeeds with `true`.
   *
   * **When to use** For hand-written acquire/release pairs, e.g. when the release happens in another task.
   * Otherwise prefer {@link Lock.withLock}, which cannot leak the lock.
   *
   * **Details** Returns at once, without yielding, when the lock is unlocked and nobody is queued (the fast path
   * is not a cancellation point). Otherwise the task queues FIFO. A queued task that is cancelled leaves the
   * queue; if the lock had already been handed to it, it passes it to the next waiter, so a wake-up is never
   * lost and at most one task holds the lock.
   *
   * **asyncio** `await lock.acquire()`.
   *
   * **Gotchas** Pair every successful `acquire` with exactly one `release`, also on failure and cancellation;
   * that is what {@link Lock.withLock} does for you.
   *
   * **Example** (Manual acquire and release)
   * ```ts
   * import * as asyncio from "@effect-asyncio/core"
   * import { Effect } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const lock = yield* asyncio.Lock.make()
   *   yield* lock.acquire()
   *   const held = yield* lock.locked() // true
   *   yield* lock.release()
   *   return held
   * })
   * ```
   */
  acquire(): Effect.Effect<true>

  /**
   * Releases the lock and wakes the first queued task, if any.
   *
   * **When to use** To end a hold started with {@link Lock.acquire}.
   *
   * **Details** The lock is unlocked at once; the woken task takes it when it runs (on a later scheduler turn).
   * Meanwhile `locked()` is `false`, but a newcomer still queues behind the woken task.
   *
   * **asyncio** `lock.release()`. Releasing an unlocked lock is a defect carrying `RuntimeError("Lock is not
   * acquired.")`, as Python raises it.
   *
   * **Gotchas** Any task may release the lock — it is not owned — so a stray `release` lets two tasks in.
   */
  release(): Effect.Effect<void>

  /**
   * Whether the lock is held. asyncio's `lock.locked()`.
   *
   * **Details** `false` in the short window after a `release` that woke a waiter and before that waiter runs.
   */
  locked(): Effect.Effect<boolean>

  /**
   * Runs `effect` holding the lock: acquires, runs, and releases however `effect` ends.
   *
   * **When to use** Whenever a critical section is one effect — almost always. asyncio's `async with lock:`.
   *
   * **Details** Waiting for the lock is interruptible; once acquired, the release is guaranteed (the hand-over
   * between the two is uninterruptible). The function is a property, so `effect.pipe(lock.withLock)` works.
   *
   * **Gotchas** The lock is not reentrant: `withLock` nested inside `withLock` on the same lock waits forever.
   *
   * **Example** (A critical section)
   * ```ts
   * import * as asyncio from "@effect-asyncio/core"
   * import { Effect } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const lock = yield* asyncio.Lock.make()
   *   let counter = 0
   *   const increment = () =>
   *     Effect.gen(function*() {
   *       const seen = counter
   *       yield* asyncio.sleep(0.1) // without the lock, increments would be lost here
   *       counter = seen + 1
   *     }).pipe(lock.withLock)
   *   yield* asyncio.gather(increment(), increment(), increment())
   *   return counter // 3
   * })
   * ```
   */
  readonly withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

  /** A snapshot of the lock's state, for debugging. */
  statistics(): Effect.Effect<LockStatistics>
}

/**
 * Whether `u` is a {@link Lock}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isLock = (u: unknown): u is Lock => typeof u === "object" && u !== null && TypeId in u

/**
 * Creates an unlocked {@link Lock} synchronously.
 *
 * **When to use** Outside Effect code, e.g. a module-level lock. Inside Effect code use {@link make}.
 *
 * **asyncio** `asyncio.Lock()`. Locks are not bound to a loop: one may be shared by programs run one after the
 * other (Python raises `RuntimeError` for a lock used from two event loops).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (): Lock => new LockImpl()

/**
 * Creates an unlocked {@link Lock}.
 *
 * **When to use** To guard a shared resource so that one task at a time uses it.
 *
 * **asyncio** `asyncio.Lock()`.
 *
 * **Example** (One task at a time)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const lock = yield* asyncio.Lock.make()
 *   return yield* lock.withLock(Effect.succeed("inside"))
 * })
 * ```
 *
 * @see `Semaphore.make` to let up to *n* tasks in at once
 * @category constructors
 * @since 0.1.0
 */
export const make = (): Effect.Effect<Lock> => Effect.sync(makeUnsafe)
