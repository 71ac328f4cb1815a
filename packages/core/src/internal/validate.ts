/**
 * The argument checks of the public API, in one place (issue 10).
 *
 * Every check takes the name of the call (`"gather"`, `"Semaphore.make"`, `"lock.withLock"`), the value and what
 * it should be; it returns the value (normalised where Python normalises it) or throws the library's
 * {@link TypeError} (a value of the wrong kind) or {@link ValueError} (the right kind, a bad value), as Python
 * raises them. Messages name the call and show the value: `timeoutAt: when must be a number of seconds …, got
 * NaN`.
 *
 * Entry points run their checks **at the call** with {@link atCall}: the error is built while the caller's frame
 * is on the stack (its stack trace points at the line that made the mistake), and the returned effect dies with
 * it as soon as it runs — before it starts a task, takes a permit, arms a timer or runs anything of the caller's.
 * Misuse is a defect (`Effect.die`), never a typed failure.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type CancelReason, TypeError, ValueError } from "../Errors.ts"
import { isPlainObject, show } from "./format.ts"
import { type Delay, infinite, nonPositive } from "./time.ts"

/** The renderings every message uses, defined with the other formatting helpers. */
export { isPlainObject, show }

// ---------------------------------------------------------------------------------------------------------
// Running checks at the call
// ---------------------------------------------------------------------------------------------------------

/**
 * The call style of an entry point `f(self, options?)`: data-first as written, or `f(options)` data-last (for
 * `self.pipe(f(options))`) — data-last only when `f` gets a single argument that is an options object (an effect,
 * a function or a missing argument go data-first, where they are checked). The public signature is Effect's
 * (`Effect.forkChild`'s): one generic signature whose result type depends on whether the first argument is an
 * Effect, not two overloads — so `self.pipe(f)` infers on TypeScript 5 too.
 */
export const selfOrOptions = (
  args: ReadonlyArray<unknown>,
  apply: (self: unknown, options: unknown) => unknown
): unknown =>
  args.length === 1 && isPlainObject(args[0])
    ? (self: unknown) => apply(self, args[0])
    : apply(args[0], args[1])

/**
 * Runs `build` now — its checks throw a misuse error — and returns the effect it builds; a throw becomes an effect
 * that dies with the error. Use it as the body of every public function that takes arguments.
 */
export const atCall = <A, E, R>(build: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  try {
    return build()
  } catch (error) {
    return Effect.die(error)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Functions, effects and results
// ---------------------------------------------------------------------------------------------------------

/** `u` must be a function: `${call}: ${param} must be a function, got …`. */
export const fn = <F>(call: string, u: F, param: string): F => {
  if (typeof u !== "function") throw new TypeError(`${call}: ${param} must be a function, got ${show(u)}`)
  return u
}

/** An optional function (`undefined` allowed). */
export const optionalFn = <F>(call: string, u: F | undefined, param: string): F | undefined =>
  u === undefined ? undefined : fn(call, u, param)

/** The misuse error for `u` given where an Effect was expected (Python's "a coroutine was expected, got …"). */
export const notAnEffect = (call: string, u: unknown): TypeError =>
  new TypeError(`${call}: an Effect was expected, got ${show(u)}`)

/**
 * `u` must be an Effect. (Hot paths test `Effect.isEffect` inline and die with {@link notAnEffect}.) Returns nothing:
 * a statement `validate.effect(call, effect)` must not read as an effect built and dropped.
 */
export const effect = (call: string, u: unknown): void => {
  if (!Effect.isEffect(u)) throw notAnEffect(call, u)
}

/**
 * The misuse error for a function that was expected to return an Effect and returned `u` (a forgotten `return`,
 * a plain value, a promise).
 */
export const notAnEffectResult = (call: string, u: unknown): TypeError =>
  new TypeError(
    `${call}: the function must return an Effect, got ${show(u)}${
      u !== null && typeof u === "object" && typeof (u as { readonly then?: unknown }).then === "function"
        ? " (a promise: wrap it with Abort.fromPromise or Effect.promise)"
        : ""
    }`
  )

/**
 * Calls `f` and checks that it returned an Effect: a value that is not one never reaches Effect's run loop (effect
 * 4.1.0 ends the fiber at once on a non-effect, "Not a valid effect", skipping every finalizer on its stack: a
 * permit or lock held around the call would never be released). A synchronous throw of `f` is a defect, as
 * `Effect.suspend` makes it.
 */
export const callEffect = <A, E, R>(call: string, f: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const result: unknown = f()
    return Effect.isEffect(result)
      ? (result as Effect.Effect<A, E, R>)
      : Effect.die(notAnEffectResult(call, result))
  })

// ---------------------------------------------------------------------------------------------------------
// Options objects and plain values
// ---------------------------------------------------------------------------------------------------------

/** The edit distance of two short strings (for "did you mean" on unknown option keys). */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
}

