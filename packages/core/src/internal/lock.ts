/**
 * The implementation of `Lock`, shared with `Condition` (which needs to release and check it synchronously, in
 * the same step that queues a waiter). Mirrors CPython 3.13's `asyncio.Lock`: no hand-off — `release` unlocks
 * and wakes the head waiter, which locks when it runs; until then newcomers queue behind it (no barging).
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { pipeArguments } from "effect/Pipeable"
import { RuntimeError } from "../Errors.ts"
import type { Lock, LockStatistics } from "../Lock.ts"
import type { Task } from "../Task.ts"
import { CurrentTask } from "./owner.ts"
import * as validate from "./validate.ts"
import { block, type Restore, type Waiter, type WaiterHost, WaiterList, wake } from "./waiters.ts"

export const LockTypeId = "~effect-asyncio/Lock" as const
const TypeId = LockTypeId

const succeedTrue: Effect.Effect<true> = Effect.succeed(true)

export class LockImpl implements Lock, WaiterHost<boolean> {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [TypeId] = TypeId
  /** Python's `_locked`. */
  isLocked = false
  private readonly queue = new WaiterList<boolean>()
  /** Waiters handed the wake-up that have not run yet: 0 or 1 (only the head is ever woken). */
  private woken = 0
  private owner: Task<unknown, unknown> | undefined = undefined

  /** The fast path: unlocked and nobody queued or on the way (no barging). */
  private tryAcquire(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    if (this.isLocked || this.woken > 0 || this.queue.size > 0) return false
    this.isLocked = true
    this.owner = fiber.getRef(CurrentTask)
    return true
  }

  /**
   * Takes the lock if it is free, in one `sync` step that also hands the outcome to the continuation (so an
   * interruption cannot fall between taking the lock and the caller knowing it has it; see `block`).
   */
  private readonly retry: Effect.Effect<boolean> = Effect.sync(() => this.tryAcquire(Fiber.getCurrent()!))

  /**
   * Queues the current fiber, re-checking the fast path in the same step. Succeeds with `true` when the lock is
   * ours, `false` when the caller should try again (the lock looked free when the fiber was about to queue).
   */
  private readonly wait: Effect.Effect<boolean> = block(this.queue, this, () =>
    this.isLocked || this.woken > 0 || this.queue.size > 0 ? undefined : this.retry
  )

  private readonly acquireEffect: Effect.Effect<true> = Effect.withFiber((fiber) =>
    this.tryAcquire(fiber) ? succeedTrue : this.waitThenRetry
  )

  private readonly waitThenRetry: Effect.Effect<true> = Effect.flatMap(this.wait, (ok) =>
    ok ? succeedTrue : this.acquireEffect
  )

  /** Unlocks and wakes the head waiter; `false` (and no change) if the lock is not locked. */
  releaseUnsafe(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    if (!this.isLocked) return false
    this.isLocked = false
    this.owner = undefined
    this.wakeFirst(fiber)
    return true
  }

  private readonly releaseEffect: Effect.Effect<void> = Effect.withFiber((fiber) =>
    this.releaseUnsafe(fiber) ? Effect.void : Effect.die(new RuntimeError("Lock is not acquired."))
  )

  /** Wakes the head of the queue unless a woken waiter is already on its way to take the lock. */
  private wakeFirst(fiber: Fiber.Fiber<unknown, unknown>): void {
    if (this.woken > 0) return
    const waiter = this.queue.shift()
    if (waiter === undefined) return
    this.woken++
    wake(waiter, true, fiber.currentDispatcher)
  }

  onResume(waiter: Waiter<boolean>): void {
    this.woken--
    this.isLocked = true
    this.owner = waiter.fiber.getRef(CurrentTask)
  }

  onCancel(waiter: Waiter<boolean>, woken: boolean): void {
    if (woken) this.woken--
    // CPython: "if the lock is not claimed (or about to be claimed by us) and there is a task in waiters, ensure
    // that the task at the head will run" — a wake-up handed to a cancelled waiter passes to the next one.
    if (!this.isLocked) this.wakeFirst(waiter.fiber)
  }

  acquire(): Effect.Effect<true> {
    return this.acquireEffect
  }

  release(): Effect.Effect<void> {
    return this.releaseEffect
  }

  locked(): Effect.Effect<boolean> {
    return Effect.sync(() => this.isLocked)
  }

  readonly withLock = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    this.withLockChecked("Lock.withLock", effect)

  /**
   * `withLock`, with `effect` checked first (at the call, named `call`): a value that is not an effect must never
   * reach the run loop while the lock is held (effect 4.1.0 would end the fiber there without releasing it).
   */
  withLockChecked<A, E, R>(call: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.isEffect(effect)
      ? Effect.uninterruptibleMask((restore) => this.withLockMasked(effect, restore))
      : Effect.die(validate.notAnEffect(call, effect))
  }

  /**
   * `withLock` inside its mask. Only the wait is interruptible: the step that hands the lock over also leaves
   * `restore`, so once the lock is ours the fiber is uninterruptible until the release is registered.
   */
  private withLockMasked<A, E, R>(effect: Effect.Effect<A, E, R>, restore: Restore): Effect.Effect<A, E, R> {
    if (this.tryAcquire(Fiber.getCurrent()!)) return Effect.ensuring(restore(effect), this.releaseEffect)
    return Effect.flatMap(restore(this.wait), (ok) =>
      ok ? Effect.ensuring(restore(effect), this.releaseEffect) : this.withLockMasked(effect, restore)
    )
  }

  /** Tasks inside `acquire()` that have not returned yet. */
  get tasksWaiting(): number {
    return this.queue.size + this.woken
  }

  statistics(): Effect.Effect<LockStatistics> {
    return Effect.sync(() => ({
      locked: this.isLocked,
      owner: this.isLocked ? this.owner : undefined,
      tasksWaiting: this.tasksWaiting
    }))
  }

  toString(): string {
    return `<Lock [${this.isLocked ? "locked" : "unlocked"}, waiters:${this.tasksWaiting}]>`
  }
  toJSON(): unknown {
    return { _id: "Lock", locked: this.isLocked, tasksWaiting: this.tasksWaiting }
  }
}
