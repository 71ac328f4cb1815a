/**
 * The text `run` writes to stderr: the report of a run that did not succeed, and the line for a leftover task
 * that raised while being cancelled at shutdown. Pure functions of the run's outcome, tested directly.
 */

import { inspect } from "node:util"
import { Defect } from "@effect-asyncio/core/Errors"
import * as Cause from "effect/Cause"
import type { MainResult, RunResult } from "./runner.ts"

const isRecord = (u: unknown): u is Record<PropertyKey, unknown> => typeof u === "object" && u !== null

/**
 * `Name: message` for an error value: the `_tag` of a tagged error (our Python names), else the `name` of an
 * `Error`, followed by its message; any other value is shown with `util.inspect`.
 */
export const describeError = (error: unknown): string => {
  try {
    if (isRecord(error)) {
      const tag = typeof error._tag === "string" ? error._tag : undefined
      const name = tag ?? (error instanceof Error ? error.name : undefined)
      if (name !== undefined) {
        const message = typeof error.message === "string" ? error.message : ""
        return message === "" ? name : `${name}: ${message}`
      }
    }
    return inspect(error, { depth: 4, breakLength: Number.POSITIVE_INFINITY })
  } catch {
    // a throwing getter or proxy trap: a report must not fail because of what it reports
    return "[unprintable value]"
  }
}

/** `Cause.pretty`, or the first error described when rendering the cause throws. */
const pretty = (cause: Cause.Cause<unknown>, error: unknown): string => {
  try {
    return Cause.pretty(cause).trimEnd()
  } catch {
    return describeError(error)
  }
}

const indent = (text: string, prefix = "  "): string =>
  text
    .split("\n")
    .map((line) => (line === "" ? line : prefix + line))
    .join("\n")

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
      const trace = pretty(result.cause, result.error)
      return `run: ${main} ${what} ${describeError(result.error)}\n${trace === "" ? "" : indent(trace) + "\n"}`
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
  const trace = pretty(defect ? Cause.die(value) : Cause.fail(value), value)
  return `run: unhandled ${what} during shutdown in task '${taskName}': ${describeError(value)}\n${indent(trace)}\n`
}