/**
 * An options object: `undefined`/`null` (no options) or a plain object whose keys are all in `keys`. An unknown key
 * is named, with the closest known one: `gather: unknown option "returnExceptons" (did you mean
 * "returnExceptions"?); known options: returnExceptions`.
 */
const noOptions = Object.freeze({})

export const options = <O extends object>(
  call: string,
  u: O | null | undefined,
  keys: ReadonlyArray<string>
): Partial<O> => {
  // No options: one shared empty object, not one per call (the result is only read).
  if (u === undefined || u === null) return noOptions as Partial<O>
  if (!isPlainObject(u)) throw new TypeError(`${call}: options must be a plain object, got ${show(u)}`)
  for (const key of Object.keys(u)) {
    if (keys.includes(key)) continue
    const closest = keys.reduce<string | undefined>(
      (best, known) =>
        distance(key, known) <= 2 && (best === undefined || distance(key, known) < distance(key, best))
          ? known
          : best,
      undefined
    )
    throw new TypeError(
      `${call}: unknown option ${JSON.stringify(key)}${
        closest === undefined ? "" : ` (did you mean ${JSON.stringify(closest)}?)`
      }; known options: ${keys.join(", ")}`
    )
  }
  return u
}

/** A boolean option or argument (`undefined` gives `fallback`); anything else is a `TypeError`. */
export const boolean = (call: string, u: unknown, param: string, fallback: boolean): boolean => {
  if (u === undefined) return fallback
  if (typeof u !== "boolean") throw new TypeError(`${call}: ${param} must be a boolean, got ${show(u)}`)
  return u
}

/**
 * A count: an integer `>= min` (`Infinity` too when `infinite`). Not a number is a `TypeError`; NaN, a fraction or a
 * number below `min` is a `ValueError`.
 */
export const integer = (call: string, u: unknown, param: string, min: number, infinite = false): number => {
  const expected = `${param} must be an integer >= ${min}${infinite ? " (or Infinity)" : ""}, got ${show(u)}`
  if (typeof u !== "number") throw new TypeError(`${call}: ${expected}`)
  if (!(u >= min) || !(Number.isInteger(u) || (infinite && u === Number.POSITIVE_INFINITY))) {
    throw new ValueError(`${call}: ${expected}`)
  }
  return u
}

/**
 * A number of seconds for an option (`slowCallbackDuration`, `shutdownTimeout`, …): `>= 0`, `Infinity` allowed.
 * Not a number is a `TypeError`; NaN or a negative number a `ValueError`.
 */
export const seconds = (call: string, u: unknown, param: string): number => {
  if (typeof u !== "number") {
    throw new TypeError(`${call}: ${param} must be a number of seconds >= 0, got ${show(u)}`)
  }
  if (!(u >= 0)) throw new ValueError(`${call}: ${param} must be a number of seconds >= 0, got ${show(u)}`)
  return u
}

/** A number of any value (NaN included, for the options Python compares without checking). */
export const number = (call: string, u: unknown, param: string): number => {
  if (typeof u !== "number") throw new TypeError(`${call}: ${param} must be a number, got ${show(u)}`)
  return u
}

/** A name option of our own (a scope, group or loop name): a string, or `undefined` for the default. */
export const name = (call: string, u: unknown, param = "name"): string | undefined => {
  if (u === undefined) return undefined
  if (typeof u !== "string") throw new TypeError(`${call}: ${param} must be a string, got ${show(u)}`)
  return u
}

/**
 * A task name, as Python's `create_task(coro, name=…)` and `set_name` read it: `str(name)` — `42` becomes
 * `"42"` — and `None` (`null`/`undefined`) means the default `Task-<n>`.
 */
