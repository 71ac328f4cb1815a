/**
 * Cancel scopes, Trio's and AnyIO's: a region of code that can be cancelled — now, or when a deadline passes — and
 * then **ends normally** (it absorbs its own cancellation), and that can **shield** what it runs from the
 * cancellation of the code around it.
 *
 * ```ts
 * import * as CancelScope from "@effect-asyncio/core/CancelScope"
 * ```
 *
 * They are the primitive the rest of the library stands on: a `TaskGroup` is a cancel scope plus children,
 * `timeout` is a cancel scope with a deadline that turns its own cancellation into `TimeoutError`. Here they are
 * under Trio's names:
 *
 * | Trio / AnyIO | effect-asyncio |
 * | --- | --- |
 * | `with CancelScope() as scope:` | `CancelScope.run((scope) => body)` |
 * | `scope = CancelScope(deadline=…, shield=…)`, later `with scope:` | `CancelScope.make({ deadline, shield })`, `CancelScope.enter(scope, body)` |
 * | `scope.cancel()` | `scope.cancel(message?)` |
 * | `scope.deadline`, `scope.deadline = t` | `scope.deadline`, `scope.setDeadline(t)` |
 * | `scope.shield`, `scope.shield = True` | `scope.shield`, `scope.setShield(true)` |
 * | `scope.cancel_called`, `scope.cancelled_caught` | `scope.cancelCalled`, `scope.cancelledCaught` |
 * | `with move_on_after(d):`, `move_on_at(t)` | `CancelScope.moveOnAfter(d, body)`, `moveOnAt(t, body)` |
 * | `with fail_after(d):`, `fail_at(t)` (`TooSlowError`) | `CancelScope.failAfter(d, body)`, `failAt(t, body)` (`TimeoutError`) |
 * | `current_effective_deadline()` | `CancelScope.currentEffectiveDeadline` |
 *
 * Times are seconds on `Timeout.time` (asyncio's `loop.time()`), so they are virtual under `TestClock`.
 *
 * **Where we differ from Trio** (rows in `docs/semantics.md`): a cancellation is Effect interruption, so a body
 * cannot catch it and carry on — the body ends, its finalizers run, and the scope ends normally (Trio's
 * level-triggered `Cancelled` at every later checkpoint is the same outcome); the body runs on a fiber of its own
 * (it reports the caller's task as `currentTask()`); tasks created inside with `createTask` are not inside the
 * scope — as in asyncio — while a `TaskGroup`'s children are inside the scopes around the group.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { TimeoutError, TypeError, ValueError } from "./Errors.ts"
import * as cancelScope from "./internal/cancelScope.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { delayToMillis } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"

/**
 * A cancel scope's handle. Trio's `CancelScope`.
 *
 * @category models
 * @since 0.1.0
 */
export interface CancelScope {
  /** The scope's name, used in cancel reasons and reports (`CancelScope-<n>` unless given). */
  readonly name: string
  /** `created` (not entered yet), `active` (its body runs), `exited`. */
  readonly state: cancelScope.State
  /** The deadline in seconds on `Timeout.time`; `Infinity` when there is none (Trio's default). */
  readonly deadline: number
  /**
   * Moves the deadline (`null` or `Infinity`: none). A deadline at or before now cancels the body at its next
   * suspension. Allowed before the scope is entered and while it is active; after it has exited it changes
   * nothing (Trio).
   */
  setDeadline(when: number | null): Effect.Effect<void>
  /** Whether the scope shields its body from the cancellation of the code around it. */
  readonly shield: boolean
  /**
   * Raises or lowers the shield. Lowering it lets an outside cancellation that arrived meanwhile through at once.
   */
  setShield(shield: boolean): Effect.Effect<void>
  /** Whether the scope was cancelled — by `cancel()` or its deadline. A scope never becomes un-cancelled. */
  readonly cancelCalled: boolean
  /**
   * Whether the scope's own cancellation ended its body, and the scope absorbed it (known once the scope has
   * exited). False if the body finished first, failed, or an outside cancellation passed through.
   */
  readonly cancelledCaught: boolean
  /**
   * Cancels the scope: its body is cancelled (reason `cancel`, with `message`) — at its next suspension when called
   * from inside the scope, at once otherwise — and the scope then ends normally. Idempotent. Before the scope is
   * entered, the body is cancelled as soon as it starts.
   */
  cancel(message?: unknown): Effect.Effect<void>
}

