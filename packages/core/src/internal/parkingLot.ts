/**
 * The parking lot: the one waiter protocol of every primitive that blocks — `Lock`, `Semaphore` and
 * `BoundedSemaphore`, `Event`, `Condition` (and `Barrier` through it), and the getters, putters and joiners of a
 * `Queue`. Trio's `ParkingLot` is the model: a fair (FIFO) wait queue with cancellation, where a primitive
 * *parks* the current task and later *unparks* one, `n` or all of them.
 *
 * **A waiter is a state machine** ({@link WaiterState}):
 *
 * ```
 *  park ──▶ parked ──unpark──▶ unparked ──its turn──▶ resumed
 *           ▲  │                  │  │
 *           │  └─── cancelled ◀───┘  │
 *           └── its turn, nothing ───┘
 *               there any more
 * ```
 *
 * - `parked`: linked in the lot (an intrusive doubly linked list: O(1) to park, to unpark the head and to unlink
 *   a cancelled waiter anywhere).
 * - `unparked`: out of the parked list; its turn is scheduled on the dispatcher of the fiber that unparked it —
 *   never run inline, so the waker's step goes on first and, as in asyncio (where `fut.set_result` `call_soon`s
 *   the waiting task), the woken task runs on a later turn, among the other work the waker scheduled, and a lot
 *   resumes its waiters in the order it unparked them.
 * - `resumed`: its turn came. In that same step, on the waiter's own fiber, the primitive's
 *   {@link WaiterHost.onResume} decides what `park` returns — `true` for a lock handed over at the unpark, the
 *   item a queue getter takes *now* (or "park again" if a running task took it first, as in asyncio) — and the
 *   value goes straight on to the code after the wait: `Effect.sync` hands it to the continuation in the same
 *   step, so a caller that waits inside `restore` of an `uninterruptibleMask` is back in its uninterruptible
 *   region when it holds what it got. Nothing can fall between taking and having.
 * - `cancelled`: the fiber was interrupted while `parked` (it is unlinked) or `unparked` (its turn will find it
 *   cancelled and do nothing); {@link WaiterHost.onCancel} runs on its fiber and learns which, so that a wake-up
 *   or a unit handed to a cancelled waiter is passed on or given back — a wake-up is never lost.
 *
 * The lot counts both kinds of waiters still inside the call: {@link ParkingLot.parked} and
 * {@link ParkingLot.unparked}. asyncio keeps a woken waiter's future in `_waiters` until the task runs, and its
 * fast paths look at that list (a lock's newcomer queues behind a woken waiter); {@link ParkingLot.waiting} is
 * that count.
 *
 * Trio's `repark` is here in the one form asyncio needs: at its turn, a waiter whose host says that what it was
 * woken for is gone ({@link WaiterHost.stillThere}: a queue getter whose item a running task took) parks again at
 * the tail of its own lot, without its fiber running — where and when asyncio's woken task, finding nothing, waits
 * again. Moving waiters to *another* lot has no user: asyncio's `Condition` wakes a notified task, which then asks
 * for the lock when it runs — queuing it on the lock at `notify` time would let it overtake tasks that ask for the
 * lock in between, which asyncio does not.
 */
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as hooks from "./hooks.ts"
import { observeWait } from "./observe.ts"
import { callSoon } from "./soon.ts"

/** The `restore` function of `Effect.uninterruptibleMask`. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Where a {@link Waiter} is in its life (see the module comment); `new` only for a guarded region's waiter before its
 * first step (`lockLike.ts`), which the lot never sees.
 */
export type WaiterState = "new" | "parked" | "unparked" | "resumed" | "cancelled"

/**
 * What a primitive implements for the waiters it parks: the re-check before parking, and what happens at the
 * waiter's turn or its cancellation. The callbacks run on the waiter's fiber. A host is usually the primitive
 * itself (one for all its waiters); a queue's blocked `put` has one of its own, which carries its item.
 */
export interface WaiterHost<A, E = never> {
  /**
   * Runs first, in the very step that would park: an effect to continue with instead of parking, or `undefined`
   * to park. Callers check their fast path before calling `park` too (it is cheaper), but it must be checked
   * again here: Effect may yield to the scheduler between two steps of a fiber (its operation budget), and what
   * the fast path waited for may have happened meanwhile. A lock-like `attempt` takes nothing itself (the effect it
   * returns may be interrupted before it runs): it returns a `sync` step that takes, or an effect that tries again.
   * A queue's `attempt` is its fast path, with that path's window (docs/semantics.md Q5).
   */
  attempt(): Effect.Effect<A, E> | undefined
  /**
   * The unparked `waiter`'s turn came: returns what `park` returns, in the same step that hands it to the code
   * after the wait. May throw (a failing comparator): the waiter's fiber dies with the error.
   */
  onResume(waiter: Waiter<A>): A
  /**
   * `waiter` was cancelled; `unparked` tells whether it had been unparked already (then the host gives back what
   * it was handed at the unpark, or passes the wake-up on).
   */
  onCancel(waiter: Waiter<A>, unparked: boolean): void
  /**
   * Optional, asked at the unparked waiter's turn, before its fiber runs: whether what it was woken for is still
   * there. `false` parks it again at the tail without running it (Trio's `repark`, onto its own lot) — what
   * asyncio's woken task does when it runs and finds nothing (a queue getter whose item a running task took), at
   * the same moment and to the same place, without the cost of resuming the fiber.
   */
  stillThere?(waiter: Waiter<A>): boolean
}

