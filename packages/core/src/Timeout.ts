/**
 * Timeout scopes: asyncio's `asyncio.timeout(delay)` and `asyncio.timeout_at(when)` (Python 3.11+).
 *
 * A timeout scope runs a body under a deadline that can be read, moved or removed while the body runs. When
 * the deadline passes, the body is cancelled (reason `timeout`, naming the scope); once the body has finished —
 * finalizers included — the scope fails with `TimeoutError`. Only the scope's own expiry becomes a
 * `TimeoutError`: a cancellation coming from outside passes through unchanged, even if the deadline expired at
 * the same moment, and nested scopes each convert only their own.
 *
 * Lifecycle (a named state machine, as in CPython's `timeouts.py`):
 *
 * ```
 * created ──enter──▶ active ──deadline──▶ expiring ──exit──▶ expired
 *                      └──────────exit──────────▶ finished
 * ```
 *
 * Times are seconds on Effect's `Clock` ({@link time}), so they are virtual under `TestClock`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { RuntimeError, TimeoutError, TypeError } from "./Errors.ts"
import * as cancelScope from "./internal/cancelScope.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { delayToMillis } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"

/**
 * The states of a timeout scope.
 *
 * @category models
 * @since 0.1.0
 */
export type State = "created" | "active" | "expiring" | "expired" | "finished"

/**
 * A timeout scope's handle. asyncio's `Timeout` object.
 *
 * @category models
 * @since 0.1.0
 */
export interface Timeout {
  readonly name: string
  /** The lifecycle state. */
  readonly state: State
  /** The deadline in seconds on {@link time}, or `undefined` when there is none. */
  when(): Effect.Effect<number | undefined>
  /**
   * Moves the deadline to `when` (seconds on {@link time}; `null`/`undefined` removes it). A deadline at or
   * before now fires at once. Only while the scope is active: otherwise a defect carrying `RuntimeError`
   * ("Timeout has not been entered", "Cannot change state of expiring Timeout", …), as in Python.
   */
  reschedule(when: number | null | undefined): Effect.Effect<void>
  /** Whether the deadline fired (`expiring` or `expired`), whatever the body did afterwards. */
  expired(): Effect.Effect<boolean>
}

/**
 * The current time in seconds on Effect's `Clock` — the time base of {@link timeoutAt} and
 * {@link Timeout.reschedule}. asyncio's `loop.time()`.
 *
 * @category getters
 * @since 0.1.0
 */
export const time: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => ms / 1000)

/**
 * A timeout scope: asyncio's names and states over the shared cancel scope (`internal/cancelScope.ts`), which owns
 * the deadline, the body and the expiry.
 */
class TimeoutImpl implements Timeout {
  readonly scope: cancelScope.ScopeImpl
  /** The scope exited by an outside cancellation after its deadline had passed (Python: `expired`). */
  private passedAtExit = false

  constructor(scope: cancelScope.ScopeImpl) {
    this.scope = scope
  }

  get name(): string {
    return this.scope.name
  }

  get state(): State {
    const scope = this.scope
    if (scope.state === "created") return "created"
    if (scope.state === "active") return scope.deadlineFired ? "expiring" : "active"
    return scope.deadlineFired || this.passedAtExit ? "expired" : "finished"
  }

  when(): Effect.Effect<number | undefined> {
    return Effect.sync(() => (this.scope.deadline === undefined ? undefined : this.scope.deadline / 1000))
  }

  expired(): Effect.Effect<boolean> {
    return Effect.sync(() => this.state === "expiring" || this.state === "expired")
  }

  reschedule(when: number | null | undefined): Effect.Effect<void> {
    return validate.atCall(() => {
      const deadline = validate.deadline("Timeout.reschedule", when)
      return Effect.withFiber((fiber) => {
        const state = this.state
        switch (state) {
          case "created":
            return Effect.die(new RuntimeError("Timeout has not been entered"))
          case "expiring":
          case "expired":
          case "finished":
            return Effect.die(new RuntimeError(`Cannot change state of ${state} Timeout`))
          case "active":
            this.scope.setDeadline(deadline, fiber)
            return Effect.void
        }
      })
    })
  }

  /** Closes the scope once its body has ended; an outside cancellation after the deadline passed is `expired`. */
  close(outcome: cancelScope.Outcome<unknown, unknown>, now: number): void {
    const deadline = this.scope.deadline
    this.passedAtExit = outcome.outside !== undefined && deadline !== undefined && deadline <= now
    this.scope.close(outcome)
  }

  toJSON(): unknown {
    return { _id: "Timeout", name: this.name, state: this.state, when: this.scope.deadline }
  }
  toString(): string {
    const deadline = this.scope.deadline
    return `<Timeout [${this.state}]${deadline === undefined ? "" : ` when=${deadline / 1000}`}>`
  }
}

