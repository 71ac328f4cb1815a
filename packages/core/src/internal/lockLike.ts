/**
 * The acquire/release skeleton shared by `Lock` and `Semaphore`/`BoundedSemaphore`: a primitive with units to
 * take (one lock, `value` permits) and a {@link ParkingLot} of tasks waiting for one. CPython 3.13's rules, common
 * to both:
 *
 * - **No barging.** The fast path takes a unit only when one is free *and* nobody is in line — not even a waiter
 *   that was handed a unit and has not run yet (asyncio keeps its future in `_waiters`, which `acquire`'s fast
 *   path and `locked()` look at). So the order in which tasks asked is the order in which they get in.
 * - **Handed over at the unpark.** `release` gives the unit to the head waiter (the subclass does the
 *   bookkeeping and unparks it); the waiter takes it in the first step it runs ({@link WaiterHost.onResume}), or
 *   gives it back if it is cancelled first ({@link WaiterHost.onCancel}).
 * - **The guarded region** (`withLock`, `withPermit`) checks its argument at the call, registers its end before it
 *   takes anything, waits interruptibly (when its caller is), and knows at every step whether it holds a unit
 *   ({@link GuardRun}): however the fiber ends, a held unit is released and a wait is cancelled.
 *
 * **O(1) per acquire and per release**, whatever the number of waiters: a release unparks the head of the lot
 * and a cancelled waiter unlinks itself. Keep it so: it is why the library has its own `Semaphore` at all.
 * Effect 4.1's `Semaphore` is O(waiters) per release — `releaseUnsafe` walks its waiter `Set` to pick the batch to
 * wake (woken waiters stay in the set until they acquire) and `take` scans it for the first request that fits —
 * so N tasks through `Semaphore.withPermits` cost O(N²) (`npm run bench -- --workload semaphore-effect`).
 */
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import type * as Exit from "effect/Exit"
import * as hooks from "./hooks.ts"
import { observeWait } from "./observe.ts"
import { ParkingLot, Waiter, type WaiterHost } from "./parkingLot.ts"
import * as validate from "./validate.ts"

const succeedTrue: Effect.Effect<true> = Effect.succeed(true)

export abstract class LockLike implements WaiterHost<boolean> {
  /** The tasks waiting for a unit. */
  readonly lot = new ParkingLot<boolean>()

  /** Whether a unit is free (the lock is unlocked, the counter positive), whoever is in line. */
  protected abstract free(): boolean

  /** Takes a free unit for the current fiber. */
  protected abstract take(): void

  /** Returns a unit now: `undefined` once done, or the defect to die with if there is nothing to release. */
  abstract releaseNow(): Effect.Effect<never> | undefined

  /** The release as an effect (a defect if there is nothing to release). */
  protected readonly releaseEffect: Effect.Effect<void> = Effect.suspend(
    () => this.releaseNow() ?? Effect.void
  )

  /** The unparked waiter's turn: it now holds the unit it was handed. */
  abstract onResume(waiter: Waiter<boolean>): boolean

  /** A waiter was cancelled; if it had been handed a unit (`unparked`), the unit must not be lost. */
  abstract onCancel(waiter: Waiter<boolean>, unparked: boolean): void

  /** Python's `locked()`: no unit is free, or someone is in line (newcomers never overtake them). */
  blocked(): boolean {
    return !this.free() || this.lot.waiting > 0
  }

  /** The fast path: takes a unit unless {@link blocked}. */
  tryAcquire(): boolean {
    if (this.blocked()) return false
    this.take()
    return true
  }

  /**
   * Takes a unit if not blocked, in one `sync` step that also hands the outcome to the continuation (so an
   * interruption cannot fall between taking the unit and the caller knowing it has it).
   */
  private readonly retry: Effect.Effect<boolean> = Effect.sync(() => this.tryAcquire())

  /**
   * Parks the current fiber, re-checking the fast path in the same step. Succeeds with `true` when a unit is
   * ours, `false` when the caller should try again (it looked free when the fiber was about to park).
   */
  private readonly wait: Effect.Effect<boolean> = this.lot.park(this)

  /** The re-check in the step that parks: try again (`retry`) if a unit looks free and nobody is in line. */
  attempt(): Effect.Effect<boolean> | undefined {
    return this.blocked() ? undefined : this.retry
  }

  /** `acquire()`: `true` once a unit is ours. */
  protected readonly acquireEffect: Effect.Effect<true> = Effect.suspend(() =>
    this.tryAcquire() ? succeedTrue : this.waitThenRetry
  )