/** How {@link ParkingLot.park} parks. */
export interface ParkOptions<A> {
  /**
   * Runs right after the waiter is linked, still in that step (a condition variable releases its lock there, so
   * no notification can slip between the release and the wait).
   */
  readonly onParked?: (waiter: Waiter<A>) => void
  /** What observers (`ps`, timelines, debug mode) are told the task waits on; default: the host's `String`. */
  readonly what?: () => string
}

/**
 * One waiting fiber: a node of a {@link ParkingLot} (of its parked list, then of its ready list) and its state. The
 * subclass says how the fiber goes on at its turn ({@link Waiter.proceed}) and what the waiter is as an effect:
 * {@link park}'s waiter is the canceller `Effect.callback` runs when the fiber is interrupted while waiting (so
 * parking allocates no canceller effect); a guarded region's waiter (`lockLike.ts`) is the region's own step.
 */
export abstract class Waiter<A, X = unknown, XE = unknown, XR = unknown> extends Effectable.Class<X, XE, XR> {
  /** @internal links, owned by the lot */
  prev: Waiter<A> | undefined = undefined
  /** @internal */
  next: Waiter<A> | undefined = undefined
  state: WaiterState = "parked"
  readonly lot: ParkingLot<A>
  readonly host: WaiterHost<A, unknown>

  constructor(lot: ParkingLot<A>, host: WaiterHost<A, unknown>) {
    super()
    this.lot = lot
    this.host = host
  }

  /** @internal Its turn came (it is still `unparked`): resume its fiber, whose first step calls {@link settle}. */
  abstract proceed(): void

  /** @internal Drops the continuation of the fiber (the waiter was cancelled). */
  protected abstract forget(): void

  /**
   * In the first step the fiber runs at its turn: the waiter is `resumed`, and the host says what `park` returns.
   * If the fiber is interrupted after its turn but before that step runs (Effect may yield at the start of a step),
   * the waiter is still `unparked` when it is cancelled, so the host is told instead.
   */
  settle(): A {
    this.state = "resumed"
    this.lot.unparked--
    return this.host.onResume(this)
  }

  /** Cancels the wait (the fiber was interrupted): unlink a parked waiter, forget an unparked one's turn. */
  cancelUnsafe(): void {
    const state = this.state
    if (state === "new" || state === "resumed" || state === "cancelled") return
    this.state = "cancelled"
    this.forget()
    // an unparked waiter stays in the ready list: its scheduled turn will find it cancelled
    if (state === "parked") this.lot.unlink(this)
    else this.lot.unparked--
    this.host.onCancel(this, state === "unparked")
  }
}

/** The waiter of {@link ParkingLot.park}: its turn resumes the fiber with one `sync` step that settles it. */
class ParkedWaiter<A> extends Waiter<A, void, never, never> {
  /** the continuation of the parked fiber, until its turn or its cancellation */
  private resume: ((effect: Effect.Effect<A>) => void) | undefined

  constructor(lot: ParkingLot<A>, host: WaiterHost<A, unknown>, resume: (effect: Effect.Effect<A>) => void) {
    super(lot, host)
    this.resume = resume
  }

  proceed(): void {
    const resume = this.resume!
    this.resume = undefined
    // settle and pass the value on in one step
    resume(Effect.sync(() => this.settle()))
  }

  protected forget(): void {
    this.resume = undefined
  }

  asEffect(): Effect.Effect<void> {
    return Effect.sync(() => this.cancelUnsafe())
  }
}

/**
 * A fair wait queue with cancellation: parked fibers in FIFO order, every operation O(1) per waiter it touches.
 *
 * Unparking moves a waiter from the parked list to the tail of the *ready* list and schedules one turn on the
 * dispatcher of the current fiber (`unpark` must be called from a fiber's step). Each turn that runs takes the
 * head of the ready list — a cancelled one makes it a no-op — so a lot resumes its waiters exactly in the order it
 * unparked them, even when the wake-ups came from different fibers (Effect gives each fiber its own dispatcher
 * queue, flushed separately; asyncio has one ready queue).
 */
