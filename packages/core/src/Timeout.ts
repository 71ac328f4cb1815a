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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { RuntimeError, TimeoutError, TypeError } from "./Errors.ts"
import { CurrentTask, forwardedReason, interruptWithReason, outcomeOf } from "./internal/task.ts"
import { delayToMillis, type Seconds } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"

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

let scopeCounter = 0

class TimeoutImpl implements Timeout {
  state: State = "created"
  readonly name: string
  /** Deadline in milliseconds on the clock, or undefined. */
  deadline: number | undefined
  /**
   * The body's fiber. Recorded in the body's first step, in the same synchronous step that makes the scope
   * `active` and arms the expiry: while the scope is `active` the body is always known, so an expiry can never
   * find a scope it cannot cancel (issue 10: a deadline passing between two clock reads was lost and the scope
   * waited forever).
   */
  body: Fiber.Fiber<unknown, unknown> | undefined = undefined
  /** `enterScope` was called: a second entry is refused even before the body's first step has run. */
  entered = false
  /** Disarms the pending expiry (a timer fiber, or a callback due on the next scheduler turn). */
  private disarm: (() => void) | undefined = undefined

  /** When the scope was created, in milliseconds on the clock (for readable reasons). */
  private readonly createdAt: number

  constructor(deadline: number | undefined, createdAt: number, name: string | undefined) {
    this.deadline = deadline
    this.createdAt = createdAt
    this.name = name ?? `Timeout-${++scopeCounter}`
  }

  when(): Effect.Effect<number | undefined> {
    return Effect.sync(() => (this.deadline === undefined ? undefined : this.deadline / 1000))
  }

  expired(): Effect.Effect<boolean> {
    return Effect.sync(() => this.state === "expiring" || this.state === "expired")
  }

  reschedule(when: number | null | undefined): Effect.Effect<void> {
    return validate.atCall(() => {
      const deadline = validate.deadline("Timeout.reschedule", when)
      return Effect.withFiber((fiber) => this.rescheduleTo(deadline, fiber))
    })
  }

  private rescheduleTo(
    deadline: number | undefined,
    fiber: Fiber.Fiber<unknown, unknown>
  ): Effect.Effect<void> {
    switch (this.state) {
      case "created":
        return Effect.die(new RuntimeError("Timeout has not been entered"))
      case "expiring":
      case "expired":
      case "finished":
        return Effect.die(new RuntimeError(`Cannot change state of ${this.state} Timeout`))
      case "active":
        this.deadline = deadline
        this.arm(fiber)
        return Effect.void
    }
  }

  /**
   * `created → active`, as the first step of the body's fiber: records the body and arms the expiry in one
   * synchronous step.
   */
  activate(body: Fiber.Fiber<unknown, unknown>): void {
    this.state = "active"
    this.body = body
    this.arm(body)
  }

  /**
   * Arms the expiry for the current deadline, replacing the pending one. A deadline in the future gets a timer on
   * the fiber's `Clock`; a deadline at or before now fires on the next scheduler turn, as Python's
   * `loop.call_soon(self._on_timeout)`: a body that suspends first is cancelled there, a body that finishes
   * without suspending is not. Either way something is armed — the clock is read once, and whatever it says, the
   * expiry cannot be skipped.
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
    const timer = Effect.runForkWith(fiber.context)(
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

  /** `active → expiring`: cancels the body (reason `timeout`, naming the scope). */
  expire(): void {
    this.disarm = undefined
    const body = this.body
    // `active` implies a recorded body (see `activate`); any other state means the scope is already leaving. A
    // body already done has finished before its deadline (Python's exit, which runs in the body's last step,
    // would have cancelled the timer).
    if (this.state !== "active" || body === undefined || body.pollUnsafe() !== undefined) return
    this.state = "expiring"
    const after =
      this.deadline === undefined
        ? ""
        : ` (${Math.max(0, this.deadline - this.createdAt) / 1000} s after it was set)`
    interruptWithReason(body, undefined, {
      kind: "timeout",
      detail: `the deadline of ${this.name} expired${after}`
    })
  }

  toJSON(): unknown {
    return { _id: "Timeout", name: this.name, state: this.state, when: this.deadline }
  }
  toString(): string {
    return `<Timeout [${this.state}]${this.deadline === undefined ? "" : ` when=${this.deadline / 1000}`}>`
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
 * Runs `body` inside the (not yet entered) scope `self`. A scope can be entered once.
 *
 * The body's fiber makes the scope `active` in its own first step ({@link TimeoutImpl.activate}), so nothing can
 * arm or fire an expiry before the body is recorded. Of two nested scopes with the same deadline the outer one is
 * armed first, fires first and is the one that converts — as in Python.
 */
const enter = <A, E, R>(
  call: string,
  self: TimeoutImpl,
  body: (scope: Timeout) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | TimeoutError, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((parent) => {
      if (self.entered) return Effect.die(new RuntimeError("Timeout has already been entered"))
      self.entered = true
      const run = Effect.withFiber((fiber) => {
        self.activate(fiber)
        const effect: unknown = body(self)
        return Effect.isEffect(effect)
          ? (effect as Effect.Effect<A, E, R>)
          : Effect.die(validate.notAnEffectResult(call, effect))
      })
      return Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(run, { startImmediately: true })
        const waited = yield* Effect.exit(restore(Fiber.await(fiber)))
        if (waited._tag === "Failure") {
          // Outside cancellation: forward it to the body, wait for it, and let the cancellation through even if
          // the deadline fired meanwhile (outside cancellation wins).
          const owner = parent.getRef(CurrentTask)
          interruptWithReason(
            fiber as Fiber.Fiber<unknown, unknown>,
            parent.id,
            forwardedReason(parent, "awaiter", `${owner?.name ?? "the fiber"} in ${self.name} was cancelled`)
          )
          yield* Fiber.await(fiber)
          self.cancelTimer()
          const now = yield* Clock.currentTimeMillis
          const passed = self.deadline !== undefined && self.deadline <= now
          self.state = self.state === "expiring" || passed ? "expired" : "finished"
          return yield* Effect.failCause(waited.cause)
        }
        self.cancelTimer()
        if (self.state === "expiring") {
          self.state = "expired"
          return yield* afterExpiry(waited.value, self.name)
        }
        self.state = "finished"
        return yield* waited.value
      })
    })
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
  return Effect.map(Clock.currentTimeMillis, (now) => new TimeoutImpl(at(now), now, name))
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