  private readonly waitThenRetry: Effect.Effect<true> = Effect.flatMap(this.wait, (ok) =>
    ok ? succeedTrue : this.acquireEffect
  )

  /**
   * Runs `effect` holding a unit (`withLock`, `withPermit`). `effect` is checked first, at the call, named `call`:
   * a value that is not an effect must never reach the run loop while a unit is held (effect 4.1.0 would end the
   * fiber there without running the release).
   */
  guard<A, E, R>(call: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.isEffect(effect) ? new Guard(this, effect) : Effect.die(validate.notAnEffect(call, effect))
  }

  /** Tasks inside `acquire()` that have not returned yet, including those handed a unit that have not run. */
  get tasksWaiting(): number {
    return this.lot.waiting
  }
}

/**
 * `guard`'s effect: each run makes a {@link GuardRun} and registers its end (`onExitPrimitive`) before anything is
 * taken.
 */
class Guard<A, E, R> extends Effectable.Class<A, E, R> {
  readonly host: LockLike
  readonly effect: Effect.Effect<A, E, R>

  constructor(host: LockLike, effect: Effect.Effect<A, E, R>) {
    super()
    this.host = host
    this.effect = effect
  }

  asEffect(): Effect.Effect<A, E, R> {
    const run = new GuardRun(this.host, this.effect)
    return Effect.onExitPrimitive(run, (exit) => run.finish(exit))
  }
}

/**
 * One run of a guarded region: the step that takes a unit or parks, the parked waiter, the step at its turn, and
 * what its end does — all in one object, with no mask. Its state says at every moment whether a unit is held, so
 * the region's end (registered before anything is taken) knows what to do however the fiber ends:
 *
 * - `new`, not run yet: nothing to do;
 * - `parked` or `unparked`: the wait is cancelled ({@link Waiter.cancelUnsafe}; a unit handed over at the unpark
 *   is passed on);
 * - `resumed`, the unit is ours (taken at once, or settled at its turn in the step that goes on with `effect`):
 *   release it.
 *
 * Taking and knowing it are the same assignment, so no interruption can fall between them and the release is
 * guaranteed without `uninterruptibleMask`; the wait is interruptible exactly when the caller is, and `effect` runs
 * with the caller's interruptibility. The waiting fiber keeps one `Effect.callback` (no canceller: the end does
 * that) and no continuation frame for the wait — what a parked task costs in memory (bench/README, issue 16).
 */
class GuardRun<A, E, R> extends Waiter<boolean, A, E, R> {
  /** the continuation of the parked fiber, until its turn or its cancellation */
  private resume: ((effect: Effect.Effect<A, E, R>) => void) | undefined = undefined
  readonly effect: Effect.Effect<A, E, R>
  declare readonly host: LockLike

  constructor(host: LockLike, effect: Effect.Effect<A, E, R>) {
    super(host.lot, host)
    this.state = "new"
    this.effect = effect
  }

  /** The step: first the fast path or the wait; at its turn (`unparked`) the unit becomes ours; then `effect`. */
  asEffect(): Effect.Effect<A, E, R> {
    const state = this.state
    if (state === "new") {
      if (this.host.tryAcquire()) {
        this.state = "resumed"
        return this.effect
      }
      if (!hooks.active()) return Effect.callback<A, E, R>((resume) => this.register(resume))
      // Observers see the task waiting on the primitive until its turn (or its cancellation).
      const waiting = Effect.callback<void>((resume) => this.register(() => resume(Effect.void)))
      return Effect.andThen(observeWait(waiting, { _tag: "primitive", what: String(this.host) }), this)
    }
    if (state === "unparked") this.settle()
    return this.effect
  }

  /**
   * The register function of the wait: the re-check (Effect may have yielded between the step and this one), then
   * the waiter linked at the tail.
   */
  private register(resume: (effect: Effect.Effect<A, E, R>) => void): void {
    if (this.host.tryAcquire()) {
      this.state = "resumed"
      resume(this)
      return
    }
    this.resume = resume
    this.state = "parked"
    this.lot.link(this)
  }

  proceed(): void {
    const resume = this.resume!
    this.resume = undefined
    resume(this)
  }

  protected forget(): void {
    this.resume = undefined
  }

  /** The region's end: release the unit if it is ours, cancel the wait if the fiber is still in it. */
  finish(_exit: Exit.Exit<A, E>): Effect.Effect<void> | undefined {
    switch (this.state) {
      case "resumed":
        // released in this step (as asyncio's `__aexit__` does, synchronously)
        return this.host.releaseNow()
      case "parked":
      case "unparked":
        this.cancelUnsafe()
        return undefined
      default:
        return undefined
    }
  }
}