export class ParkingLot<A> {
  private head: Waiter<A> | undefined = undefined
  private tail: Waiter<A> | undefined = undefined
  private readyHead: Waiter<A> | undefined = undefined
  private readyTail: Waiter<A> | undefined = undefined
  /** Waiters linked in the lot, waiting to be unparked (Trio's `len(lot)`). */
  parked = 0
  /** Waiters unparked whose turn has not come yet (and that were not cancelled meanwhile). */
  unparked = 0

  /** Tasks still inside the call that parked: parked plus unparked (asyncio's waiters list). */
  get waiting(): number {
    return this.parked + this.unparked
  }

  /**
   * Parks the current fiber as a new waiter of `host` at the tail of the lot until it is unparked and its turn
   * comes; succeeds with what `host.onResume` returns then (or continues with `host.attempt()`'s effect without
   * parking). Interrupting the fiber cancels the waiter (see {@link Waiter.cancelUnsafe}). The result is an
   * effect to build once and run many times (observers are looked up each time it runs).
   */
  park<E>(host: WaiterHost<A, E>, options?: ParkOptions<A>): Effect.Effect<A, E> {
    const onParked = options?.onParked
    const parked = Effect.callback<A, E>((resume) => this.register(host, resume, onParked))
    const what = options?.what
    // Observers (ps, timelines, debug mode) see the task as waiting on the primitive while it is parked.
    return Effect.suspend(() =>
      hooks.active()
        ? observeWait(parked, { _tag: "primitive", what: what === undefined ? String(host) : what() })
        : parked
    )
  }

  /**
   * {@link park} for a host made for one call (a blocked `put` and its item) whose turn says how its fiber goes
   * on — an effect: done, or call again. The effect is built, and the observers looked up, now: call it in the
   * step that runs it. It keeps no continuation frame on the waiting fiber (a closure instead), which matters for
   * the memory of every waiting task.
   */
  parkOnce<B, E>(
    this: ParkingLot<Effect.Effect<B, E>>,
    host: WaiterHost<Effect.Effect<B, E>>
  ): Effect.Effect<B, E> {
    const parked = Effect.callback<B, E>((resume) =>
      this.register(host, (next) => resume(Effect.flatten(next)), undefined)
    )
    return hooks.active() ? observeWait(parked, { _tag: "primitive", what: String(host) }) : parked
  }

  /** The register function of `Effect.callback`: the re-check, then a new waiter linked at the tail. */
  private register<E>(
    host: WaiterHost<A, E>,
    resume: (effect: Effect.Effect<A, E>) => void,
    onParked: ((waiter: Waiter<A>) => void) | undefined
  ): ParkedWaiter<A> | undefined {
    const now = host.attempt()
    if (now !== undefined) {
      resume(now)
      return undefined
    }
    const waiter = new ParkedWaiter<A>(this, host, resume)
    this.link(waiter)
    if (onParked !== undefined) onParked(waiter)
    return waiter
  }

  /** Unparks up to `count` waiters from the head, in order; returns how many. */
  unpark(count = 1): number {
    let n = 0
    while (n < count) {
      const waiter = this.head
      if (waiter === undefined) break
      this.unlink(waiter)
      waiter.state = "unparked"
      this.unparked++
      // to the ready list (the links are free again), and one turn for it
      if (this.readyTail === undefined) this.readyHead = waiter
      else this.readyTail.next = waiter
      this.readyTail = waiter
      callSoon(this.turn)
      n++
    }
    return n
  }

  /** Unparks every parked waiter, in order; returns how many. */
  unparkAll(): number {
    return this.unpark(this.parked)
  }

  /** One scheduled turn: resumes the oldest unparked waiter, unless it was cancelled meanwhile. */
  private readonly turn = (): void => {
    const waiter = this.readyHead!
    this.readyHead = waiter.next
    if (this.readyHead === undefined) this.readyTail = undefined
    waiter.next = undefined
    if (waiter.state !== "unparked") return
    if (waiter.host.stillThere !== undefined && !waiter.host.stillThere(waiter)) {
      waiter.state = "parked"
      this.unparked--
      this.link(waiter)
      return
    }
    waiter.proceed()
  }

  /** @internal Links a waiter at the tail (its fiber's step parks it; {@link park} does this itself). */
  link(waiter: Waiter<A>): void {
    waiter.prev = this.tail
    waiter.next = undefined
    if (this.tail === undefined) this.head = waiter
    else this.tail.next = waiter
    this.tail = waiter
    this.parked++
  }

  /** @internal Unlinks a parked waiter. */
  unlink(waiter: Waiter<A>): void {
    const { prev, next } = waiter
    if (prev === undefined) this.head = next
    else prev.next = next
    if (next === undefined) this.tail = prev
    else next.prev = prev
    waiter.prev = undefined
    waiter.next = undefined
    this.parked--
  }
}