/**
 * Options of {@link make} and {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface CancelScopeOptions {
  /** An absolute deadline in seconds on `Timeout.time` (`null`/`Infinity`: none). */
  readonly deadline?: number | null | undefined
  /** Shield the body from outside cancellation (Trio's `shield=True`). */
  readonly shield?: boolean | undefined
  /** The scope's name. */
  readonly name?: string | undefined
}

/**
 * Options of the timed scopes ({@link moveOnAfter}, {@link failAfter}, …).
 *
 * @category models
 * @since 0.1.0
 */
export interface TimedOptions {
  readonly shield?: boolean | undefined
  readonly name?: string | undefined
}

/**
 * The body of a scope: a function of the scope's handle, or just the effect.
 *
 * @category models
 * @since 0.1.0
 */
export type Body<A, E, R> = Effect.Effect<A, E, R> | ((scope: CancelScope) => Effect.Effect<A, E, R>)

class CancelScopeImpl implements CancelScope {
  readonly scope: cancelScope.ScopeImpl
  constructor(scope: cancelScope.ScopeImpl) {
    this.scope = scope
  }
  get name(): string {
    return this.scope.name
  }
  get state(): cancelScope.State {
    return this.scope.state
  }
  get deadline(): number {
    return this.scope.deadline === undefined ? Number.POSITIVE_INFINITY : this.scope.deadline / 1000
  }
  setDeadline(when: number | null): Effect.Effect<void> {
    return validate.atCall(() => {
      const deadline = validate.deadline("CancelScope.setDeadline", when)
      return Effect.withFiber((fiber) => {
        this.scope.setDeadline(deadline, fiber)
        return Effect.void
      })
    })
  }
  get shield(): boolean {
    return this.scope.shield
  }
  setShield(shield: boolean): Effect.Effect<void> {
    return validate.atCall(() => {
      if (typeof shield !== "boolean") {
        throw new TypeError(`CancelScope.setShield: shield must be a boolean, got ${validate.show(shield)}`)
      }
      return Effect.sync(() => this.scope.setShield(shield))
    })
  }
  get cancelCalled(): boolean {
    return this.scope.cancelCalled
  }
  get cancelledCaught(): boolean {
    return this.scope.cancelledCaught
  }
  cancel(message?: unknown): Effect.Effect<void> {
    return Effect.sync(() =>
      this.scope.cancel({
        kind: "cancel",
        message: message === null ? undefined : message,
        detail: `${this.name} was cancelled`
      })
    )
  }
  toJSON(): unknown {
    return { _id: "CancelScope", name: this.name, state: this.state, deadline: this.deadline }
  }
  toString(): string {
    const parts = [`<CancelScope ${this.name} ${this.state}`]
    if (this.cancelCalled) parts.push("cancelled")
    if (Number.isFinite(this.deadline)) parts.push(`deadline=${this.deadline}`)
    if (this.shield) parts.push("shielded")
    return `${parts.join(" ")}>`
  }
}

const optionKeys = ["deadline", "shield", "name"]
const timedKeys = ["shield", "name"]

/** A handle for a fresh scope whose deadline is `at(now)` (milliseconds). */
const create = (
  call: string,
  at: (now: number) => number | undefined,
  options: TimedOptions | undefined,
  keys: ReadonlyArray<string>
): Effect.Effect<CancelScopeImpl> => {
  const checked = validate.options(call, options, keys)
  const shield = validate.boolean(call, checked.shield, "shield", false)
  const name = validate.name(call, checked.name)
  return Effect.map(
    cancelScope.make({ name, prefix: "CancelScope", deadline: at, shield }),
    (scope) => new CancelScopeImpl(scope)
  )
}

/**
 * Creates a cancel scope, not entered yet: it can be cancelled (or given a deadline, or shielded) before it is
 * entered with {@link enter}. Trio's `CancelScope(deadline=…, shield=…)`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: CancelScopeOptions): Effect.Effect<CancelScope> =>
  validate.atCall(() => {
    const deadline = validate.deadline(
      "CancelScope.make",
      validate.options("CancelScope.make", options, optionKeys).deadline
    )
    return create("CancelScope.make", () => deadline, options, optionKeys)
  })

/** The body as a function of the scope. */
const bodyOf = <A, E, R>(
  call: string,
  body: Body<A, E, R>
): ((scope: CancelScope) => Effect.Effect<A, E, R>) => {
  if (Effect.isEffect(body)) return () => body
  if (typeof body === "function") return body
  throw new TypeError(
    `${call}: body must be an Effect or a function of the scope, got ${validate.show(body)}`
  )
}

