/**
 * The Node glue of `run` (src/Run.ts), in-process: what it resolves and rejects with, its guards, and that it
 * leaves the process as it found it (listeners, exit code). Signals, exit codes and the stderr report are tested
 * on real processes in e2e.test.ts; the run logic on virtual time in runner.test.ts.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { type RunOptions, run } from "../src/index.ts"

const listeners = () => [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]

/** What `promise` settled with, as a value. */
const settled = <A>(promise: Promise<A>): Promise<{ readonly ok: boolean; readonly value: unknown }> =>
  promise.then(
    (value) => ({ ok: true, value }),
    (value: unknown) => ({ ok: false, value })
  )

describe("run (in-process)", () => {
  it("RUN-01 resolves with main's value and removes its signal listeners", async () => {
    const before = listeners()
    const promise = run(asyncio.sleep(0, 42), { exit: false })
    assert.deepStrictEqual(listeners(), [before[0] + 1, before[1] + 1], "listening while running")
    assert.strictEqual(await promise, 42)
    assert.deepStrictEqual(listeners(), before)
  })

  it("RUN-02 rejects with main's typed error; with exit: false the exit code is left alone", async () => {
    const exitCode = process.exitCode
    const spam = new asyncio.ValueError("spam")
    const outcome = await settled(run(Effect.andThen(asyncio.sleep(0), Effect.fail(spam)), { exit: false }))
    assert.deepStrictEqual(outcome, { ok: false, value: spam })
    assert.strictEqual(process.exitCode, exitCode)
  })

  it("rejects with the defect itself for a defect", async () => {
    const boom = new Error("boom")
    assert.deepStrictEqual(await settled(run(Effect.die(boom), { exit: false })), { ok: false, value: boom })
  })

  it("rejects with CancelledError (carrying the reason) when main is cancelled by code", async () => {
    const main = Effect.gen(function* () {
      const me = (yield* asyncio.currentTask)!
      yield* me.cancel("enough")
      return yield* Effect.never
    })
    const outcome = await settled(run(main, { exit: false }))
    assert.isFalse(outcome.ok)
    assert.instanceOf(outcome.value, asyncio.CancelledError)
    if (outcome.value instanceof asyncio.CancelledError) {
      assert.strictEqual(outcome.value.cancelMessage, "enough")
      assert.strictEqual(outcome.value.reason.kind, "cancel")
    }
  })

  it("RUN-05 leftover tasks are cancelled and done when the promise resolves", async () => {
    let leftover: asyncio.Task<never> | undefined
    const main = Effect.gen(function* () {
      leftover = yield* asyncio.createTask(Effect.never, { name: "leftover" })
      yield* asyncio.sleep(0)
      return 123
    })
    assert.strictEqual(await run(main, { exit: false }), 123)
    assert.isTrue(Effect.runSync(leftover!.cancelled()))
  })

  it.effect("RUN-04 run() inside a running fiber rejects with RuntimeError", () =>
    Effect.gen(function* () {
      const before = listeners()
      const outcome = yield* Effect.promise(() => settled(run(Effect.succeed(1))))
      assert.isFalse(outcome.ok)
      assert.instanceOf(outcome.value, asyncio.RuntimeError)
      if (outcome.value instanceof asyncio.RuntimeError) {
        assert.strictEqual(outcome.value.message, "run() cannot be called from a running event loop")
      }
      assert.deepStrictEqual(listeners(), before, "nothing was installed")
    })
  )

  it("bad options are refused before anything starts: a misspelt key named, slowCallbackDuration NaN, threads", async () => {
    const before = listeners()
    const cases: ReadonlyArray<
      readonly [unknown, typeof asyncio.TypeError | typeof asyncio.ValueError, string]
    > = [
      [{ debgu: true }, asyncio.TypeError, 'run: unknown option "debgu" (did you mean "debug"?)'],
      [
        { slowCallbackDuration: Number.NaN },
        asyncio.ValueError,
        "run: slowCallbackDuration must be a number of seconds >= 0, got NaN"
      ],
      [{ exit: "no" }, asyncio.TypeError, 'run: exit must be a boolean, got "no"'],
      [{ threads: 4 }, asyncio.TypeError, "run: threads must be the options of a ThreadPool, got 4"],
      [
        { threads: { shutdownTimeout: "x" } },
        asyncio.TypeError,
        'run (threads): shutdownTimeout must be a number of seconds >= 0, got "x"'
      ]
    ]
    for (const [options, kind, message] of cases) {
      const outcome = await settled(run(Effect.succeed(1), options as RunOptions))
      assert.isFalse(outcome.ok)
      assert.isTrue(outcome.value instanceof kind, `expected a ${kind.name}, got ${String(outcome.value)}`)
      assert.include((outcome.value as Error).message, message)
    }
    assert.deepStrictEqual(listeners(), before, "nothing was installed")
  })

  it("RUN-04 run() while another run is in progress rejects with RuntimeError; the first one is unaffected", async () => {
    let inner: { readonly ok: boolean; readonly value: unknown } | undefined
    const first = run(asyncio.sleep(0, "first"), { exit: false })
    inner = await settled(run(Effect.succeed("second"), { exit: false }))
    assert.isFalse(inner.ok)
    assert.instanceOf(inner.value, asyncio.RuntimeError)
    assert.strictEqual(await first, "first")
    inner = await settled(run(Effect.succeed("third"), { exit: false }))
    assert.deepStrictEqual(inner, { ok: true, value: "third" }, "a run can start once the previous one ended")
  })

  it("a main that is not an Effect rejects with TypeError", async () => {
    const outcome = await settled(run(42 as never, { exit: false }))
    assert.isFalse(outcome.ok)
    assert.instanceOf(outcome.value, asyncio.TypeError)
  })

  it("with exit: true (the default) the rejection is pre-handled and the exit code set", async () => {
    // stderr is captured and the exit code restored afterwards, so the test process is not marked as failed.
    const exitCode = process.exitCode
    const write = process.stderr.write
    const written: Array<string> = []
    process.stderr.write = (chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    }
    try {
      const outcome = await settled(run(Effect.fail("bad"), { mainName: "main" }))
      assert.deepStrictEqual(outcome, { ok: false, value: "bad" })
      assert.strictEqual(process.exitCode, 1)
      assert.match(written.join(""), /^run: main task 'main' raised 'bad'\n/)
    } finally {
      process.stderr.write = write
      process.exitCode = exitCode
    }
  })
})
