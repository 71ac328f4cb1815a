/**
 * Python's `print`, `repr`, `str` and `time.time()` for the examples, so that a ported program prints exactly
 * what the Python original prints (`['a', 'b']`, `None`, `True`, `FetchError('DB unavailable')`).
 *
 * Output goes through Effect's `Console` service (so a test can record it) and time comes from Effect's `Clock`
 * (so it is virtual under `TestClock`).
 */
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/** Python's `repr()` of a string: single quotes unless the text has a `'` and no `"`, escapes as CPython does. */
const reprString = (s: string): string => {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === quote || ch === "\\") out += "\\" + ch
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0")
    else out += ch
  }
  return out + quote
}

/** Python's `repr()` of a number. A JS number has no int/float distinction: `2` prints as `2`, never `2.0`. */
const reprNumber = (n: number): string =>
  Number.isNaN(n) ? "nan" : n === Infinity ? "inf" : n === -Infinity ? "-inf" : String(n)

/** The class name Python would show: an Effect tagged error's `_tag`, otherwise the constructor's name. */
const errorName = (error: Error): string => {
  const tag: unknown = (error as { readonly _tag?: unknown })._tag
  return typeof tag === "string" ? tag : error.name
}

/**
 * Python's `repr()`: strings quoted, `None`/`True`/`False`, lists as `[a, b]`, sets as `{a, b}`, maps and plain
 * objects as dicts, errors as `Name('message')` (an exception built with one argument).
 */
export const repr = (u: unknown): string => {
  switch (typeof u) {
    case "string":
      return reprString(u)
    case "number":
      return reprNumber(u)
    case "boolean":
      return u ? "True" : "False"
    case "bigint":
      return u.toString()
    case "undefined":
      return "None"
  }
  if (u === null) return "None"
  if (typeof u !== "object") return String(u)
  if (Array.isArray(u)) return `[${u.map(repr).join(", ")}]`
  if (u instanceof Set) return u.size === 0 ? "set()" : `{${Array.from(u, repr).join(", ")}}`
  if (u instanceof Map) return `{${Array.from(u, ([k, v]) => `${repr(k)}: ${repr(v)}`).join(", ")}}`
  if (u instanceof Error) return `${errorName(u)}(${u.message === "" ? "" : reprString(u.message)})`
  if (Object.getPrototypeOf(u) === Object.prototype) {
    return `{${Object.entries(u)
      .map(([k, v]) => `${reprString(k)}: ${repr(v)}`)
      .join(", ")}}`
  }
  return String(u)
}

/** Python's `str()`: a string is itself, an exception is its message, anything else is its `repr()`. */
export const str = (u: unknown): string =>
  typeof u === "string" ? u : u instanceof Error ? u.message : repr(u)

/**
 * Python's `print(*args)`: each argument through `str()`, joined by one space, as one line on the current
 * `Console`.
 */
export const print = (...args: ReadonlyArray<unknown>): Effect.Effect<void> =>
  Console.log(args.map(str).join(" "))

/** Python's `time.time()`: seconds since the epoch, read from Effect's `Clock` (virtual under `TestClock`). */
export const now: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => ms / 1000)