export const taskName = (call: string, u: unknown): string | undefined => {
  if (u === undefined || u === null) return undefined
  if (typeof u === "string") return u
  try {
    return String(u)
  } catch {
    throw new TypeError(`${call}: name cannot be turned into a string, got ${show(u)}`)
  }
}

const reasonKinds: ReadonlyArray<CancelReason["kind"]> = [
  "cancel",
  "awaiter",
  "gather",
  "timeout",
  "shutdown",
  "signal",
  "sibling",
  "interrupt"
]

/** A `CancelReason` made by hand (integrations): a known `kind` and a `detail` sentence. */
export const cancelReason = (call: string, u: unknown): CancelReason => {
  const kind = isPlainObject(u) ? reasonKinds.find((known) => known === u.kind) : undefined
  if (!isPlainObject(u) || kind === undefined || typeof u.detail !== "string") {
    throw new TypeError(
      `${call}: a CancelReason ({ kind: ${reasonKinds.map((k) => JSON.stringify(k)).join(" | ")}, detail: string }) was expected, got ${show(u)}`
    )
  }
  return { kind, message: u.message, detail: u.detail }
}

/**
 * An iterable argument (an array, a `Set`, a generator…), not an Effect — a single effect or task where a
 * collection is expected is Python's "expect a list of futures, not …".
 */