/** What the scope reports once its body has finished after the deadline fired. */
const afterExpiry = <A, E>(exit: Exit.Exit<A, E>, name: string): Effect.Effect<A, E | TimeoutError> => {
  const outcome = outcomeOf(exit)
  if (outcome._tag !== "Cancelled") return exit
  const error = new TimeoutError(`${name}: the deadline expired`)
  error.cause = outcome.error
  return Effect.fail(error)
}

/**
 * Runs `body` inside the (not yet entered) scope `self`: the cancel scope's body, forwarding and clean-up, then
 * asyncio's conversion — an outside cancellation passes through unchanged (even if the deadline fired too); the
 * scope's own expiry becomes `TimeoutError` if it cancelled the body. Of two nested scopes with the same deadline
 * the outer one is armed first, fires first and is the one that converts — as in Python.
 */
const enter = <A, E, R>(
  call: string,
  self: TimeoutImpl,
  body: (scope: Timeout) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | TimeoutError, R> =>
  cancelScope.enter(
    call,
    self.scope,
    () => body(self),
    (outcome) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        self.close(outcome, now)
        if (outcome.outside !== undefined) return Effect.failCause(outcome.outside)
        return self.scope.deadlineFired ? afterExpiry(outcome.exit, self.name) : outcome.exit
      }),
    { alreadyEntered: "Timeout has already been entered" }
  )

/** A relative delay as milliseconds from now, or `undefined` for no deadline. */
const offsetOf = (call: string, delay: unknown): number | undefined => {
  if (delay === null || delay === undefined) return undefined
  const read = validate.delay(call, delay)
  // A negative number of seconds gives a deadline in the past, as in Python (`when()` is `now - 11`).
  if (typeof delay === "number" && read._tag === "NonPositive") return delay * 1000
  return read._tag === "Infinite" ? undefined : delayToMillis(read)
}

const optionKeys = ["name"]

/** A scope whose deadline is `at(now)`, checked at the call (`call` names it in errors). */
const makeScope = (
  call: string,
  at: (now: number) => number | undefined,
  options: TimeoutOptions | undefined
): Effect.Effect<TimeoutImpl> => {
  const name = validate.name(call, validate.options(call, options, optionKeys).name)
  return Effect.map(
    cancelScope.make({ name, prefix: "Timeout", deadline: at }),
    (scope) => new TimeoutImpl(scope)
  )
}

/** {@link makeScope} for a delay from now. */
const makeRelative = (call: string, delay: unknown, options: TimeoutOptions | undefined) => {
  const offset = offsetOf(call, delay)
  return makeScope(call, (now) => (offset === undefined ? undefined : now + offset), options)
}

/** {@link makeScope} for an absolute deadline. */
const makeAbsolute = (call: string, when: unknown, options: TimeoutOptions | undefined) => {
  const deadline = validate.deadline(call, when)
  return makeScope(call, () => deadline, options)
}

/**
 * Options of the timeout constructors.
 *
 * @category models
 * @since 0.1.0
 */
export interface TimeoutOptions {
  /** The scope's name, used in cancel reasons and reports (`Timeout-<n>` by default). */
  readonly name?: string | undefined
}

/**
 * Creates a timeout scope handle whose deadline is `delay` from **now** (Python computes it when `timeout()` is
 * called, not when the block is entered). Enter it with {@link enterScope}; most code uses {@link timeout}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (delay: Seconds | null | undefined, options?: TimeoutOptions): Effect.Effect<Timeout> =>
  validate.atCall(() => makeRelative("Timeout.make", delay, options))

/**
 * Creates a timeout scope handle with an absolute deadline (seconds on {@link time}; `null` = none).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeAt = (when: number | null | undefined, options?: TimeoutOptions): Effect.Effect<Timeout> =>
  validate.atCall(() => makeAbsolute("Timeout.makeAt", when, options))

/**
 * Runs `body` inside the timeout scope `scope` (created by {@link make} or {@link makeAt}). Entering a scope a
 * second time is a defect carrying `RuntimeError("Timeout has already been entered")`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const enterScope = <A, E, R>(
  scope: Timeout,
  body: (scope: Timeout) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | TimeoutError, R> =>
  validate.atCall(() => {
    if (!(scope instanceof TimeoutImpl)) {
      throw new TypeError(
        `Timeout.enterScope: a Timeout made by Timeout.make or Timeout.makeAt was expected, got ${validate.show(scope)}`
      )
    }
    return enter("Timeout.enterScope", scope, validate.fn("Timeout.enterScope", body, "body"))
  })

/**
 * The body of a timeout scope: a function of the scope handle (to `reschedule` it, as `async with timeout(d) as
 * scope:` binds it) or just the effect to bound.
 *
 * @category models
 * @since 0.1.0
 */
export type Body<A, E, R> = Effect.Effect<A, E, R> | ((scope: Timeout) => Effect.Effect<A, E, R>)

