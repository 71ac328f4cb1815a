/**
 * Values in words, in one place: the short renderings of error messages ({@link show}), the descriptions of reports
 * (timelines, debug mode, tracing attributes, `ps`, fault reports, `run`'s report in `@effect-asyncio/node`) and
 * Python's `repr` of a task's result.
 *
 * Total: a value whose conversion to a string throws (an object without prototype, a throwing `toString` or
 * `message` getter, a revoked proxy) is still described, so that a message or a diagnostic never fails because of
 * what it describes.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { CancelReason } from "../Errors.ts"

/** `String(u)`, or — when that throws — `[object <Tag>]` / `[unprintable value]`. Never throws. */
export const text = (u: unknown): string => {
  try {
    return String(u)
  } catch {
    try {
      return Object.prototype.toString.call(u)
    } catch {
      return "[unprintable value]"
    }
  }
}

/**
 * `Name: message` for an error value: the `_tag` of a tagged error (our Python names), else the `name` of an
 * `Error`, followed by its message; a `Defect` is described by what it wraps; any other value by `other` (default
 * {@link text}; `run`'s report passes `util.inspect`, Python's `repr`). Never throws.
 */
export const describeError = (error: unknown, other: (u: unknown) => string = text): string => {
  if (typeof error !== "object" || error === null) return otherwise(error, other)
  let name: string | undefined
  try {
    const tag = "_tag" in error && typeof error._tag === "string" ? error._tag : undefined
    name = tag ?? (error instanceof Error ? error.name : undefined)
    if (name === "Defect" && "defect" in error) return describeError(error.defect, other)
  } catch {
    // a throwing getter or proxy trap: described below as a plain value
  }
  if (name === undefined || typeof name !== "string") return otherwise(error, other)
  let message = ""
  try {
    message = "message" in error && typeof error.message === "string" ? error.message : ""
  } catch {
    // a throwing `message` getter: the name alone
  }
  return message === "" ? name : `${name}: ${message}`
}

const otherwise = (u: unknown, other: (u: unknown) => string): string => {
  if (other === text) return text(u)
  try {
    return other(u)
  } catch {
    return text(u)
  }
}

/** `Cause.pretty(cause)` (every error with its stack), or — when rendering throws — each error described. */
export const prettyCause = (cause: Cause.Cause<unknown>): string => {
  try {
    return Cause.pretty(cause)
  } catch {
    return cause.reasons
      .map((reason) =>
        reason._tag === "Fail"
          ? describeError(reason.error)
          : reason._tag === "Die"
            ? describeError(reason.defect)
            : "interrupted"
      )
      .join("\n")
  }
}

/** Every non-empty line of `text` prefixed with `prefix` (two spaces): a traceback under its headline. */
export const indent = (text: string, prefix = "  "): string =>
  text
    .split("\n")
    .map((line) => (line === "" ? line : prefix + line))
    .join("\n")

/** A number of seconds without float noise: `0.1`, `2.5`, `10`. */
export const formatSeconds = (seconds: number): string => String(Math.round(seconds * 1e6) / 1e6)

/** A string in Python's single quotes, backslashes and quotes escaped: `'it\'s'`. */
export const quote = (s: string): string => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`

/** A cancel reason in one line: `cancel 'stop': worker was cancelled by main`. */
export const describeReason = (reason: CancelReason): string => {
  const message = reason.message === undefined ? "" : ` ${quote(text(reason.message))}`
  return `${reason.kind}${message}: ${reason.detail}`
}

// ---------------------------------------------------------------------------------------------------------
// Values in messages and reprs
// ---------------------------------------------------------------------------------------------------------

const maxShown = 60

const clip = (text: string): string => (text.length > maxShown ? `${text.slice(0, maxShown - 1)}…` : text)

export const isPlainObject = (u: unknown): u is Record<string, unknown> => {
  if (typeof u !== "object" || u === null) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/**
 * A short rendering of any value for error messages: strings quoted, `1n`, `NaN`, `-Infinity`, `function f`,
 * `an Effect` (a task by its repr), plain objects and arrays one level deep (`{ returnExceptons: true }`,
 * `[1, "a"]`), `Duration(1000 millis)`, an object's own `toString` when it has one (`<Lock [unlocked, waiters:0]>`),
 * else its class (`a Map`).
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
  if (Effect.isEffect(u)) {
    // A task is an Effect with a repr of its own: `<Task pending name='worker'>`.
    const text = String(u)
    return text.startsWith("<Task ") ? text : "an Effect"
  }
  if (depth === 0 && Array.isArray(u)) {
    return clip(`[${u.map((item: unknown) => show(item, 1)).join(", ")}]`)
  }
  if (depth === 0 && isPlainObject(u)) {
    const entries = Object.keys(u).map((key) => `${key}: ${show(u[key], 1)}`)
    return clip(entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`)
  }
  if (Duration.isDuration(u)) return `Duration(${String(u)})`
  // Our primitives, tasks and scopes (and errors, dates, URLs) have a readable `toString`: `<Semaphore [...]>`.
  const toString: unknown = Reflect.get(Object(u), "toString")
  if (typeof toString === "function" && toString !== Object.prototype.toString) {
    const text: unknown = Reflect.apply(toString, u, [])
    if (typeof text === "string" && text !== "") return clip(text)
  }
  const name: unknown = (u as { readonly constructor?: { readonly name?: unknown } }).constructor?.name
  return typeof name === "string" && name !== "" && name !== "Object"
    ? `a${/^[AEIOU]/.test(name) ? "n" : ""} ${name}`
    : Object.prototype.toString.call(u)
}

/** A value as Python's `repr` would show it, roughly: strings in single quotes, short forms for objects. */
export const pyRepr = (u: unknown): string => {
  if (typeof u === "string") return quote(clip(u))
  if (typeof u === "bigint") return `${u}n`
  return u === null || typeof u !== "object" ? text(u) : show(u)
}

/** `ValueError('bad')`: the error's Python name and its message, as Python's `repr` of an exception. */
export const errorRepr = (error: unknown): string => {
  const described = describeError(error)
  const colon = described.indexOf(": ")
  return colon < 0 ? `${described}()` : `${described.slice(0, colon)}(${pyRepr(described.slice(colon + 2))})`
}
