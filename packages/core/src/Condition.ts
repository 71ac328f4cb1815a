/**
 * A condition variable: asyncio's `asyncio.Condition`.
 *
 * A {@link Condition} pairs a {@link Lock} with a queue of tasks waiting to be notified. A task holding the lock
 * calls {@link Condition.wait} to release it and sleep until another task calls {@link Condition.notify}; the
 * woken task re-acquires the lock before `wait` returns. {@link Condition.waitFor} loops until a predicate holds.
 * The module holds the model, the constructors and the {@link ConditionStatistics} debugging snapshot.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { RuntimeError, TypeError } from "./Errors.ts"
import { LockImpl } from "./internal/lock.ts"
import { ParkingLot, type Restore, type Waiter, type WaiterHost } from "./internal/parkingLot.ts"
import * as validate from "./internal/validate.ts"
import type { Lock, LockStatistics } from "./Lock.ts"

const TypeId = "~effect-asyncio/Condition" as const

/**
 * A snapshot of a {@link Condition}'s state, for debugging (Trio's `ConditionStatistics`).
 *
 * @category models
 * @since 0.1.0
 */
export interface ConditionStatistics {
  /**
   * Tasks inside `wait()` that have not been woken yet, plus those notified that have not run yet. (A notified
   * task that is re-acquiring the lock is counted in `lockStatistics.tasksWaiting`.)
   */
  readonly tasksWaiting: number
  /** The statistics of the underlying lock. */
  readonly lockStatistics: LockStatistics
}

/**
 * The values JavaScript treats as false, which {@link Condition.waitFor} keeps waiting on.
 *
 * @category models
 * @since 0.1.0
 */
export type Falsy = false | 0 | 0n | "" | null | undefined

/**
 * A lock plus a queue of tasks waiting for a notification. asyncio's `Condition`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Condition extends Pipeable {
  readonly [TypeId]: typeof TypeId

  /** Acquires the underlying lock. asyncio's `await cond.acquire()`; see {@link Lock.acquire}. */
  acquire(): Effect.Effect<true>

  /** Releases the underlying lock. asyncio's `cond.release()`; see {@link Lock.release}. */
  release(): Effect.Effect<void>

  /** Whether the underlying lock is held. asyncio's `cond.locked()`. */
  locked(): Effect.Effect<boolean>

  /**
   * Runs `effect` holding the underlying lock. asyncio's `async with cond:`; see {@link Lock.withLock}.
   *
   * A property, so `effect.pipe(cond.withLock)` works.
   */
  readonly withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

  /**
   * Releases the lock, waits until notified, re-acquires the lock and succeeds with `true`.
   *
   * **When to use** Inside `withLock`, in a loop that re-checks the state you wait for — or use
   * {@link Condition.waitFor}, which is that loop.
   *
   * **Details**
   * - The lock must be held (by anyone: locks are not owned), else the call is a defect carrying
   *   `RuntimeError("Condition.wait: cannot wait on un-acquired lock")`. As in Python (3.11–3.13 check only
   *   `locked()`), a task that does not hold the lock may wait while another task holds it: it releases that
   *   task's lock, and re-acquires it for itself when notified (see `docs/misuse.md`).
   * - Releasing the lock and joining the wait queue happen in one step, so no notification can slip between.
   * - **The lock is re-acquired before `wait` ends, however it ends.** If the task is cancelled while waiting
   *   or while re-acquiring, it still takes the lock back (that part cannot be interrupted) and only then ends
   *   cancelled — so a `withLock` around it releases a lock it really holds.
   * - A notification is never lost: a task cancelled after it was notified passes the notification on to the
   *   next waiter (Python 3.13).
   *
   * **asyncio** `await cond.wait()`. A task cancelled while re-acquiring keeps its place in the lock's queue
   * (Python's re-acquire loop re-queues it at the tail). A cancelled task that was never notified does not wake
   * another one (Python 3.13 then makes a spurious `notify(1)`).
   *
   * **Gotchas** Waking from `wait` does not mean the state you wait for holds — another task may have got the
   * lock first. Re-check, or use {@link Condition.waitFor}.
   */
  wait(): Effect.Effect<true>

  /**
   * Waits until `predicate()` returns a truthy value, and succeeds with that value.
   *
   * **When to use** The usual way to wait on a condition: `cond.waitFor(() => queue.length > 0)` inside
   * `withLock`.
   *
   * **Details** Calls `predicate` first; if it is truthy, returns at once — without needing the lock, as in
   * Python. Otherwise loops on {@link Condition.wait} and calls `predicate` again after each wake-up (with the
   * lock held). A `predicate` that throws is a defect.
   *
   * **asyncio** `await cond.wait_for(predicate)`.
   *
   * **Example** (Consumers wait for an item)
   * ```ts
   * import * as asyncio from "@effect-asyncio/core"
   * import { Effect } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const cond = yield* asyncio.Condition.make()
   *   const items: Array<string> = []
   *   const consumer = cond.withLock(
   *     Effect.gen(function*() {
   *       yield* cond.waitFor(() => items.length > 0)
   *       return items.shift()
   *     })
   *   )
   *   const task = yield* asyncio.createTask(consumer)
   *   yield* asyncio.sleep(1)
   *   yield* cond.withLock(Effect.gen(function*() {
   *     items.push("item")
   *     yield* cond.notify()
   *   }))
   *   return yield* task // "item"
   * })
   * ```
   */
  waitFor<A>(predicate: () => A): Effect.Effect<Exclude<A, Falsy>>

  /**
   * Wakes up to `n` (default 1) waiting tasks, first-in-first-out.
   *
   * **Details** The lock must be held, else the call is a defect carrying `RuntimeError("cannot notify on
   * un-acquired lock")`. `n` is a count: an integer ≥ 0 or `Infinity` (Python's loop wakes nobody for `-1` and
   * everybody for NaN; here both are a `ValueError`, a non-number a `TypeError`). The woken tasks run one at a time, as each gets the lock (they need it to return from
   * `wait`), so nothing happens until the notifier releases it.
   *
   * **asyncio** `cond.notify(n=1)`.
   */
  notify(n?: number): Effect.Effect<void>

  /**
   * Wakes every waiting task. asyncio's `cond.notify_all()`; the lock must be held, as for
   * {@link Condition.notify}.
   */
  notifyAll(): Effect.Effect<void>

  /** A snapshot of the condition's state, for debugging. */
  statistics(): Effect.Effect<ConditionStatistics>
}

