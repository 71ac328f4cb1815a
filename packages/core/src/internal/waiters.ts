/**
 * The waiter queue shared by the synchronisation primitives: an intrusive, doubly linked FIFO list of suspended
 * fibers with O(1) append, O(1) pop from the front and O(1) removal of any member (a cancelled waiter unlinks
 * itself), plus the hand-off protocol that makes "a wake-up is never lost" hold under cancellation.
 *
 * **The protocol.** A primitive that must block suspends the current fiber with {@link block}, which creates a
 * {@link Waiter} and links it at the tail of a {@link WaiterList}. To wake it, the primitive
 * first does its own bookkeeping (hands over the lock, the permit, the notification) and then calls
 * {@link wake}: the waiter leaves the list at once and its fiber is resumed by a task scheduled on the waker's
 * dispatcher — never inline, so a release never runs the woken fiber on the releaser's stack, and, as in
 * asyncio, a woken task runs on a later turn of the scheduler.
 *
 * Between `wake` and the resumption the waiter is *woken*: it owns what it was handed but has not run yet.
 * Exactly one of two host callbacks then runs, on the waiter's own fiber:
 *
 * - {@link WaiterHost.onResume} in the first step the fiber runs, the one that delivers the value to its
 *   continuation (it now definitely has what it was handed);
 * - {@link WaiterHost.onCancel} with `woken = true` if the fiber was cancelled first — the host gives the
 *   grant back or passes it on, so nothing leaks.
 *
 * A waiter cancelled while still *queued* is unlinked and the host gets `onCancel` with `woken = false`.
 *
 * Both run on the waiter's fiber, and the hand-over cannot be torn: `onResume` runs in the same step that passes
 * the value on to the code after the wait (so a caller that waits inside `restore` of an `uninterruptibleMask` is
 * back in its uninterruptible region when it holds the grant), and an interrupted fiber runs `onCancel` instead.
 */
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as Fiber from "effect/Fiber"
import * as hooks from "./hooks.ts"
import { observeWait } from "./observe.ts"

/** The `restore` function of `Effect.uninterruptibleMask`. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Where a waiter is in its life: linked in a list (`queued`), handed something but not yet running again
 * (`woken`), running again (`resumed`), or cancelled (`cancelled`).
 */
export type WaiterState = "queued" | "woken" | "resumed" | "cancelled"

/** What a primitive implements to take part in the hand-off protocol. */
export interface WaiterHost<A> {
  /** The woken `waiter` continues with `waiter.value`: it now holds what it was handed. Runs on its fiber. */
  onResume(waiter: Waiter<A>): void
  /**
   * `waiter` was cancelled while suspended; runs on its fiber. `woken` tells whether it had already been handed
   * something (then the host must give it back or pass it on).
   */
  onCancel(waiter: Waiter<A>, woken: boolean): void
}

/**
 * One suspended fiber, a node of a {@link WaiterList}. It is itself the canceller `Effect.callback` runs when the
 * fiber is interrupted while waiting (`asEffect`), so queuing allocates no canceller effect: one is built only
 * if a cancellation happens.
 */
export class Waiter<A> extends Effectable.Class<void> {
  /** @internal links, owned by the list */
  prev: Waiter<A> | undefined = undefined
  /** @internal */
  next: Waiter<A> | undefined = undefined
  /** The list this waiter is linked into, if any. */
  list: WaiterList<A> | undefined = undefined
  state: WaiterState = "queued"
  /** What the fiber resumes with; set by {@link wake}. */
  value: A | undefined = undefined
  private resumeFn: ((effect: Effect.Effect<A>) => void) | undefined = undefined
  readonly fiber: Fiber.Fiber<unknown, unknown>
  readonly host: WaiterHost<A>

  constructor(fiber: Fiber.Fiber<unknown, unknown>, host: WaiterHost<A>) {
    super()
    this.fiber = fiber
    this.host = host
  }

  /**
   * Resumes the fiber unless it was cancelled meanwhile; scheduled by {@link wake}. It resumes the fiber with a
   * `sync` step that does the hand-over (`host.onResume`) *and* passes the value to the fiber's continuation in
   * one go: if the fiber is interrupted after `resume` but before that step runs (Effect may yield at the start of
   * a step), the canceller still sees the waiter `woken` and gives the grant back; once the step has run, the
   * caller has the value — nothing can fall between the two. (Made on the first wake only, so the many waiters
   * that are merely queued stay small.)
   */
  private fire: (() => void) | undefined = undefined

  private makeFire(): () => void {
    const resumed: Effect.Effect<A> = Effect.sync(() => {
      this.state = "resumed"
      this.host.onResume(this)
      return this.value as A
    })
    return () => {
      if (this.state !== "woken") return
      const resume = this.resumeFn!
      this.resumeFn = undefined
      resume(resumed)
    }
  }

