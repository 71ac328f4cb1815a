/**
 * The implementation shared by `Semaphore` and `BoundedSemaphore`: a counter on the {@link LockLike} skeleton
 * (its parking lot is the O(1) FIFO waiter list) and asyncio 3.13's hand-off rules.
 *
 * - `release` increments the counter and hands one unit to the first queued waiter (the counter is decremented
 *   at hand-off, as in CPython's `_wake_up_next`).
 * - The fast path of `acquire` is taken only when the semaphore is not `locked()`: the counter is positive **and**
 *   no task is queued or woken-but-not-yet-running (no barging).
 * - A woken waiter that resumes, or that is cancelled (it then gives its unit back), wakes further waiters while
 *   the counter is positive (3.13, SEM-13). Each wake consumes a unit, so this is amortised O(1).
 */
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import type { BoundedSemaphore } from "../BoundedSemaphore.ts"
import { ValueError } from "../Errors.ts"
import type { Semaphore, SemaphoreStatistics } from "../Semaphore.ts"
import { LockLike } from "./lockLike.ts"
import type { Waiter } from "./parkingLot.ts"
import * as validate from "./validate.ts"

export const SemaphoreTypeId = "~effect-asyncio/Semaphore" as const
export const BoundedSemaphoreTypeId = "~effect-asyncio/BoundedSemaphore" as const

/**
 * Validates an initial value, as Python's constructor does: a negative value is a `ValueError` ("initial value must
 * be >= 0"), something that is not a number a `TypeError`; a fraction or NaN is a `ValueError` too (Python accepts
 * them; a non-integer counter never works, docs/semantics.md P4).
 */
export const checkInitialValue = (call: string, value: unknown): number =>
  validate.integer(call, value, "initial value", 0)

export class SemaphoreImpl extends LockLike implements Semaphore {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [SemaphoreTypeId] = SemaphoreTypeId
  /** Python's `_value`: units free to take (already decremented for woken waiters). */
  value: number
  /** The most the counter may reach through `release` (a `BoundedSemaphore`'s initial value), else Infinity. */
  readonly limit: number

  constructor(value: number, limit: number) {
    super()
    this.value = value
    this.limit = limit
  }

  protected free(): boolean {
    return this.value > 0
  }

  protected take(): void {
    this.value--
  }

  releaseNow(): Effect.Effect<never> | undefined {
    if (this.value >= this.limit) {
      return Effect.die(new ValueError("BoundedSemaphore released too many times"))
    }
    this.value++
    this.wakeNext()
    return undefined
  }

  /** CPython's `_wake_up_next`: hands one unit to the first parked waiter; `false` if nobody is parked. */
  private wakeNext(): boolean {
    if (this.lot.parked === 0) return false
    this.value--
    this.lot.unpark()
    return true
  }

  /** CPython 3.13's `finally` in `acquire`: new waiters may have queued behind us; wake as many as allowed. */
  private wakeWhilePositive(): void {
    while (this.value > 0 && this.wakeNext()) {
      // each iteration hands out one unit
    }
  }

  onResume(): boolean {
    this.wakeWhilePositive()
    return true
  }

  onCancel(_waiter: Waiter<boolean>, unparked: boolean): void {
    // Handed a unit but cancelled before running: give it back (CPython: `self._value += 1`).
    if (unparked) this.value++
    this.wakeWhilePositive()
  }

  acquire(): Effect.Effect<true> {
    return this.acquireEffect
  }

  release(): Effect.Effect<void> {
    return this.releaseEffect
  }

  locked(): Effect.Effect<boolean> {
    return Effect.sync(() => this.blocked())
  }

  readonly withPermit = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    this.guard(`${this.kind}.withPermit`, effect)

  statistics(): Effect.Effect<SemaphoreStatistics> {
    return Effect.sync(() => ({
      value: this.value,
      bound: this.limit === Infinity ? undefined : this.limit,
      locked: this.blocked(),
      tasksWaiting: this.tasksWaiting
    }))
  }

  protected get kind(): string {
    return "Semaphore"
  }

  override toString(): string {
    const state = this.blocked() ? "locked" : `unlocked, value:${this.value}`
    return `<${this.kind} [${state}, waiters:${this.tasksWaiting}]>`
  }
  toJSON(): unknown {
    return { _id: this.kind, value: this.value, tasksWaiting: this.tasksWaiting }
  }
}

export class BoundedSemaphoreImpl extends SemaphoreImpl implements BoundedSemaphore {
  readonly [BoundedSemaphoreTypeId] = BoundedSemaphoreTypeId
  constructor(value: number) {
    super(value, value)
  }
  get bound(): number {
    return this.limit
  }
  protected override get kind(): string {
    return "BoundedSemaphore"
  }
}