export const iterable = <T>(call: string, u: Iterable<T>, param: string, what: string): Iterable<T> => {
  if (
    Effect.isEffect(u) ||
    typeof (u as Partial<Iterable<T>> | null | undefined)?.[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(`${call}: ${param} must be ${what}, got ${show(u)}`)
  }
  return u
}

/** An `AbortSignal` (from an `AbortController`, `AbortSignal.timeout(…)`, a framework's request). */
export const signal = (call: string, u: unknown, param = "signal"): AbortSignal => {
  if (!(u instanceof AbortSignal))
    throw new TypeError(`${call}: ${param} must be an AbortSignal, got ${show(u)}`)
  return u
}

// ---------------------------------------------------------------------------------------------------------
// Durations and deadlines
// ---------------------------------------------------------------------------------------------------------

/** The keys of an Effect duration object (`{ seconds: 5 }`, Temporal-like). */
const durationKeys: ReadonlyArray<string> = [
  "weeks",
  "days",
  "hours",
  "minutes",
  "seconds",
  "milliseconds",
  "microseconds",
  "nanoseconds"
]

const fromDuration = (d: Duration.Duration): Delay => {
  if (Duration.isFinite(d)) return Duration.toMillis(d) <= 0 ? nonPositive : { _tag: "Finite", duration: d }
  return Duration.isNegative(d) ? nonPositive : infinite
}

const notADelay = (call: string, param: string, u: unknown, why = ""): TypeError =>
  new TypeError(`${call}: ${param} must be seconds (a number) or an Effect duration, got ${show(u)}${why}`)

/**
 * A delay: a number of **seconds** (Python's), or an Effect duration (`Duration`, `"500 millis"`, `{ seconds: 5 }`,
 * `[seconds, nanos]`). As in Python, zero or less is "no wait" and `Infinity` is "no limit"; NaN is a `ValueError`
 * (Python 3.13's `sleep(nan)`). Refused with a `TypeError`: strings that are not durations (`"5"`), a bigint (seconds
 * to Python, nanoseconds to Effect — ambiguous), unknown keys of a duration object (`{ second: 5 }`, which Effect
 * would read as 0), anything else. A duration object or tuple holding NaN is a `ValueError`.
 */
export const delay = (call: string, u: unknown, param = "delay"): Delay => {
  switch (typeof u) {
    case "number": {
      if (Number.isNaN(u)) throw new ValueError(`${call}: ${param} must not be NaN, got NaN`)
      if (u <= 0) return nonPositive
      if (u === Number.POSITIVE_INFINITY) return infinite
      return { _tag: "Finite", duration: Duration.millis(u * 1000) }
    }
    case "bigint":
      throw notADelay(
        call,
        param,
        u,
        ` (a bigint is seconds to Python and nanoseconds to Effect: write ${u} for seconds or Duration.nanos(${u}n))`
      )
    case "string": {
      const parsed = Duration.fromInput(u as Duration.Input)
      if (parsed._tag === "None") throw notADelay(call, param, u, ' (a string needs a unit: "500 millis")')
      return fromDuration(parsed.value)
    }
    case "object": {
      if (u === null) break
      if (Duration.isDuration(u)) return fromDuration(u)
      let parts: ReadonlyArray<unknown>
      if (Array.isArray(u)) {
        if (u.length !== 2) throw notADelay(call, param, u, " (a tuple is [seconds, nanos])")
        parts = u
      } else if (isPlainObject(u)) {
        parts = Object.keys(u).map((key) => {
          if (durationKeys.includes(key)) return u[key]
          const closest = durationKeys.find((known) => distance(key, known) <= 2)
          throw new TypeError(
            `${call}: unknown duration key ${JSON.stringify(key)} in ${show(u)}${
              closest === undefined ? "" : ` (did you mean ${JSON.stringify(closest)}?)`
            }; the keys are ${durationKeys.join(", ")}`
          )
        })
      } else {
        break
      }
      for (const part of parts) {
        if (part === undefined && !Array.isArray(u)) continue
        if (typeof part !== "number") throw notADelay(call, param, u)
        if (Number.isNaN(part)) throw new ValueError(`${call}: ${param} must not hold NaN, got ${show(u)}`)
      }
      const parsed = Duration.fromInput(u as Duration.Input)
      if (parsed._tag === "None") throw notADelay(call, param, u)
      return fromDuration(parsed.value)
    }
  }
  throw notADelay(call, param, u)
}

/**
 * An absolute deadline in seconds on `Timeout.time` (Python's `loop.time()`), as `timeoutAt(when)` and
 * `reschedule(when)` take it; returned in milliseconds. `null`/`undefined` — and `Infinity` — mean no deadline.
 * NaN and `-Infinity` are `ValueError`s (Python would expire at once: no clock reading is either, they come from a
 * bug such as `Math.max()` of nothing); anything but a number (`"soon"`, `{}`, a `Duration`) is a `TypeError`.
 */
export const deadline = (call: string, u: unknown, param = "when"): number | undefined => {
  if (u === undefined || u === null) return undefined
  if (typeof u !== "number") {
    throw new TypeError(
      `${call}: ${param} must be a time in seconds on Timeout.time (a number), or null for no deadline, got ${show(u)}${
        Duration.isDuration(u) || typeof u === "string" ? " (for a delay from now, use timeout(delay))" : ""
      }`
    )
  }
  if (Number.isNaN(u) || u === Number.NEGATIVE_INFINITY) {
    throw new ValueError(
      `${call}: ${param} must be a time in seconds on Timeout.time, got ${show(u)} (null means no deadline)`
    )
  }
  return u === Number.POSITIVE_INFINITY ? undefined : u * 1000
}

// ---------------------------------------------------------------------------------------------------------
// Options of the observability entry points (kept here so that their modules change by one line)
// ---------------------------------------------------------------------------------------------------------

/** The options of a debug session (`Debug.debug`, `Debug.makeSessionUnsafe`, `run`'s debug mode). */
export const debugOptions = (
  call: string,
  u:
    | {
        readonly slowCallbackDuration?: unknown
        readonly onWarning?: unknown
        readonly maxNeverRetrieved?: unknown
      }
    | undefined
): void => {
  const checked = options(call, u, ["slowCallbackDuration", "onWarning", "maxNeverRetrieved"])
  if (checked.slowCallbackDuration !== undefined)
    seconds(call, checked.slowCallbackDuration, "slowCallbackDuration")
  optionalFn(call, checked.onWarning, "onWarning")
  if (checked.maxNeverRetrieved !== undefined)
    integer(call, checked.maxNeverRetrieved, "maxNeverRetrieved", 0)
}

/** One of a few allowed values (`onCancel: "terminate" | "finish"`): a string that is not one is a `ValueError`. */
export const oneOf = <const T extends string>(
  call: string,
  u: unknown,
  param: string,
  values: ReadonlyArray<T>
): T => {
  const found = values.find((value) => value === u)
  if (found !== undefined) return found
  const expected = `${param} must be ${values.map((value) => JSON.stringify(value)).join(" or ")}, got ${show(u)}`
  throw typeof u === "string" ? new ValueError(`${call}: ${expected}`) : new TypeError(`${call}: ${expected}`)
}