/** The body as a function of the scope; anything but an effect or a function is a `TypeError`. */
const bodyOf = <A, E, R>(call: string, body: Body<A, E, R>): ((scope: Timeout) => Effect.Effect<A, E, R>) => {
  if (Effect.isEffect(body)) return () => body
  if (typeof body === "function") return body
  throw new TypeError(
    `${call}: body must be an Effect or a function of the scope, got ${validate.show(body)}`
  )
}

/**
 * `timeout(d, body, options?)` data-first — Python's order, the deadline first — or `timeout(d, options?)` data-last,
 * for `effect.pipe(timeout(d))`. Data-last only when the second argument is absent or an options object; anything
 * else goes data-first, where the body is checked.
 */
const dispatch = (
  args: ReadonlyArray<unknown>,
  scope: (
    deadline: unknown,
    body: Body<unknown, unknown, unknown>,
    options: TimeoutOptions | undefined
  ) => Effect.Effect<unknown, unknown, unknown>
): unknown => {
  const [deadline, second, third] = args
  if (args.length >= 3 || (second !== undefined && !validate.isPlainObject(second))) {
    return scope(deadline, second as Body<unknown, unknown, unknown>, third as TimeoutOptions | undefined)
  }
  return (self: Effect.Effect<unknown, unknown, unknown>) =>
    scope(deadline, self, second as TimeoutOptions | undefined)
}

/**
 * Runs `body` with a deadline `delay` from now; if it expires, cancels the body, waits for it to finish and
 * fails with `TimeoutError`.
 *
 * **When to use** To bound a block of work — several awaits, not a single effect — and to move the deadline
 * while it runs (`scope.reschedule`). For a single awaitable, `waitFor` reads better.
 *
 * **Details** A number is seconds; `null` means no deadline (the scope can still be rescheduled). A deadline at
 * or before now fires at the body's first suspension; a body that never suspends is never interrupted. The
 * `TimeoutError`'s `cause` is the body's `CancelledError`. If the body fails with another error while being
 * cancelled, that error propagates instead. The body runs on a child fiber that reports the caller's task as
 * `currentTask()`.
 *
 * **asyncio** `async with asyncio.timeout(delay) as scope: …`. Python counts cancel requests
 * (`cancelling()`/`uncancel()`) to tell its own cancellation from an outside one; we know it structurally,
 * so the bug class of `uncancel` bookkeeping (python/cpython#134471) cannot happen. A body cannot swallow the
 * cancellation, so "the body caught it and returned" does not occur.
 *
 * **Data-last** `effect.pipe(asyncio.timeout(2))` bounds `effect` (the second argument, if any, is the options).
 * Data-first, the body is an effect or a function that receives the scope handle.
 *
 * **Example** (Give up after two seconds)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 *
 * const bounded = asyncio.timeout(2, () => asyncio.sleep(10, "late")) // fails with TimeoutError at t=2
 * const same = asyncio.sleep(10, "late").pipe(asyncio.timeout(2))
 * const moved = asyncio.timeout(2, (scope) => scope.reschedule(null)) // the body removes the deadline
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export function timeout<A, E, R>(
  delay: Seconds | null | undefined,
  body: Body<A, E, R>,
  options?: TimeoutOptions
): Effect.Effect<A, E | TimeoutError, R>
export function timeout(
  delay: Seconds | null | undefined,
  options?: TimeoutOptions
): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | TimeoutError, R>
export function timeout(...args: ReadonlyArray<unknown>): unknown {
  return dispatch(args, (delay, body, options) =>
    validate.atCall(() => {
      const run = bodyOf("timeout", body)
      return Effect.flatMap(makeRelative("timeout", delay as Seconds | null | undefined, options), (scope) =>
        enter("timeout", scope, run)
      )
    })
  )
}

/**
 * Like {@link timeout} with an absolute deadline: `when` in seconds on {@link time} (`null` or `Infinity` = none).
 * asyncio's `asyncio.timeout_at(when)`.
 *
 * **Details** NaN and `-Infinity` are a `ValueError`, anything but a number (`"soon"`, a `Duration`) a `TypeError`,
 * raised at the call: Python would expire at once on them, but no clock reading is either — they come from a bug.
 * The same holds for `scope.reschedule(when)`.
 *
 * @category combinators
 * @since 0.1.0
 */
export function timeoutAt<A, E, R>(
  when: number | null | undefined,
  body: Body<A, E, R>,
  options?: TimeoutOptions
): Effect.Effect<A, E | TimeoutError, R>
export function timeoutAt(
  when: number | null | undefined,
  options?: TimeoutOptions
): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | TimeoutError, R>
export function timeoutAt(...args: ReadonlyArray<unknown>): unknown {
  return dispatch(args, (when, body, options) =>
    validate.atCall(() => {
      const run = bodyOf("timeoutAt", body)
      return Effect.flatMap(makeAbsolute("timeoutAt", when as number | null | undefined, options), (scope) =>
        enter("timeoutAt", scope, run)
      )
    })
  )
}
