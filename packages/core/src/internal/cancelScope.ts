/**
 * The cancellation region every structured construct stands on — Trio's *cancel scope*. `TaskGroup`, `timeout` /
 * `timeoutAt` / `waitFor`, `Abort.withSignal` and the public `CancelScope` are this plus what each makes of the
 * outcome.
 *
 * A scope runs a **body** on a fiber of its own (which reports the caller's task as `currentTask()`), and:
 *
 * - **cancels it, with a reason**, when `cancel(reason)` is called or when its deadline passes — at once if the body
 *   is suspended, at its next suspension if the body is the one calling (`cancel()` from inside the body, a deadline
 *   already past when the body starts: Python's `call_soon`);
 * - **forwards an outside cancellation** — an interruption of the fiber that runs the scope — to the body with the
 *   outside's reason, unless the scope is **shielded**: then the outside waits until the body has ended (Trio's
 *   `shield=True`), and reaches the body at once if the shield is lowered meanwhile;
 * - **waits for the body's clean-up** either way, and reports how the body ended and whether the outside was
 *   cancelled ({@link Outcome}). The construct decides what that means: a `TimeoutError`, a normal exit, an
 *   `ExceptionGroup`.
 *
 * The scope's lifecycle is a named state machine:
 *
 * ```
 * created ──enter──▶ active ──(close)──▶ exited
 *                      │  └─cancel() / deadline─▶ cancelCalled (the body is being or has been cancelled)
 *                      └─ body done: still active until the construct closes it (a TaskGroup waits for children)
 * ```
 *
 * A scope cancelled before it is entered cancels its body as soon as the body starts (Trio's "unbound" scope). The
 * scopes a fiber runs in form a chain (the `CurrentScope` of its context): `effectiveDeadline` reads it.
 */

import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { type CancelReason, RuntimeError } from "../Errors.ts"
import { outcomeOf } from "./outcome.ts"
import { CurrentScope, CurrentTask, type ScopeLike } from "./owner.ts"
import { forwardedReason, interruptWithReason } from "./reason.ts"
import * as validate from "./validate.ts"

/** The states of a scope. */
export type State = "created" | "active" | "exited"

/** How the body of a scope ended, and the outside cancellation, if there was one. */
export interface Outcome<A, E> {
  readonly exit: Exit.Exit<A, E>
  /** The interruption of the fiber running the scope, forwarded to the body (or held back by a shield). */
  readonly outside: Cause.Cause<never> | undefined
  /**
   * The outside cancellation was held back by the shield until the body ended: it never reached the body. The
   * scope's own result then stands (Trio: the cancellation reaches the caller at its next checkpoint — here, as
   * Effect delivers a pending interruption when the scope's uninterruptible region ends).
   */
  readonly shielded: boolean
}

let scopeCounter = 0

/** The innermost scope `fiber` runs in (every scope-like value in that slot is a `ScopeImpl`). */
export const currentScope = (fiber: Fiber.Fiber<unknown, unknown>): ScopeImpl | undefined =>
  fiber.getRef(CurrentScope) as ScopeImpl | undefined

export class ScopeImpl implements ScopeLike {
  state: State = "created"
  /** `enter` was called: a second entry is refused even before the body's first step has run. */
  entered = false
  readonly name: string
  /** The deadline in milliseconds on the clock, or `undefined`. */
  deadline: number | undefined
  shield: boolean
  /** The body's fiber, recorded in the body's first step together with the arming of the deadline. */
  body: Fiber.Fiber<unknown, unknown> | undefined = undefined
  /** The scope the body's parent fiber ran in (for the effective deadline). */
  parent: ScopeImpl | undefined = undefined
  /** `cancel()` was called, or the deadline passed. A scope never becomes un-cancelled. */
  cancelCalled = false
  /** The scope's own cancellation ended the body, and the scope absorbed it. Known once the scope has exited. */
  cancelledCaught = false
  /** Why the scope cancelled its body: the first `cancel()` reason, or the deadline's. */
  reason: CancelReason | undefined = undefined
  /** The cancellation came from the deadline. */
  deadlineFired = false
  /** An outside cancellation held back by the shield: forwarded when the shield is lowered. */
  private heldBack: CancelReason | undefined = undefined
  private heldBy: number | undefined = undefined
  /** Called on the scope's own cancellation, before the body is interrupted (a task group cancels its children). */
  private readonly listeners: Array<(reason: CancelReason) => void> = []
  /** Disarms the pending deadline (a timer fiber, or a callback due on the next scheduler turn). */
  private disarm: (() => void) | undefined = undefined
  /** When the scope was created, in milliseconds on the clock (for readable reasons). */
  private readonly createdAt: number
  /** Describes an expiry: `the deadline of Timeout-3 expired (5 s after it was set)`. */
  private readonly expiredDetail: (after: string) => string