  /** @internal called by {@link wake} */
  scheduleFire(dispatcher: Fiber.Fiber<unknown, unknown>["currentDispatcher"]): void {
    if (this.fire === undefined) this.fire = this.makeFire()
    dispatcher.scheduleTask(this.fire, 0)
  }

  /** @internal called by {@link block} */
  attach(resume: (effect: Effect.Effect<A>) => void): void {
    this.resumeFn = resume
  }

  /** The canceller handed to `Effect.callback`: runs on the waiter's fiber when it is interrupted. */
  /** Cancels the wait: unlinks a queued waiter, then tells the host (which passes on a wake-up it received). */
  cancelUnsafe(): void {
    const state = this.state
    if (state === "resumed" || state === "cancelled") return
    this.state = "cancelled"
    this.resumeFn = undefined
    if (state === "queued") this.list?.remove(this)
    this.host.onCancel(this, state === "woken")
  }

  asEffect(): Effect.Effect<void> {
    return Effect.sync(() => this.cancelUnsafe())
  }
}

/**
 * An intrusive doubly linked FIFO list of {@link Waiter}s. Every operation is O(1); iteration is in queue order
 * and tolerates the removal of the node just visited.
 */
export class WaiterList<A> {
  head: Waiter<A> | undefined = undefined
  tail: Waiter<A> | undefined = undefined
  size = 0

  /** Links `waiter` at the tail. */
  push(waiter: Waiter<A>): void {
    waiter.list = this
    waiter.next = undefined
    waiter.prev = this.tail
    if (this.tail === undefined) this.head = waiter
    else this.tail.next = waiter
    this.tail = waiter
    this.size++
  }

  /** Unlinks and returns the head, or `undefined` when empty. */
  shift(): Waiter<A> | undefined {
    const waiter = this.head
    if (waiter !== undefined) this.remove(waiter)
    return waiter
  }

  /** Unlinks `waiter` if it is in this list; `false` otherwise. */
  remove(waiter: Waiter<A>): boolean {
    if (waiter.list !== this) return false
    const { prev, next } = waiter
    if (prev === undefined) this.head = next
    else prev.next = next
    if (next === undefined) this.tail = prev
    else next.prev = prev
    waiter.prev = undefined
    waiter.next = undefined
    waiter.list = undefined
    this.size--
    return true
  }

  *[Symbol.iterator](): IterableIterator<Waiter<A>> {
    let node = this.head
    while (node !== undefined) {
      const next = node.next
      yield node
      node = next
    }
  }
}

/**
 * Blocks the current fiber as a new {@link Waiter} of `host`, linked at the tail of `list`, until {@link wake}
 * hands it a result. Interrupting the fiber runs the waiter as its canceller (unlink, then `host.onCancel`).
 *
 * `attempt` runs first, in the same synchronous step that links the waiter: if it returns an effect, the fiber
 * does not block and continues with that effect. Callers check their fast path before calling `block` too (it is
 * cheaper), but the check must be repeated here: Effect may yield to the scheduler between two steps of a fiber
 * (its operation budget), and a release that happened meanwhile would otherwise be missed by a waiter queued
 * after it. `attempt` must not take anything itself: the effect it returns may be interrupted before it runs
 * (hosts return a `sync` step that takes the unit and reports whether it got it, and retry if not).
 * `onQueued` runs right after the waiter is linked, still in that step (a condition variable releases its lock
 * there, so no notification can slip between the release and the wait).
 */
export const block = <A>(
  list: WaiterList<A>,
  host: WaiterHost<A>,
  attempt?: (fiber: Fiber.Fiber<unknown, unknown>) => Effect.Effect<A> | undefined,
  onQueued?: (waiter: Waiter<A>) => void
): Effect.Effect<A> => {
  const blocked = Effect.callback<A>((resume) => {
    const fiber = Fiber.getCurrent()!
    if (attempt !== undefined) {
      const now = attempt(fiber)
      if (now !== undefined) return resume(now)
    }
    const waiter = new Waiter<A>(fiber, host)
    waiter.attach(resume)
    list.push(waiter)
    if (onQueued !== undefined) onQueued(waiter)
    return waiter
  })
  // Observers (ps, timelines, debug) see the task as waiting on the primitive, described by its repr.
  return Effect.suspend(() =>
    hooks.observers.length === 0 ? blocked : observeWait(blocked, { _tag: "primitive", what: String(host) })
  )
}

/**
 * Marks `waiter` woken with `value` (unlinking it if it is still queued) and schedules its resumption on
 * `dispatcher` (the waker's). The caller has already done the host's bookkeeping for the hand-off.
 */
export const wake = <A>(
  waiter: Waiter<A>,
  value: A,
  dispatcher: Fiber.Fiber<unknown, unknown>["currentDispatcher"]
): void => {
  if (waiter.list !== undefined) waiter.list.remove(waiter)
  waiter.state = "woken"
  waiter.value = value
  waiter.scheduleFire(dispatcher)
}