/**
 * Runs `body` in `self`: the scope's result once its body has ended — its value, its error, `undefined` if the
 * scope's own cancellation cut it short (`failOnCaught` turns that into `TimeoutError`), or the outside
 * cancellation passing through.
 */
const within = <A, E, R>(
  call: string,
  self: CancelScopeImpl,
  run: (scope: CancelScope) => Effect.Effect<A, E, R>,
  failOnCaught: boolean
): Effect.Effect<A | undefined, E | TimeoutError, R> =>
  cancelScope.enter(
    call,
    self.scope,
    () => run(self),
    (outcome): Effect.Effect<A | undefined, E | TimeoutError> => {
      self.scope.close(outcome)
      if (outcome.outside !== undefined && !outcome.shielded) return Effect.failCause(outcome.outside)
      if (!self.scope.cancelledCaught) return outcome.exit
      if (!failOnCaught) return Effect.succeed(undefined)
      const error = new TimeoutError(`${self.name}: the deadline expired`)
      const cancelled = outcomeOf(outcome.exit)
      if (cancelled._tag === "Cancelled") error.cause = cancelled.error
      return Effect.fail(error)
    },
    { alreadyEntered: `${call}: ${self.name} has already been entered (a cancel scope is used once)` }
  )

/**
 * Runs `body` inside `scope` (made by {@link make}) — Trio's `with scope:`. The result is the body's value, its
 * error, or `undefined` if the scope's own cancellation (`cancel()`, the deadline) cut the body short; an outside
 * cancellation passes through (after the body's clean-up; after the body has ended, if the scope is shielded).
 * Entering a scope a second time is a defect carrying `RuntimeError`.
 *
 * @category running
 * @since 0.1.0
 */
export const enter = <A, E, R>(scope: CancelScope, body: Body<A, E, R>): Effect.Effect<A | undefined, E, R> =>
  validate.atCall(() => {
    if (!(scope instanceof CancelScopeImpl)) {
      throw new TypeError(
        `CancelScope.enter: a CancelScope made by CancelScope.make was expected, got ${validate.show(scope)}`
      )
    }
    return within("CancelScope.enter", scope, bodyOf("CancelScope.enter", body), false) as Effect.Effect<
      A | undefined,
      E,
      R
    >
  })

/**
 * Runs `body` in a fresh cancel scope (`options`: a deadline, a shield, a name) — Trio's
 * `with CancelScope(…) as scope:`. The body receives the scope to cancel it, move its deadline or shield itself.
 *
 * **Example** (Give up on a part of the work, not on the whole)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as CancelScope from "@effect-asyncio/core/CancelScope"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const cached = yield* CancelScope.run((scope) =>
 *     Effect.gen(function*() {
 *       yield* scope.cancel("not needed") // lands at the next suspension
 *       return yield* asyncio.sleep(10, "slow path")
 *     })
 *   ) // undefined: the scope ended normally, cut short by its own cancel
 *   return cached ?? "fallback"
 * })
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = <A, E, R>(
  body: Body<A, E, R>,
  options?: CancelScopeOptions
): Effect.Effect<A | undefined, E, R> => Effect.flatMap(make(options), (scope) => enter(scope, body))

/** A delay from now as Trio reads it: seconds (or an Effect duration), NaN and negative numbers refused. */
const offsetOf = (call: string, delay: Seconds): number => {
  if (typeof delay === "number" && delay < 0) {
    throw new ValueError(
      `${call}: delay must be non-negative (a deadline may be in the past: use the …At form), got ${delay}`
    )
  }
  const read = validate.delay(call, delay)
  return read._tag === "Infinite" ? Number.POSITIVE_INFINITY : delayToMillis(read)
}

const timed = <A, E, R>(
  call: string,
  at: (now: number) => number | undefined,
  body: Body<A, E, R>,
  options: TimedOptions | undefined,
  failOnCaught: boolean
): Effect.Effect<A | undefined, E | TimeoutError, R> =>
  Effect.flatMap(create(call, at, options, timedKeys), (scope) =>
    within(call, scope, bodyOf(call, body), failOnCaught)
  )