  constructor(options: {
    readonly name: string | undefined
    readonly prefix: string
    readonly deadline: number | undefined
    readonly shield: boolean
    readonly now: number
  }) {
    this.name = options.name ?? `${options.prefix}-${++scopeCounter}`
    this.deadline = options.deadline
    this.shield = options.shield
    this.createdAt = options.now
    this.expiredDetail = (after) => `the deadline of ${this.name} expired${after}`
  }

  /** Registers a listener of the scope's own cancellation. A scope already cancelled calls it at once. */
  onCancel(listener: (reason: CancelReason) => void): void {
    this.listeners.push(listener)
    if (this.reason !== undefined && this.state === "active") listener(this.reason)
  }

  /**
   * The scope's own cancellation, once (later calls keep the first reason). Before the body has started it waits
   * for it; from inside the body it lands at the body's next suspension; from anywhere else, at once. After the
   * scope has exited it only records that it was called (Trio).
   */
  cancel(reason: CancelReason): void {
    if (this.cancelCalled) return
    this.cancelCalled = true
    this.reason = reason
    this.cancelTimer()
    if (this.state !== "active") return
    for (const listener of this.listeners) listener(reason)
    this.interruptBody(reason)
  }

  private interruptBody(reason: CancelReason): void {
    const body = this.body
    if (body === undefined || body.pollUnsafe() !== undefined) return
    if (this.runs(Fiber.getCurrent())) {
      // From code inside the scope — the body, or the body of a scope nested in it, which Python runs in the same
      // task: at the next suspension, as an asyncio cancel lands at the next `await`.
      this.pending = true
      body.currentDispatcher.scheduleTask(() => {
        this.pending = false
        // Two scopes cancelled before the body suspended: the outer one's cancellation is the one delivered, and
        // the inner scope lets it through (Trio: "the outer one wins") — unless a shield lies between them.
        if (!this.outerPending()) interruptWithReason(body, undefined, reason)
      }, 0)
    } else {
      interruptWithReason(body, undefined, reason)
    }
  }

  /** A cancellation from inside the scope waits for the body's next suspension (see `interruptBody`). */
  private pending = false

  /** Whether a scope around this one, with no shield in between, also has a cancellation waiting to land. */
  private outerPending(): boolean {
    for (let scope: ScopeImpl | undefined = this; scope !== undefined; scope = scope.parent) {
      if (scope !== this && scope.pending) return true
      if (scope.shield) return false
    }
    return false
  }

  /** Whether `fiber` runs inside this scope: its body, or the body of a scope nested in it. */
  private runs(fiber: Fiber.Fiber<unknown, unknown> | undefined): boolean {
    if (fiber === undefined) return false
    if (fiber === this.body) return true
    for (let scope = currentScope(fiber); scope !== undefined; scope = scope.parent) {
      if (scope === this) return true
    }
    return false
  }

  /** `created → active`, as the first step of the body's fiber: records the body and arms the deadline. */
  activate(body: Fiber.Fiber<unknown, unknown>): void {
    this.state = "active"
    this.body = body
    this.parent = currentScope(body)
    body.setContext(Context.add(body.context, CurrentScope, this))
    const reason = this.reason
    if (reason !== undefined) {
      // Cancelled before it was entered.
      for (const listener of this.listeners) listener(reason)
      this.interruptBody(reason)
    } else {
      this.arm(body)
    }
  }

