/**
 * A cyclic meeting point for a fixed number of tasks: asyncio's `asyncio.Barrier` (Python 3.11+).
 *
 * A {@link Barrier} for `parties` tasks blocks each caller of {@link Barrier.wait} until `parties` of them have
 * arrived, then releases them all at once and can be used again. {@link Barrier.reset} and
 * {@link Barrier.abort} break the current round with a {@link BrokenBarrierError}.
 *
 * The barrier is a named state machine (CPython's `_BarrierState`), and {@link BarrierStatistics} shows it:
 *
 * - `filling` — tasks arrive and wait; the arrival that completes the group moves to `draining`.
 * - `draining` — the released tasks are leaving `wait`; newcomers block until the last one has left, which
 *   moves the barrier back to `filling`.
 * - `resetting` — `reset()` was called with tasks inside: they leave with `BrokenBarrierError`; the last one out
 *   moves the barrier to `filling`.
 * - `broken` — `abort()` was called: every current and future `wait` fails with `BrokenBarrierError` until
 *   `reset()`.
 *
 * The implementation follows CPython's `locks.py` line by line, on this library's {@link Condition}.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import type * as Condition from "./Condition.ts"
import { makeUnsafe as makeCondition } from "./Condition.ts"
import { BrokenBarrierError } from "./Errors.ts"
import * as validate from "./internal/validate.ts"

const TypeId = "~effect-asyncio/Barrier" as const

/**
 * The states of a {@link Barrier}; see the module documentation.
 *
 * @category models
 * @since 0.1.0
 */
export type BarrierState = "filling" | "draining" | "resetting" | "broken"

/**
 * A snapshot of a {@link Barrier}'s state, for debugging.
 *
 * @category models
 * @since 0.1.0
 */
export interface BarrierStatistics {
  readonly state: BarrierState
  readonly parties: number
  /** Python's `n_waiting`: tasks waiting for the group to fill (0 unless `filling`). */
  readonly nWaiting: number
  /** Tasks inside `wait()` that have taken an arrival slot and not left yet, in any state (Python's `_count`). */
  readonly count: number
}

/**
 * A barrier for `parties` tasks. asyncio's `Barrier`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Barrier extends Pipeable {
  readonly [TypeId]: typeof TypeId

  /** How many tasks must call `wait` to pass the barrier. asyncio's `barrier.parties`. */
  readonly parties: number

  /**
   * Waits until `parties` tasks are waiting, then succeeds with this task's arrival index, `0 … parties - 1`.
   *
   * **When to use** To make a group of tasks proceed in lock-step: everyone finishes phase 1 before anyone
   * starts phase 2. Use the index to elect one task for a per-round job (`index === 0`).
   *
   * **Details**
   * - The arrival that completes the group releases everyone (the barrier is `draining`); tasks arriving while
   *   it drains or resets wait until it is `filling` again — the barrier is cyclic.
   * - Fails with {@link BrokenBarrierError} if the barrier is `broken` on arrival, or if it is reset or aborted
   *   while the task waits.
   * - Cancelling a waiting task just removes it (`nWaiting` drops); the barrier is **not** broken.
   *
   * **asyncio** `await barrier.wait()` and `async with barrier as index:`.
   *
   * **Gotchas** Indices are Python's: a task's index is the number of tasks inside the barrier when it arrived,
   * so after a waiter is cancelled a later arrival can get an index already handed out.
   *
   * **Example** (Three workers meet)
   * ```ts
   * import * as asyncio from "@effect-asyncio/core"
   * import { Effect } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const barrier = yield* asyncio.Barrier.make(3)
   *   const worker = (delay: number) => Effect.andThen(asyncio.sleep(delay), barrier.wait())
   *   // all three pass at t = 3; indices in arrival order: [0, 1, 2]
   *   return yield* asyncio.gather(worker(1), worker(2), worker(3))
   * })
   * ```
   */
  wait(): Effect.Effect<number, BrokenBarrierError>

  /**
   * Returns the barrier to the empty `filling` state. Tasks waiting in it fail with {@link BrokenBarrierError}.
   *
   * **Details** With tasks inside, the barrier is `resetting` until the last of them has left; otherwise it is
   * `filling` at once. Also repairs a `broken` barrier.
   *
   * **asyncio** `await barrier.reset()`.
   */
  reset(): Effect.Effect<void>

  /**
   * Breaks the barrier: tasks waiting in it, and every later `wait`, fail with {@link BrokenBarrierError} until
   * {@link Barrier.reset}.
   *
   * **When to use** When a party cannot arrive (it failed), so that the others do not wait forever.
   *
   * **asyncio** `await barrier.abort()`.
   */
  abort(): Effect.Effect<void>

  /** How many tasks are waiting for the group to fill. asyncio's `barrier.n_waiting`. */
  nWaiting(): Effect.Effect<number>

  /** Whether the barrier is `broken`. asyncio's `barrier.broken`. */
  broken(): Effect.Effect<boolean>

  /** A snapshot of the barrier's state, for debugging. */
  statistics(): Effect.Effect<BarrierStatistics>
}

