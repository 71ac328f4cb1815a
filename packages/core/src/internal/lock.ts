/**
 * The implementation of `Lock`, shared with `Condition` (which needs to release and check it synchronously, in
 * the same step that parks a waiter). Mirrors CPython 3.13's `asyncio.Lock` on the {@link LockLike} skeleton:
 * `release` unlocks and wakes the head waiter, which locks when it runs; until then newcomers queue behind it (no
 * barging); only the head is ever woken, and a wake-up handed to a cancelled waiter passes to the next one.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { pipeArguments } from "effect/Pipeable"
import { RuntimeError } from "../Errors.ts"
import type { Lock, LockStatistics } from "../Lock.ts"
import type { Task } from "../Task.ts"
import { LockLike } from "./lockLike.ts"
import { CurrentTask } from "./owner.ts"

export const LockTypeId = "~effect-asyncio/Lock" as const
const TypeId = LockTypeId

export class LockImpl extends LockLike implements Lock {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [TypeId] = TypeId
  /** Python's `_locked`. */
  isLocked = false
  private owner: Task<unknown, unknown> | undefined = undefined

  protected free(): boolean {
    return !this.isLocked
  }

  protected take(): void {
    this.isLocked = true
    this.owner = Fiber.getCurrent()!.getRef(CurrentTask)
  }

  /** Unlocks and wakes the head waiter; `false` (and no change) if the lock is not locked. */
  releaseUnsafe(): boolean {
    if (!this.isLocked) return false
    this.isLocked = false
    this.owner = undefined
    this.wakeFirst()
    return true
  }

  releaseNow(): Effect.Effect<never> | undefined {
    return this.releaseUnsafe() ? undefined : Effect.die(new RuntimeError("Lock is not acquired."))
  }

  /** CPython's `_wake_up_first`: wakes the head unless a woken waiter is already on its way to take the lock. */
  private wakeFirst(): void {
    if (this.lot.unparked === 0) this.lot.unpark()
  }

  onResume(): boolean {
    this.take()
    return true
  }

  onCancel(): void {
    // CPython: "if the lock is not claimed (or about to be claimed by us) and there is a task in waiters, ensure
    // that the task at the head will run" — a wake-up handed to a cancelled waiter passes to the next one.
    if (!this.isLocked) this.wakeFirst()
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
    this.guard("Lock.withLock", effect)

  statistics(): Effect.Effect<LockStatistics> {
    return Effect.sync(() => ({
      locked: this.isLocked,
      owner: this.isLocked ? this.owner : undefined,
      tasksWaiting: this.tasksWaiting
    }))
  }

  override toString(): string {
    return `<Lock [${this.isLocked ? "locked" : "unlocked"}, waiters:${this.tasksWaiting}]>`
  }
  toJSON(): unknown {
    return { _id: "Lock", locked: this.isLocked, tasksWaiting: this.tasksWaiting }
  }
}
