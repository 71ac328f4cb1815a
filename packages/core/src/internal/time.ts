import * as Duration from "effect/Duration"
import { TypeError, ValueError } from "../Errors.ts"

/**
 * A delay or timeout as asyncio code writes it: a plain number is **seconds** (`sleep(0.5)`); Effect duration
 * values and strings (`Duration.millis(500)`, `"500 millis"`) are accepted too.
 */
export type Seconds = number | Exclude<Duration.Input, number | bigint>

/** The result of reading a delay: `undefined` means "no limit" (Python's `None`). */
export type Delay =
  | { readonly _tag: "NonPositive" }
  | { readonly _tag: "Finite"; readonly duration: Duration.Duration }
  | { readonly _tag: "Infinite" }

const nonPositive: Delay = { _tag: "NonPositive" }
const infinite: Delay = { _tag: "Infinite" }

/**
 * Reads a delay given in seconds or as an Effect duration. Throws {@link ValueError} for NaN (Python 3.13's
 * `sleep(nan)`) and {@link TypeError} for anything that is not a delay; callers turn the throw into a defect.
 */
export const readDelay = (delay: Seconds, what: string): Delay => {
  if (typeof delay === "number") {
    if (Number.isNaN(delay)) throw new ValueError(`${what}: the delay is NaN`)
    if (delay <= 0) return nonPositive
    if (delay === Number.POSITIVE_INFINITY) return infinite
    return { _tag: "Finite", duration: Duration.millis(delay * 1000) }
  }
  const duration = Duration.fromInput(delay as Duration.Input)
  if (duration._tag === "None") {
    throw new TypeError(`${what}: expected seconds (a number) or an Effect duration, got ${show(delay)}`)
  }
  const d = duration.value
  if (!Duration.isFinite(d)) return infinite
  if (Duration.toMillis(d) <= 0) return nonPositive
  return { _tag: "Finite", duration: d }
}

/** Seconds as a number, for deadlines measured on the clock. `Infinity` when unbounded. */
export const delayToMillis = (delay: Delay): number =>
  delay._tag === "Finite" ? Duration.toMillis(delay.duration) : delay._tag === "Infinite" ? Infinity : 0

/** A short rendering of any value for error messages. */
export const show = (u: unknown): string => {
  if (typeof u === "string") return JSON.stringify(u)
  if (typeof u === "function") return `function ${u.name || "(anonymous)"}`
  if (u === null || typeof u !== "object") return String(u)
  const name = u.constructor?.name
  return name && name !== "Object" ? `a ${name}` : Object.prototype.toString.call(u)
}
