/**
 * A delay once read by `validate.delay` from a `Seconds` argument (the public type, defined in `Sleep.ts`).
 */
import * as Duration from "effect/Duration"

/** A delay once read (see `validate.delay`): zero or less, a finite duration, or unbounded. */
export type Delay =
  | { readonly _tag: "NonPositive" }
  | { readonly _tag: "Finite"; readonly duration: Duration.Duration }
  | { readonly _tag: "Infinite" }

export const nonPositive: Delay = { _tag: "NonPositive" }
export const infinite: Delay = { _tag: "Infinite" }

/** A delay in milliseconds, for deadlines measured on the clock: `Infinity` when unbounded, 0 for none. */
export const delayToMillis = (delay: Delay): number =>
  delay._tag === "Finite" ? Duration.toMillis(delay.duration) : delay._tag === "Infinite" ? Infinity : 0
