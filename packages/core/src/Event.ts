/**
 * A flag that tasks can wait for: asyncio's `asyncio.Event`.
 *
 * An {@link Event} starts clear. {@link Event.wait} blocks until it is set; {@link Event.set} sets it and wakes
 * every waiting task; {@link Event.clear} resets it. The module holds the model, the constructors and the
 * {@link EventStatistics} debugging snapshot.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { ParkingLot, type WaiterHost } from "./internal/parkingLot.ts"

const TypeId = "~effect-asyncio/Event" as const

/**
 * A snapshot of an {@link Event}'s state, for debugging (Trio's `EventStatistics`).
 *
 * @category models
 * @since 0.1.0
 */
export interface EventStatistics {
  /** Whether the flag is set (Python's `is_set()`). */
  readonly isSet: boolean
  /** Tasks inside `wait()` that have not returned yet, including those already woken but not yet running. */
  readonly tasksWaiting: number
}

/**
 * A one-bit broadcast: tasks wait until the flag is set. asyncio's `Event`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Event extends Pipeable {
  readonly [TypeId]: typeof TypeId

  /**
   * Sets the flag and wakes every task waiting in {@link Event.wait}. Does nothing if it is already set.
   *
   * **Details** Waiters are woken in the order they started waiting and resume on later scheduler turns. Tasks
   * calling `wait()` while the flag is set return at once.
   *
   * **asyncio** `event.set()`.
   */
  set(): Effect.Effect<void>

  /**
   * Clears the flag: later calls to {@link Event.wait} block until the next `set`.
   *
   * **Details** Tasks already woken by a `set` still return from `wait()` (`set(); clear()` lets the current
   * waiters through).
   *
   * **asyncio** `event.clear()`.
   */
  clear(): Effect.Effect<void>

  /** Whether the flag is set. asyncio's `event.is_set()`. */
  isSet(): Effect.Effect<boolean>

  /**
   * Waits until the flag is set, then succeeds with `true`.
   *
   * **When to use** To block until something has happened: start-up finished, shutdown requested.
   *
   * **Details** Returns at once, without yielding, when the flag is already set (not a cancellation point).
   * A cancelled waiter simply leaves the waiter list.
   *
   * **asyncio** `await event.wait()`.
   *
   * **Example** (Wait for a signal)
   * ```ts
   * import * as asyncio from "@effect-asyncio/core"
   * import { Effect } from "effect"
   *
   * const program = Effect.gen(function*() {
   *   const ready = yield* asyncio.Event.make()
   *   const waiter = yield* asyncio.createTask(ready.wait().pipe(Effect.as("saw it")))
   *   yield* asyncio.sleep(1)
   *   yield* ready.set()
   *   return yield* waiter // "saw it", at t = 1
   * })
   * ```
   */
  wait(): Effect.Effect<true>

  /** A snapshot of the event's state, for debugging. */
  statistics(): Effect.Effect<EventStatistics>
}

const succeedTrue: Effect.Effect<true> = Effect.succeed(true)

class EventImpl implements Event, WaiterHost<true> {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [TypeId] = TypeId
  private flag = false
  /** The tasks in `wait()`: parked until a `set`, then unparked until they run. */
  private readonly lot = new ParkingLot<true>()

  private readonly setEffect: Effect.Effect<void> = Effect.sync(() => {
    if (this.flag) return
    this.flag = true
    this.lot.unparkAll()
  })

  private readonly clearEffect: Effect.Effect<void> = Effect.sync(() => {
    this.flag = false
  })

  /** Parks the current fiber; re-checks the flag in the same step (a `set` may have happened meanwhile). */
  private readonly park: Effect.Effect<true> = this.lot.park(this)

  private readonly waitEffect: Effect.Effect<true> = Effect.suspend(() =>
    this.flag ? succeedTrue : this.park
  )

  attempt(): Effect.Effect<true> | undefined {
    return this.flag ? succeedTrue : undefined
  }

  onResume(): true {
    return true
  }

  onCancel(): void {
    // a cancelled waiter simply leaves: a set wakes every waiter, nothing to pass on
  }

  set(): Effect.Effect<void> {
    return this.setEffect
  }

  clear(): Effect.Effect<void> {
    return this.clearEffect
  }

  isSet(): Effect.Effect<boolean> {
    return Effect.sync(() => this.flag)
  }

  wait(): Effect.Effect<true> {
    return this.waitEffect
  }

  statistics(): Effect.Effect<EventStatistics> {
    return Effect.sync(() => ({ isSet: this.flag, tasksWaiting: this.lot.waiting }))
  }

  toString(): string {
    return `<Event [${this.flag ? "set" : "unset"}, waiters:${this.lot.waiting}]>`
  }
  toJSON(): unknown {
    return { _id: "Event", isSet: this.flag, tasksWaiting: this.lot.waiting }
  }
}

/**
 * Whether `u` is an {@link Event}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isEvent = (u: unknown): u is Event => typeof u === "object" && u !== null && TypeId in u

/**
 * Creates a clear {@link Event} synchronously.
 *
 * **When to use** Outside Effect code. Inside Effect code use {@link make}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (): Event => new EventImpl()

/**
 * Creates a clear {@link Event}.
 *
 * **When to use** To let any number of tasks wait until something has happened.
 *
 * **asyncio** `asyncio.Event()`.
 *
 * **Gotchas** An event does not count: two `set()` calls before anyone waits are one `set`. To hand out work
 * items use a `Queue`; to wait for "n things happened" use a `Barrier` or a `Semaphore`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (): Effect.Effect<Event> => Effect.sync(makeUnsafe)