const notAcquiredWait = Effect.die(new RuntimeError("Condition.wait: cannot wait on un-acquired lock"))
const notAcquiredNotify = (call: string) =>
  Effect.die(new RuntimeError(`Condition.${call}: cannot notify on un-acquired lock`))

class ConditionImpl implements Condition, WaiterHost<true> {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [TypeId] = TypeId
  readonly lock: LockImpl
  readonly withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The tasks in `wait()`: parked until notified, then unparked until they run. */
  private readonly lot = new ParkingLot<true>()

  constructor(lock: LockImpl) {
    this.lock = lock
    this.withLock = (effect) => lock.guard("Condition.withLock", effect)
  }

  acquire(): Effect.Effect<true> {
    return this.lock.acquire()
  }
  release(): Effect.Effect<void> {
    return this.lock.release()
  }
  locked(): Effect.Effect<boolean> {
    return this.lock.locked()
  }

  /** `wait()` needs the lock: checked in the step that parks, which also releases it (`onParked`). */
  attempt(): Effect.Effect<true> | undefined {
    return this.lock.isLocked ? undefined : notAcquiredWait
  }

  onResume(): true {
    return true
  }

  onCancel(_waiter: Waiter<true>, unparked: boolean): void {
    // Notified, then cancelled before it could run: the notification goes to the next waiter.
    if (unparked) this.lot.unpark()
  }

  /**
   * The core of `wait`, to run inside an `uninterruptibleMask`: check the lock, join the queue and release the lock
   * in one step; block (interruptibly); then re-acquire the lock, uninterruptibly, however the block ended. The
   * result is the block's exit: `true` when notified; a failure when cancelled (or misused, then the lock was
   * never released).
   */
  private waitMasked(restore: Restore): Effect.Effect<Exit.Exit<true>> {
    return Effect.suspend(() => {
      let released = false
      const waiting = this.lot.park(this, {
        onParked: () => {
          released = true
          this.lock.releaseUnsafe()
        }
      })
      return Effect.flatMap(Effect.exit(restore(waiting)), (exit) =>
        released ? Effect.as(this.lock.acquire(), exit) : Effect.succeed(exit)
      )
    })
  }

  /**
   * Hands a value obtained through a notification to the caller, leaving the mask: a cancellation that arrived
   * while the task was re-acquiring the lock is delivered here, and then the notification goes to the next waiter
   * (CPython 3.13: "any error raised out of here may have occurred after this task believed to have been
   * notified"). The hand-over is the last step of the mask, so no cancellation can fall after it.
   */
  private deliver<A>(restore: Restore, value: Exit.Exit<A>): Effect.Effect<A> {
    return Effect.catchCause(restore(value), (cause) =>
      Effect.suspend(() => {
        this.lot.unpark()
        return Effect.failCause(cause)
      })
    )
  }

