/**
 * `Runner` (issue 13, item 5): asyncio's `asyncio.Runner` — one loop scope across several `run` calls, `getLoop()`
 * from outside any fiber, `close()`. RNR cases derive from CPython's `test_runners.py` (`RunnerTests`);
 * docs/conformance.md lists them. In process, with programs that only yield (no timers); signals during a `run` are
 * tested on a real process (e2e.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Runner from "../src/Runner.ts"

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error
  )

describe("RNR — Runner", () => {
  it("RNR-01 run returns main's value; after close the loop is closed and getLoop is a RuntimeError ('Runner is closed')", async () => {
    const runner = Runner.make({ name: "runner-loop" })
    const value = await runner.run(Effect.andThen(asyncio.sleep(0), Effect.succeed("done")))
    const loop = runner.getLoop()
    await runner.close()
    assert.strictEqual(value, "done")
    assert.strictEqual(loop.name, "runner-loop")
    assert.isTrue(loop.isClosed())
    let error: unknown
    try {
      runner.getLoop()
    } catch (thrown) {
      error = thrown
    }
    assert.instanceOf(error, asyncio.RuntimeError)
    assert.include((error as asyncio.RuntimeError).message, "Runner is closed")
  })

  it("RNR-02 run of something that is not an Effect rejects with a TypeError; a failing main rejects with its error", async () => {
    const runner = Runner.make()
    const notAnEffect = await rejection(runner.run(123 as never))
    const boom = new Error("boom")
    const failed = await rejection(runner.run(Effect.fail(boom)))
    const died = await rejection(runner.run(Effect.die(boom)))
    await runner.close()
    assert.instanceOf(notAnEffect, asyncio.TypeError)
    assert.include(
      (notAnEffect as asyncio.TypeError).message,
      "Runner.run: an Effect that is not a task or a future was expected, got 123"
    )
    assert.strictEqual(failed, boom)
    assert.strictEqual(died, boom)
  })

  it("RNR-03 close() of a runner that never started, and a second close(), do nothing more", async () => {
    const idle = Runner.make()
    await idle.close()
    const runner = Runner.make()
    const loop = runner.getLoop()
    await runner.close()
    await runner.close()
    assert.isTrue(loop.isClosed())
  })

  it("RNR-04 run after close rejects with a RuntimeError and does not run main", async () => {
    const ran: Array<number> = []
    const runner = Runner.make()
    await runner.run(Effect.sync(() => ran.push(1)))
    await runner.close()
    const error = await rejection(runner.run(Effect.sync(() => ran.push(2))))
    assert.instanceOf(error, asyncio.RuntimeError)
    assert.include((error as asyncio.RuntimeError).message, "Runner is closed")
    assert.deepStrictEqual(ran, [1])
  })

  it("RNR-05 one loop across runs: a task created by the first run lives on into the second; close cancels what is left (reason shutdown)", async () => {
    const runner = Runner.make()
    const [background, leftover] = await runner.run(
      Effect.all([
        asyncio.createTask(Effect.andThen(asyncio.sleep(0), Effect.succeed("background"))),
        asyncio.createTask(Effect.never, { name: "leftover" })
      ])
    )
    const value = await runner.run(Effect.suspend(() => background))
    const listed = await runner.run(Effect.map(asyncio.allTasks, (tasks) => [...tasks].map((t) => t.name)))
    await runner.close()
    const reason = await Effect.runPromise(
      Effect.match(leftover.exception(), {
        onFailure: (error) => (error._tag === "CancelledError" ? error.reason.kind : error._tag),
        onSuccess: () => "not cancelled"
      })
    )
    assert.strictEqual(value, "background")
    assert.includeMembers(listed, ["leftover"])
    assert.strictEqual(reason, "shutdown")
  })

  it("RNR-06 run inside a run (or from any fiber) rejects: 'Runner.run() cannot be called from a running event loop'", async () => {
    const runner = Runner.make()
    const inner = await runner.run(Effect.promise(() => rejection(runner.run(Effect.void))))
    await runner.close()
    assert.instanceOf(inner, asyncio.RuntimeError)
    assert.include(
      (inner as asyncio.RuntimeError).message,
      "Runner.run() cannot be called from a running event loop"
    )
  })

  it("RNR-07 the loop drives from outside: getLoop().callSoon before run, runForever ended by stop(); close during a run is a RuntimeError", async () => {
    const runner = Runner.make()
    const loop = runner.getLoop()
    const log: Array<string> = []
    loop.callSoon(() => {
      log.push("callback ran")
      loop.stop()
    })
    const forever = runner.run(loop.runForever())
    const closing = await rejection(runner.close())
    await forever
    const created = loop.createTask(Effect.succeed(7))
    const seven = await runner.run(Effect.suspend(() => created))
    await runner.close()
    assert.deepStrictEqual(log, ["callback ran"])
    assert.instanceOf(closing, asyncio.RuntimeError)
    assert.strictEqual(seven, 7)
  })

  it("RNR-09 run of a task or a future rejects with a TypeError naming runUntilComplete; runUntilComplete awaits it as it is (a future set by a loop callback, a task made before anything ran)", async () => {
    const runner = Runner.make()
    const loop = runner.getLoop()
    const future = loop.createFuture<string>()
    const refused = await rejection(runner.run(future))
    loop.callSoon(() => future.setResult("set by a callback"))
    const fromFuture = await runner.runUntilComplete(future)
    const task = loop.createTask(Effect.andThen(asyncio.sleep(0), Effect.succeed("made before")), {
      name: "early"
    })
    const fromTask = await runner.runUntilComplete(task)
    const viaEffect = await runner.runUntilComplete(Effect.map(asyncio.currentTask, (task) => task?.name))
    const badInput = await rejection(runner.runUntilComplete(42 as never))
    await runner.close()
    assert.instanceOf(refused, asyncio.TypeError)
    assert.include((refused as asyncio.TypeError).message, "a coroutine was expected")
    assert.include((refused as asyncio.TypeError).message, "runUntilComplete")
    assert.strictEqual(fromFuture, "set by a callback")
    assert.strictEqual(fromTask, "made before")
    assert.match(viaEffect ?? "", /^Task-\d+$/)
    assert.instanceOf(badInput, asyncio.TypeError)
    assert.include(
      (badInput as asyncio.TypeError).message,
      "Runner.runUntilComplete: an Effect, a task or a future was expected, got 42"
    )
  })

  it("RNR-10 close cancels the tasks left by the runs; one that raises while cancelled goes to the loop's exception handler ('unhandled exception during loop shutdown', task, exception)", async () => {
    const runner = Runner.make()
    const loop = runner.getLoop()
    const contexts: Array<asyncio.EventLoop.ExceptionContext> = []
    loop.setExceptionHandler((_loop, context) => {
      contexts.push(context)
    })
    const boom = new Error("1 / 0")
    const [quiet, raising] = await runner.run(
      Effect.all([
        asyncio.createTask(asyncio.sleep(0.1), { name: "quiet" }),
        asyncio.createTask(asyncio.sleep(0.1).pipe(Effect.onInterrupt(() => Effect.die(boom))), {
          name: "raising"
        })
      ])
    )
    const value = await runner.run(Effect.succeed(123))
    await runner.close()
    const states = await Effect.runPromise(Effect.all([quiet.cancelled(), raising.done()]))
    assert.strictEqual(value, 123)
    assert.deepStrictEqual(states, [true, true])
    assert.strictEqual(contexts.length, 1)
    assert.strictEqual(contexts[0].message, "unhandled exception during loop shutdown")
    assert.strictEqual(contexts[0].task, raising)
    // A defect is handed over as asyncio's exception is, wrapped as task.exception() gives it.
    assert.instanceOf(contexts[0].exception, asyncio.Defect)
    assert.strictEqual((contexts[0].exception as asyncio.Defect).defect, boom)
  })
})
