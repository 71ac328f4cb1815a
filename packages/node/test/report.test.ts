/**
 * The text `run` writes to stderr (internal/report.ts) and the exit codes, for every kind of outcome.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import { KeyboardInterrupt } from "../src/Errors.ts"
import { describeError, formatReport, formatShutdownError } from "../src/internal/report.ts"
import { exitCodeOf, type RunResult } from "../src/internal/runner.ts"

const spam = new asyncio.ValueError("spam")

describe("describeError", () => {
  it("uses the tag of tagged errors, the name of other Errors, and inspect for anything else", () => {
    assert.strictEqual(describeError(spam), "ValueError: spam")
    assert.strictEqual(describeError(new RangeError("out")), "RangeError: out")
    assert.strictEqual(describeError({ _tag: "NotFound" }), "NotFound")
    assert.strictEqual(describeError({ _tag: "NotFound", message: "no user 7" }), "NotFound: no user 7")
    assert.strictEqual(describeError({ code: 7 }), "{ code: 7 }")
    assert.strictEqual(describeError("bad"), "'bad'")
    assert.strictEqual(describeError(undefined), "undefined")
  })
})

describe("formatReport", () => {
  it("success: no report, exit code 0", () => {
    const result: RunResult<number, never> = { _tag: "Success", value: 1, mainName: "main" }
    assert.isUndefined(formatReport(result))
    assert.strictEqual(exitCodeOf(result), 0)
  })

  it("RUN-02 failure: the main task, the error's tag and message, then the cause with its stack", () => {
    const result: RunResult<never, asyncio.ValueError> = {
      _tag: "Failure",
      error: spam,
      defect: false,
      cause: Cause.fail(spam),
      mainName: "main"
    }
    const report = formatReport(result)!
    const lines = report.split("\n")
    assert.strictEqual(lines[0], "run: main task 'main' raised ValueError: spam")
    assert.strictEqual(lines[1], "  ValueError: spam")
    assert.match(lines[2], /^ {6}at /)
    assert.isTrue(report.endsWith("\n"))
    assert.strictEqual(exitCodeOf(result), 1)
  })

  it("defect: says so", () => {
    const boom = new Error("boom")
    const report = formatReport({
      _tag: "Failure",
      error: boom,
      defect: true,
      cause: Cause.die(boom),
      mainName: "m"
    })
    assert.match(report!, /^run: main task 'm' died with a defect: Error: boom\n {2}Error: boom\n/)
  })

  it("cancelled by code: CancelledError with its message and the reason", () => {
    const error = new asyncio.CancelledError({
      kind: "cancel",
      message: "stop",
      detail: "main was cancelled by T"
    })
    const result: RunResult<never, never> = { _tag: "Cancelled", error, mainName: "main" }
    assert.strictEqual(
      formatReport(result),
      "run: main task 'main' ended with CancelledError: stop\n  reason: cancel (main was cancelled by T)\n"
    )
    assert.strictEqual(exitCodeOf(result), 1)
  })

  it("signal: KeyboardInterrupt naming the signal; exit codes 130 / 143", () => {
    const sigint: RunResult<never, never> = {
      _tag: "Interrupted",
      error: new KeyboardInterrupt("SIGINT"),
      mainName: "main",
      after: undefined
    }
    assert.strictEqual(
      formatReport(sigint),
      "run: KeyboardInterrupt (SIGINT): main task 'main' was cancelled; clean-up completed\n"
    )
    assert.strictEqual(exitCodeOf(sigint), 130)
    const sigterm = { ...sigint, error: new KeyboardInterrupt("SIGTERM") }
    assert.strictEqual(exitCodeOf(sigterm), 143)
  })

  it("forced by a second signal, and a signal after main had ended", () => {
    assert.strictEqual(
      formatReport({
        _tag: "Interrupted",
        error: new KeyboardInterrupt("SIGINT", true),
        mainName: "m",
        after: undefined
      }),
      "run: KeyboardInterrupt (SIGINT): received a second signal during shutdown; exiting without waiting for clean-up\n"
    )
    assert.strictEqual(
      formatReport({
        _tag: "Interrupted",
        error: new KeyboardInterrupt("SIGTERM"),
        mainName: "m",
        after: { _tag: "Failure", error: spam, defect: false, cause: Cause.fail(spam), mainName: "m" }
      }),
      "run: KeyboardInterrupt (SIGTERM): received during shutdown, after main task 'm' raised ValueError: spam; " +
        "clean-up completed\n"
    )
  })
})

describe("KeyboardInterrupt", () => {
  it("is a tagged error with the signal, the forced flag and the exit code", () => {
    const error = new KeyboardInterrupt("SIGTERM", true)
    assert.strictEqual(error._tag, "KeyboardInterrupt")
    assert.strictEqual(error.signal, "SIGTERM")
    assert.isTrue(error.forced)
    assert.strictEqual(error.exitCode, 143)
    assert.strictEqual(error.message, "received SIGTERM again during shutdown")
    assert.instanceOf(error, Error)
  })
})

describe("formatShutdownError", () => {
  it("names the task and the error; unwraps Defect", () => {
    const text = formatShutdownError("noisy", spam)
    assert.match(
      text,
      /^run: unhandled exception during shutdown in task 'noisy': ValueError: spam\n {2}ValueError: spam\n/
    )
    const defect = formatShutdownError("t", new asyncio.Defect(new Error("boom")))
    assert.match(defect, /^run: unhandled defect during shutdown in task 't': Error: boom\n/)
  })
})