const after = (offset: number) => (now: number) => (Number.isFinite(offset) ? now + offset : undefined)

/**
 * Runs `body` for at most `delay` (seconds or an Effect duration) — Trio's `with move_on_after(delay):`. If the
 * deadline passes first, the body is cancelled (reason `timeout`), its clean-up runs, and the scope ends normally
 * with `undefined`. The body receives the scope (`scope.cancelledCaught` tells what happened, `setDeadline`
 * moves the deadline).
 *
 * **Example** (Best effort for a second)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as CancelScope from "@effect-asyncio/core/CancelScope"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const warm = yield* CancelScope.moveOnAfter(1, asyncio.sleep(5, "warmed up"))
 *   return warm ?? "cold start" // "cold start", at t=1
 * })
 * ```
 *
 * @category timed scopes
 * @since 0.1.0
 */
export const moveOnAfter = <A, E, R>(
  delay: Seconds,
  body: Body<A, E, R>,
  options?: TimedOptions
): Effect.Effect<A | undefined, E, R> =>
  validate.atCall(() => {
    const offset = offsetOf("CancelScope.moveOnAfter", delay)
    return timed("CancelScope.moveOnAfter", after(offset), body, options, false) as Effect.Effect<
      A | undefined,
      E,
      R
    >
  })

/**
 * {@link moveOnAfter} with an absolute deadline: `when` in seconds on `Timeout.time`. Trio's `move_on_at`.
 *
 * @category timed scopes
 * @since 0.1.0
 */
export const moveOnAt = <A, E, R>(
  when: number,
  body: Body<A, E, R>,
  options?: TimedOptions
): Effect.Effect<A | undefined, E, R> =>
  validate.atCall(() => {
    const deadline = validate.deadline("CancelScope.moveOnAt", when)
    return timed("CancelScope.moveOnAt", () => deadline, body, options, false) as Effect.Effect<
      A | undefined,
      E,
      R
    >
  })

/**
 * Runs `body` for at most `delay`, and fails with `TimeoutError` if the deadline cut it short — Trio's
 * `with fail_after(delay):` (`TooSlowError` there). The error's `cause` is the body's `CancelledError`. The same as
 * asyncio's `timeout(delay, body)`, with Trio's scope handle (a shield, `cancel()`, `setDeadline`) instead of
 * asyncio's (`reschedule`, `expired`).
 *
 * @category timed scopes
 * @since 0.1.0
 */
export const failAfter = <A, E, R>(
  delay: Seconds,
  body: Body<A, E, R>,
  options?: TimedOptions
): Effect.Effect<A, E | TimeoutError, R> =>
  validate.atCall(() => {
    const offset = offsetOf("CancelScope.failAfter", delay)
    return timed("CancelScope.failAfter", after(offset), body, options, true) as Effect.Effect<
      A,
      E | TimeoutError,
      R
    >
  })

/**
 * {@link failAfter} with an absolute deadline. Trio's `fail_at`.
 *
 * @category timed scopes
 * @since 0.1.0
 */
export const failAt = <A, E, R>(
  when: number,
  body: Body<A, E, R>,
  options?: TimedOptions
): Effect.Effect<A, E | TimeoutError, R> =>
  validate.atCall(() => {
    const deadline = validate.deadline("CancelScope.failAt", when)
    return timed("CancelScope.failAt", () => deadline, body, options, true) as Effect.Effect<
      A,
      E | TimeoutError,
      R
    >
  })

/**
 * The deadline the current code runs under, in seconds on `Timeout.time` — Trio's `current_effective_deadline()`:
 * the earliest deadline of the scopes around it (cancel scopes, `timeout`s, task groups), up to the first shielded
 * one; `-Infinity` if one of them has been cancelled; `Infinity` if none has a deadline.
 *
 * @category getters
 * @since 0.1.0
 */
export const currentEffectiveDeadline: Effect.Effect<number> = Effect.withFiber((fiber) => {
  const deadline = cancelScope.currentScope(fiber)?.effectiveDeadline() ?? Number.POSITIVE_INFINITY
  return Effect.succeed(Number.isFinite(deadline) ? deadline / 1000 : deadline)
})
