/**
 * The implementation shared by `Semaphore` and `BoundedSemaphore`: a counter, an O(1) FIFO waiter list and
 * asyncio 3.13's hand-off rules.
 *
 * - `release` increments the counter and hands one unit to the first queued waiter (the counter is decremented
 *   at hand-off, as in CPython's `_wake_up_next`).
 * - The fast path of `acquire` is taken only when the semaphore is not `locked()`: the counter is positive **and**
 *   no task is queued or woken-but-not-yet-running (no barging).
 * - A woken waiter that resumes, or that is cancelled (it then gives its unit back), wakes further waiters while
 *   the counter is positive (3.13, SEM-13). Each wake consumes a unit, so this is amortised O(1).
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { pipeArguments } from "effect/Pipeable"
import type { BoundedSemaphore } from "../BoundedSemaphore.ts"
import { ValueError } from "../Errors.ts"
import type { Semaphore, SemaphoreStatistics } from "../Semaphore.ts"
import * as validate from "./validate.ts"
import { block, type Restore, type Waiter, type WaiterHost, WaiterList, wake } from "./waiters.ts"

export const SemaphoreTypeId = "~effect-asyncio/Semaphore" as const
export const BoundedSemaphoreTypeId = "~effect-asyncio/BoundedSemaphore" as const

const succeedTrue: Effect.Effect<true> = Effect.succeed(true)

/**
 * Validates an initial value, as Python's constructor does: a negative value is a `ValueError` ("initial value must
 * be >= 0"), something that is not a number a `TypeError`; a fraction or NaN is a `ValueError` too (Python accepts
 * them; a non-integer counter never works, docs/semantics.md P4).
 */
export const checkInitialValue = (call: string, value: unknown): number =>
  validate.integer(call, value, "initial value", 0)

export class SemaphoreImpl implements Semaphore, WaiterHost<boolean> {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [SemaphoreTypeId] = SemaphoreTypeId
  /** Python's `_value`: units free to take (already decremented for woken waiters). */
  value: number
  /** The most the counter may reach through `release` (a `BoundedSemaphore`'s initial value), else Infinity. */
  readonly limit: number
  readonly queue = new WaiterList<boolean>()
  /** Waiters handed a unit that have not run yet (Python keeps them in `_waiters` until they do). */
  woken = 0

  constructor(value: number, limit: number) {
    this.value = value
    this.limit = limit
  }

  /** Python's `locked()`: no unit free, or anyone queued or on the way (newcomers never overtake them). */
  isLocked(): boolean {
    return this.value === 0 || this.queue.size > 0 || this.woken > 0
  }

  /** The fast path: takes a unit if the semaphore is not locked. */
  private tryAcquire(): boolean {
    if (this.isLocked()) return false
    this.value--
    return true
  }

  /**
   * Takes a unit if the semaphore is not locked, in one `sync` step that also hands the outcome to the
   * continuation (so an interruption cannot fall between taking the unit and the caller knowing it has it).
   */
  private readonly retry: Effect.Effect<boolean> = Effect.sync(() => this.tryAcquire())

  /**
   * Queues the current fiber, re-checking the fast path in the same step. Succeeds with `true` when a unit is
   * ours, `false` when the caller should try again (the semaphore looked free when the fiber was about to queue).
   */
  private readonly wait: Effect.Effect<boolean> = block(this.queue, this, () =>
    this.isLocked() ? undefined : this.retry
  )

  private readonly acquireEffect: Effect.Effect<true> = Effect.suspend(() =>
    this.tryAcquire() ? succeedTrue : this.waitThenRetry
  )

  private readonly waitThenRetry: Effect.Effect<true> = Effect.flatMap(this.wait, (ok) =>
    ok ? succeedTrue : this.acquireEffect
  )

  private readonly releaseEffect: Effect.Effect<void> = Effect.withFiber((fiber) => {
    if (this.value >= this.limit) {
      return Effect.die(new ValueError("BoundedSemaphore released too many times"))
    }
    this.value++
    this.wakeNext(fiber)
    return Effect.void
  })

  /** Hands one unit to the first queued waiter; `false` if nobody is queued. */
  private wakeNext(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    const waiter = this.queue.shift()
    if (waiter === undefined) return false
    this.value--
    this.woken++
    wake(waiter, true, fiber.currentDispatcher)
    return true
  }

  /** CPython 3.13's `finally` in `acquire`: new waiters may have queued behind us; wake as many as allowed. */
  private wakeWhilePositive(fiber: Fiber.Fiber<unknown, unknown>): void {
    while (this.value > 0 && this.wakeNext(fiber)) {
      // each iteration hands out one unit
    }
  }

  onResume(waiter: Waiter<boolean>): void {
    this.woken--
    this.wakeWhilePositive(waiter.fiber)
  }

  onCancel(waiter: Waiter<boolean>, woken: boolean): void {
    if (woken) {
      // Handed a unit but cancelled before running: give it back (CPython: `self._value += 1`).
      this.woken--
      this.value++
    }
    this.wakeWhilePositive(waiter.fiber)
  }

  acquire(): Effect.Effect<true> {
    return this.acquireEffect
  }

  release(): Effect.Effect<void> {
    return this.releaseEffect
  }

  locked(): Effect.Effect<boolean> {
    return Effect.sync(() => this.isLocked())
  }

  /**
   * `effect` is checked first, at the call: a value that is not an effect must never reach the run loop while a
   * permit is held (effect 4.1.0 would end the fiber there without running the release).
   */
  readonly withPermit = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.isEffect(effect)
      ? Effect.uninterruptibleMask((restore) => this.withPermitMasked(effect, restore))
      : Effect.die(validate.notAnEffect(`${this.kind}.withPermit`, effect))

  /**
   * `withPermit` inside its mask. Only the wait is interruptible: the step that hands the permit over also leaves
   * `restore`, so once the permit is ours the fiber is uninterruptible until its release is registered.
   */
  private withPermitMasked<A, E, R>(
    effect: Effect.Effect<A, E, R>,
    restore: Restore
  ): Effect.Effect<A, E, R> {
    if (this.tryAcquire()) return Effect.ensuring(restore(effect), this.releaseEffect)
    return Effect.flatMap(restore(this.wait), (ok) =>
      ok ? Effect.ensuring(restore(effect), this.releaseEffect) : this.withPermitMasked(effect, restore)
    )
  }

  statistics(): Effect.Effect<SemaphoreStatistics> {
    return Effect.sync(() => ({
      value: this.value,
      bound: this.limit === Infinity ? undefined : this.limit,
      locked: this.isLocked(),
      tasksWaiting: this.queue.size + this.woken
    }))
  }

  protected get kind(): string {
    return "Semaphore"
  }

  toString(): string {
    const state = this.isLocked() ? "locked" : `unlocked, value:${this.value}`
    return `<${this.kind} [${state}, waiters:${this.queue.size + this.woken}]>`
  }
  toJSON(): unknown {
    return { _id: this.kind, value: this.value, tasksWaiting: this.queue.size + this.woken }
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
