/**
 * How a fiber ended, in asyncio's terms: the mapping from an Effect `Exit` to Python's three outcomes (a result,
 * an exception, cancelled). Pure functions of the exit; the timeline, tracing and the scopes read exits through
 * them without depending on the task machinery.
 */
import type * as Cause from "effect/Cause"
import type * as Exit from "effect/Exit"
import { CancelledError, Defect } from "../Errors.ts"
import { reasonOf } from "./reason.ts"

/**
 * How a task ended, in asyncio's terms. A cause with any failure or defect is a failure, even if it also holds
 * interrupts: as in Python, a task that raised while being cancelled ends with that exception.
 */
export type Outcome<A, E> =
  | { readonly _tag: "Result"; readonly value: A }
  | { readonly _tag: "Exception"; readonly error: E | Defect }
  | { readonly _tag: "Cancelled"; readonly error: CancelledError }

/** The error value asyncio would report for a failed cause (first typed failure, else first defect). */
export const errorOf = <E>(cause: Cause.Cause<E>): E | Defect | undefined => {
  let defect: Cause.Die | undefined
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail") return reason.error
    if (reason._tag === "Die" && defect === undefined) defect = reason
  }
  return defect === undefined ? undefined : new Defect(defect.defect)
}

/**
 * The error of a failed exit if it holds a typed failure or a defect; `undefined` for a success or a pure
 * cancellation. Cheaper than {@link outcomeOf} on hot paths: builds no `CancelledError`.
 */
export const exceptionOf = <A, E>(exit: Exit.Exit<A, E>): E | Defect | undefined =>
  exit._tag === "Success" ? undefined : errorOf(exit.cause)

export const outcomeOf = <A, E>(exit: Exit.Exit<A, E>): Outcome<A, E> => {
  if (exit._tag === "Success") return { _tag: "Result", value: exit.value }
  const error = errorOf(exit.cause)
  if (error !== undefined) return { _tag: "Exception", error }
  return { _tag: "Cancelled", error: new CancelledError(reasonOf(exit.cause)) }
}

/** The value `gather(…, { returnExceptions: true })` puts in its list for one child. */
export const settledValue = <A, E>(exit: Exit.Exit<A, E>): A | E | Defect | CancelledError => {
  if (exit._tag === "Success") return exit.value
  const outcome = outcomeOf(exit)
  return outcome._tag === "Result" ? outcome.value : outcome.error
}
