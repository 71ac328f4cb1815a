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
import * as Effect from "effect/Effect"
import { TypeError } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------------------
// Showing values in messages
// ---------------------------------------------------------------------------------------------------------

const maxShown = 60

const clip = (text: string): string => (text.length > maxShown ? `${text.slice(0, maxShown - 1)}…` : text)

const isPlainObject = (u: unknown): u is Record<string, unknown> => {
  if (typeof u !== "object" || u === null) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/**
 * A short rendering of any value for error messages: strings quoted, `1n`, `NaN`, `-Infinity`, `function f`,
 * `an Effect`, `a Map`, plain objects and arrays one level deep (`{ returnExceptons: true }`, `[1, "a"]`).
 */
export const show = (u: unknown, depth = 0): string => {
  switch (typeof u) {
    case "string":
      return clip(JSON.stringify(u))
    case "bigint":
      return `${u}n`
    case "symbol":
      return u.toString()
    case "function":
      return `function ${u.name || "(anonymous)"}`
    case "undefined":
      return "undefined"
    case "number":
    case "boolean":
      return Object.is(u, -0) ? "-0" : String(u)
  }
  if (u === null) return "null"
  if (Effect.isEffect(u)) return "an Effect"
  if (depth === 0 && Array.isArray(u)) {
    return clip(`[${u.map((item: unknown) => show(item, 1)).join(", ")}]`)
  }
  if (depth === 0 && isPlainObject(u)) {
    const entries = Object.keys(u).map((key) => `${key}: ${show(u[key], 1)}`)
    return clip(entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`)
  }
  const name: unknown = (u as { readonly constructor?: { readonly name?: unknown } }).constructor?.name
  return typeof name === "string" && name !== "" && name !== "Object"
    ? `a${/^[AEIOU]/.test(name) ? "n" : ""} ${name}`
    : Object.prototype.toString.call(u)
}

// ---------------------------------------------------------------------------------------------------------
// Running checks at the call
// ---------------------------------------------------------------------------------------------------------

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

/** `u` must be an Effect: `${call}: an Effect was expected, got …` (Python's "a coroutine was expected"). */
export const effect = <X>(call: string, u: X): X => {
  if (!Effect.isEffect(u)) throw new TypeError(`${call}: an Effect was expected, got ${show(u)}`)
  return u
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
export const options = <O extends object>(
  call: string,
  u: O | null | undefined,
  keys: ReadonlyArray<string>
): Partial<O> => {
  if (u === undefined || u === null) return {}
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