  /** Moves the deadline (`undefined`: none). A deadline at or before now cancels the body at its next suspension. */
  setDeadline(deadline: number | undefined, fiber: Fiber.Fiber<unknown, unknown>): void {
    this.deadline = deadline
    if (this.state === "active" && !this.cancelCalled) this.arm(fiber)
  }

  /** Raises or lowers the shield; lowering it lets an outside cancellation held back by it through at once. */
  setShield(shield: boolean): void {
    this.shield = shield
    const held = this.heldBack
    if (shield || held === undefined) return
    this.heldBack = undefined
    const body = this.body
    if (body !== undefined && body.pollUnsafe() === undefined) interruptWithReason(body, this.heldBy, held)
  }

  /**
   * Arms the expiry for the current deadline, replacing the pending one. A deadline in the future gets a timer on
   * the fiber's `Clock`; one at or before now fires on the next scheduler turn (Python's `call_soon`): a body that
   * suspends first is cancelled there, a body that finishes without suspending is not. Either way something is
   * armed — the clock is read once, so an expiry cannot be skipped.
   */
  private arm(fiber: Fiber.Fiber<unknown, unknown>): void {
    this.cancelTimer()
    const deadline = this.deadline
    if (deadline === undefined) return
    const wait = deadline - fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
    if (wait <= 0) {
      let armed = true
      fiber.currentDispatcher.scheduleTask(() => {
        if (armed) this.expire()
      }, 0)
      this.disarm = () => {
        armed = false
      }
      return
    }
    // The timer fiber runs in no scope: its expiry comes from outside the body and lands at once (were it in this
    // scope, `interruptBody` would take it for the body cancelling itself and wait for the body's next suspension).
    const timer = Effect.runForkWith(Context.add(fiber.context, CurrentScope, undefined))(
      Effect.andThen(
        Effect.sleep(Duration.millis(wait)),
        Effect.sync(() => this.expire())
      )
    )
    this.disarm = () => timer.interruptUnsafe()
  }

  cancelTimer(): void {
    const disarm = this.disarm
    this.disarm = undefined
    if (disarm !== undefined) disarm()
  }

  /** The deadline passed: the scope cancels its body (reason `timeout`, naming the scope). */
  private expire(): void {
    this.disarm = undefined
    const body = this.body
    // A body already done finished before its deadline (Python's exit, in the body's last step, would have
    // cancelled the timer).
    if (this.state !== "active" || this.cancelCalled || body === undefined || body.pollUnsafe() !== undefined)
      return
    this.deadlineFired = true
    const after =
      this.deadline === undefined
        ? ""
        : ` (${Math.max(0, this.deadline - this.createdAt) / 1000} s after it was set)`
    this.cancel({ kind: "timeout", detail: this.expiredDetail(after) })
  }

  /** Holds an outside cancellation back while the shield is up (see {@link enter}). */
  holdBack(reason: CancelReason, by: number): void {
    this.heldBack = reason
    this.heldBy = by
  }

  /** Whether an outside cancellation is still held back (the shield was not lowered since). */
  holding(): boolean {
    return this.heldBack !== undefined
  }

  /**
   * `active → exited`: disarms the deadline, and decides `cancelledCaught` — the scope's own cancellation ended
   * the body (cancelled, not failed) and no outside cancellation reached it.
   */
  close(outcome: Outcome<unknown, unknown>): void {
    this.cancelTimer()
    this.state = "exited"
    this.heldBack = undefined
    this.cancelledCaught =
      this.cancelCalled &&
      (outcome.outside === undefined || outcome.shielded) &&
      outcomeOf(outcome.exit)._tag === "Cancelled"
  }

  /**
   * The effective deadline inside this scope, in milliseconds (Trio's `current_effective_deadline`): the earliest
   * deadline of this scope and the scopes around it, up to the first shielded one; `-Infinity` if one of those was
   * cancelled.
   */
  effectiveDeadline(): number {
    let deadline = Number.POSITIVE_INFINITY
    for (let scope: ScopeImpl | undefined = this; scope !== undefined; scope = scope.parent) {
      if (scope.cancelCalled) return Number.NEGATIVE_INFINITY
      if (scope.deadline !== undefined && scope.deadline < deadline) deadline = scope.deadline
      if (scope.shield) break
    }
    return deadline
  }
}