  private readonly waitEffect: Effect.Effect<true> = Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(this.waitMasked(restore), (exit) =>
      exit._tag === "Failure" ? exit : this.deliver(restore, exit)
    )
  )

  wait(): Effect.Effect<true> {
    return this.waitEffect
  }

  waitFor<A>(predicate: () => A): Effect.Effect<Exclude<A, Falsy>> {
    if (typeof predicate !== "function") {
      return Effect.die(
        new TypeError(`Condition.waitFor: predicate must be a function, got ${validate.show(predicate)}`)
      )
    }
    return Effect.uninterruptibleMask((restore) => {
      // The predicate is checked with the task uninterruptible, right after each wake-up, and a satisfied
      // predicate is handed over as the last step (see `deliver`), so a cancellation cannot swallow the
      // notification between the wake-up and the caller.
      const check = (notified: boolean): Effect.Effect<Exclude<A, Falsy>> => {
        const result = predicate()
        if (result) {
          const value = Exit.succeed(result as Exclude<A, Falsy>)
          return notified ? this.deliver(restore, value) : value
        }
        return Effect.flatMap(
          this.waitMasked(restore),
          (exit): Effect.Effect<Exclude<A, Falsy>> =>
            exit._tag === "Failure" ? Exit.failCause(exit.cause) : check(true)
        )
      }
      return Effect.suspend(() => check(false))
    })
  }

  notify(n = 1): Effect.Effect<void> {
    return validate.atCall(() => {
      // Python compares `idx >= n` in a loop: -1 wakes nobody, NaN everybody. A count it is, or a clear error.
      const count = validate.integer("Condition.notify", n, "n", 0, true)
      return Effect.suspend(() => {
        if (!this.lock.isLocked) return notAcquiredNotify("notify")
        this.lot.unpark(count)
        return Effect.void
      })
    })
  }

  notifyAll(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (!this.lock.isLocked) return notAcquiredNotify("notifyAll")
      this.lot.unparkAll()
      return Effect.void
    })
  }

  statistics(): Effect.Effect<ConditionStatistics> {
    return Effect.flatMap(this.lock.statistics(), (lockStatistics) =>
      Effect.sync(() => ({ tasksWaiting: this.lot.waiting, lockStatistics }))
    )
  }

  toString(): string {
    return `<Condition [${this.lock.isLocked ? "locked" : "unlocked"}, waiters:${this.lot.waiting}]>`
  }
  toJSON(): unknown {
    return { _id: "Condition", locked: this.lock.isLocked, tasksWaiting: this.lot.waiting }
  }
}

/**
 * Whether `u` is a {@link Condition}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isCondition = (u: unknown): u is Condition => typeof u === "object" && u !== null && TypeId in u

/**
 * Creates a {@link Condition} synchronously, on `lock` or on a new lock. Throws `TypeError` if `lock` is not a
 * {@link Lock} of this library.
 *
 * **When to use** Outside Effect code. Inside Effect code use {@link make}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (lock?: Lock): Condition =>
  new ConditionImpl(lockOf("Condition.makeUnsafe", lock) ?? new LockImpl())

/** The given lock, checked; `undefined` when none was given (the condition gets a new one). */
const lockOf = (call: string, lock: Lock | undefined): LockImpl | undefined => {
  if (lock === undefined) return undefined
  if (!(lock instanceof LockImpl)) {
    throw new TypeError(`${call}: lock must be a Lock made by Lock.make, got ${validate.show(lock)}`)
  }
  return lock
}

/**
 * Creates a {@link Condition} on `lock`, or on a new {@link Lock} when none is given.
 *
 * **When to use** When tasks wait for a state that other tasks change under a lock ("an item is available",
 * "the buffer has room"). For a one-shot flag an `Event` is simpler.
 *
 * **Details** A given lock is shared both ways: holding the lock holds the condition and vice versa, so several
 * conditions can guard one state (Python's `not_empty` / `not_full` pattern).
 *
 * **asyncio** `asyncio.Condition(lock=None)`. Anything other than a `Lock` of this library is a defect carrying
 * `TypeError`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (lock?: Lock): Effect.Effect<Condition> =>
  validate.atCall(() => {
    const checked = lockOf("Condition.make", lock)
    return Effect.sync(() => new ConditionImpl(checked ?? new LockImpl()))
  })