class BarrierImpl implements Barrier {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [TypeId] = TypeId
  readonly parties: number
  /** Notifies all tasks when the state changes (CPython's `_cond`). */
  private readonly cond: Condition.Condition = makeCondition()
  private state: BarrierState = "filling"
  /** Tasks inside `wait` (CPython's `_count`). */
  private count = 0

  constructor(parties: number) {
    this.parties = parties
  }

  /** Blocks while the barrier drains or resets; then fails if it is broken. */
  private readonly block: Effect.Effect<void, BrokenBarrierError> = Effect.flatMap(
    this.cond.waitFor(() => this.state !== "draining" && this.state !== "resetting"),
    () => (this.state === "broken" ? Effect.fail(new BrokenBarrierError("Barrier aborted")) : Effect.void)
  )

  /** The last arrival releases the others. */
  private readonly release: Effect.Effect<void> = Effect.suspend(() => {
    this.state = "draining"
    return this.cond.notifyAll()
  })

  /** Waits for the group to fill; fails if the barrier is reset or aborted meanwhile. */
  private readonly waitFilled: Effect.Effect<void, BrokenBarrierError> = Effect.flatMap(
    this.cond.waitFor(() => this.state !== "filling"),
    () =>
      this.state === "broken" || this.state === "resetting"
        ? Effect.fail(new BrokenBarrierError("Abort or reset of barrier"))
        : Effect.void
  )

  /** Leaving `wait` (however): the last task out ends draining or resetting. Runs with the lock held. */
  private readonly exit: Effect.Effect<void> = Effect.suspend(() => {
    this.count--
    if (this.count !== 0) return Effect.void
    if (this.state === "resetting" || this.state === "draining") this.state = "filling"
    return this.cond.notifyAll()
  })

  private readonly waitEffect: Effect.Effect<number, BrokenBarrierError> = this.cond.withLock(
    Effect.flatMap(this.block, () =>
      Effect.suspend(() => {
        const index = this.count++
        const inside = index + 1 === this.parties ? this.release : this.waitFilled
        return Effect.ensuring(Effect.as(inside, index), this.exit)
      })
    )
  )

  wait(): Effect.Effect<number, BrokenBarrierError> {
    return this.waitEffect
  }

  reset(): Effect.Effect<void> {
    return this.cond.withLock(
      Effect.suspend(() => {
        if (this.count > 0) {
          if (this.state !== "resetting") this.state = "resetting"
        } else {
          this.state = "filling"
        }
        return this.cond.notifyAll()
      })
    )
  }

  abort(): Effect.Effect<void> {
    return this.cond.withLock(
      Effect.suspend(() => {
        this.state = "broken"
        return this.cond.notifyAll()
      })
    )
  }

  private get waiting(): number {
    return this.state === "filling" ? this.count : 0
  }

  nWaiting(): Effect.Effect<number> {
    return Effect.sync(() => this.waiting)
  }

  broken(): Effect.Effect<boolean> {
    return Effect.sync(() => this.state === "broken")
  }

  statistics(): Effect.Effect<BarrierStatistics> {
    return Effect.sync(() => ({
      state: this.state,
      parties: this.parties,
      nWaiting: this.waiting,
      count: this.count
    }))
  }

  toString(): string {
    const waiters = this.state === "broken" ? "" : `, waiters:${this.waiting}/${this.parties}`
    return `<Barrier [${this.state}${waiters}]>`
  }
  toJSON(): unknown {
    return { _id: "Barrier", state: this.state, parties: this.parties, nWaiting: this.waiting }
  }
}

/**
 * Whether `u` is a {@link Barrier}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isBarrier = (u: unknown): u is Barrier => typeof u === "object" && u !== null && TypeId in u

/**
 * Creates a {@link Barrier} for `parties` tasks synchronously. Throws `ValueError` unless `parties` is an
 * integer ≥ 1.
 *
 * **When to use** Outside Effect code. Inside Effect code use {@link make}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (parties: number): Barrier =>
  new BarrierImpl(validate.integer("Barrier.makeUnsafe", parties, "parties", 1))

/**
 * Creates a {@link Barrier} for `parties` tasks, in the `filling` state.
 *
 * **When to use** To synchronise a fixed group of tasks at the end of each phase of their work.
 *
 * **asyncio** `asyncio.Barrier(parties)`. `parties < 1` is a defect carrying `ValueError` (`Barrier.make: parties
 * must be an integer >= 1, got 0`), as Python raises it; so is a non-integer or NaN (Python accepts them); a
 * non-number is a `TypeError`, as Python's comparison raises it.
 *
 * @see `Event` to release any number of tasks on a signal
 * @category constructors
 * @since 0.1.0
 */
export const make = (parties: number): Effect.Effect<Barrier> =>
  validate.atCall(() => {
    const checked = validate.integer("Barrier.make", parties, "parties", 1)
    return Effect.sync(() => new BarrierImpl(checked))
  })