/** How a construct names itself in {@link enter}'s errors and reasons. */
export interface Words {
  /** The `RuntimeError` message for a second entry. */
  readonly alreadyEntered?: string | undefined
  /** The detail of the reason forwarded to the body when the outside is cancelled; `who` is the caller's task. */
  readonly outside?: ((who: string) => string) | undefined
}

/** `Effect.uninterruptibleMask`'s `restore`: makes an effect interruptible again inside the scope's region. */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Runs `body` inside `scope` (a scope is entered once; `call` names the construct in errors), then `then` with how
 * it ended — the body's exit and the outside cancellation — still inside the scope's uninterruptible region, so
 * the construct closes the scope and converts the outcome without being cut short by a pending outside
 * cancellation (`restore` makes a part of it interruptible again: a task group waiting for its children). The
 * scope stays `active` — its cancellation still reaching what the construct tracks, its deadline still armed —
 * until the construct closes it ({@link ScopeImpl.close}).
 */
export const enter = <A, E, R, B, E2, R2>(
  call: string,
  scope: ScopeImpl,
  body: () => Effect.Effect<A, E, R>,
  then: (outcome: Outcome<A, E>, restore: Restore) => Effect.Effect<B, E2, R2>,
  words?: Words
): Effect.Effect<B, E2, R | R2> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((parent) => {
      if (scope.entered) {
        return Effect.die(
          new RuntimeError(
            words?.alreadyEntered ?? `${call}: ${scope.name} has already been entered (a scope runs once)`
          )
        )
      }
      scope.entered = true
      const run = Effect.withFiber((fiber) => {
        scope.activate(fiber)
        const effect: unknown = body()
        return Effect.isEffect(effect)
          ? (effect as Effect.Effect<A, E, R>)
          : Effect.die(validate.notAnEffectResult(call, effect))
      })
      return Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(run, { startImmediately: true })
        const waited = yield* Effect.exit(restore(Fiber.await(fiber)))
        if (waited._tag === "Success") {
          return yield* then({ exit: waited.value, outside: undefined, shielded: false }, restore)
        }
        // Outside cancellation: forwarded to the body with its reason (or held back by the shield); the scope
        // waits for the body's clean-up either way.
        const owner = parent.getRef(CurrentTask)
        const reason = forwardedReason(
          parent,
          "awaiter",
          `${owner?.name ?? "the fiber"} in ${scope.name} was cancelled`
        )
        if (scope.shield) scope.holdBack(reason, parent.id)
        else interruptWithReason(fiber as Fiber.Fiber<unknown, unknown>, parent.id, reason)
        const exit = yield* Fiber.await(fiber)
        return yield* then(
          { exit, outside: waited.cause as Cause.Cause<never>, shielded: scope.holding() },
          restore
        )
      })
    })
  )

/** A new scope whose deadline is `deadline` (milliseconds on the clock read now, `undefined` for none). */
export const make = (options: {
  readonly name: string | undefined
  readonly prefix: string
  readonly deadline: (now: number) => number | undefined
  readonly shield?: boolean | undefined
}): Effect.Effect<ScopeImpl> =>
  Effect.map(
    Clock.currentTimeMillis,
    (now) =>
      new ScopeImpl({
        name: options.name,
        prefix: options.prefix,
        deadline: options.deadline(now),
        shield: options.shield ?? false,
        now
      })
  )

/**
 * The exit of a scope's outcome as an effect: an outside cancellation that reached the body wins; one the shield
 * held back lets the body's exit stand (the caller is interrupted afterwards).
 */
export const resultOf = <A, E>(outcome: Outcome<A, E>): Effect.Effect<A, E> =>
  outcome.outside !== undefined && !outcome.shielded ? Effect.failCause(outcome.outside) : outcome.exit
