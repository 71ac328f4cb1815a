/**
 * The text `run` writes to stderr: the report of a run that did not succeed, and the line for a leftover task
 * that raised while being cancelled at shutdown. Pure functions of the run's outcome, tested directly.
 */

import { inspect } from "node:util"
import { Defect } from "@effect-asyncio/core/Errors"
import * as Format from "@effect-asyncio/core/Format"
import * as Cause from "effect/Cause"
import type { MainResult, RunResult } from "./runner.ts"

/** Any value that is not an error, as Python's `repr` would show it (`'bad'`, `{ code: 7 }`). */
const inspectValue = (u: unknown): string => inspect(u, { depth: 4, breakLength: Number.POSITIVE_INFINITY })

/**
 * `Name: message` for an error value (core's `Format.describeError`); any other value is shown with `util.inspect`.
 */
export const describeError = (error: unknown): string => Format.describeError(error, inspectValue)

/** `Cause.pretty`, without its trailing newline (each error described when rendering the cause throws). */
const pretty = (cause: Cause.Cause<unknown>): string => Format.prettyCause(cause).trimEnd()

const describeMain = (result: MainResult<unknown, unknown>): string => {
  switch (result._tag) {
    case "Success":
      return "returned"
    case "Failure":
      return `raised ${describeError(result.error)}`
    case "Cancelled":
      return `was cancelled (${result.error.reason.kind}: ${result.error.message})`
  }
}

/**
 * The report of a run that did not succeed, or `undefined` for a success. It names the main task, the error
 * (tag or name, and message) and, for a failure, the cause (`Cause.pretty`: every error with its stack); for a
 * cancellation, the reason; for a signal, which one and what happened to the clean-up.
 */
export const formatReport = (result: RunResult<unknown, unknown>): string | undefined => {
  const main = `main task '${result.mainName}'`
  switch (result._tag) {
    case "Success":
      return undefined
    case "Failure": {
      const what = result.defect ? "died with a defect:" : "raised"
      const trace = pretty(result.cause)
      return `run: ${main} ${what} ${describeError(result.error)}\n${trace === "" ? "" : Format.indent(trace) + "\n"}`
    }
    case "Cancelled": {
      const { reason } = result.error
      return (
        `run: ${main} ended with CancelledError: ${result.error.message}\n` +
        `  reason: ${reason.kind} (${reason.detail})\n`
      )
    }
    case "Interrupted": {
      const { error, after } = result
      const head = `run: KeyboardInterrupt (${error.signal}): `
      if (error.forced) {
        return `${head}received a second signal during shutdown; exiting without waiting for clean-up\n`
      }
      if (after !== undefined) {
        return `${head}received during shutdown, after ${main} ${describeMain(after)}; clean-up completed\n`
      }
      return `${head}${main} was cancelled; clean-up completed\n`
    }
  }
}

/** The line for a leftover task that raised while being cancelled at shutdown (asyncio logs the same). */
export const formatShutdownError = (taskName: string, error: unknown): string => {
  const defect = error instanceof Defect
  const value = defect ? error.defect : error
  const what = defect ? "defect" : "exception"
  const trace = pretty(defect ? Cause.die(value) : Cause.fail(value))
  return `run: unhandled ${what} during shutdown in task '${taskName}': ${describeError(value)}\n${Format.indent(trace)}\n`
}
