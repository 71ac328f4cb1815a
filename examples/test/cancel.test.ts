/** The cancellation helpers of the examples (`src/shared/cancel.ts`). */
import { describe, expect, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import { runVirtual } from "@effect-asyncio/core/Testing"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { awaitOrCancelled, cancelReason, showReason } from "../src/shared/cancel.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

const loop = <A, E>(main: Effect.Effect<A, E>) =>
  runVirtual(asyncio.Loop.scoped(main, { mainName: "main" }), { limit: 60 })

describe("awaitOrCancelled", () => {
  it.effect("turns the task's cancellation into a CancelledError with the message and the reason", () =>
    Effect.gen(function* () {
      const { exit } = yield* loop(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(asyncio.sleep(10), { name: "t" })
          yield* asyncio.sleep(1)
          yield* task.cancel("stop")
          return yield* Effect.flip(awaitOrCancelled(task))
        })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      if (!Exit.isSuccess(exit)) return
      expect(exit.value._tag).toBe("CancelledError")
      if (exit.value._tag !== "CancelledError") return
      expect(exit.value.cancelMessage).toBe("stop")
      expect(exit.value.reason).toEqual({
        kind: "cancel",
        message: "stop",
        detail: "t was cancelled by main"
      })
    })
  )

  it.effect("passes the task's value and typed error through", () =>
    Effect.gen(function* () {
      const { exit } = yield* loop(
        Effect.gen(function* () {
          const ok = yield* asyncio.createTask(asyncio.sleep(1, "ok"))
          const bad = yield* asyncio.createTask(Effect.fail(new Boom({ message: "no" })))
          return [yield* awaitOrCancelled(ok), yield* Effect.flip(awaitOrCancelled(bad))] as const
        })
      )
      expect(Exit.isSuccess(exit) && exit.value[0]).toBe("ok")
      expect(Exit.isSuccess(exit) && exit.value[1]._tag).toBe("Boom")
    })
  )

  it.effect("does not convert a cancellation of the awaiter: it stays cancelled and cancels the task", () =>
    Effect.gen(function* () {
      const { exit } = yield* loop(
        Effect.gen(function* () {
          const inner = yield* asyncio.createTask(asyncio.sleep(10), { name: "inner" })
          const outer = yield* asyncio.createTask(
            awaitOrCancelled(inner).pipe(Effect.catchTag("CancelledError", () => Effect.succeed("caught"))),
            { name: "outer" }
          )
          yield* asyncio.sleep(1)
          yield* outer.cancel("bye")
          const outerExit = yield* Effect.exit(outer)
          return {
            outerInterrupted: Exit.isFailure(outerExit) && Cause.hasInterruptsOnly(outerExit.cause),
            inner: yield* cancelReason(inner)
          }
        })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      if (!Exit.isSuccess(exit)) return
      expect(exit.value.outerInterrupted).toBe(true)
      expect(exit.value.inner?.kind).toBe("cancel")
      expect(exit.value.inner?.message).toBe("bye")
    })
  )
})

describe("cancelReason / showReason", () => {
  it.effect("undefined for a task that was not cancelled", () =>
    Effect.gen(function* () {
      const { exit } = yield* loop(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(asyncio.sleep(1, 1))
          yield* task
          return yield* cancelReason(task)
        })
      )
      expect(Exit.isSuccess(exit) && exit.value).toBeUndefined()
    })
  )

  it("prints the kind, the message when there is one, and the detail unless asked not to", () => {
    expect(showReason({ kind: "cancel", message: "stop", detail: "t was cancelled by main" })).toBe(
      "kind='cancel', message='stop', detail='t was cancelled by main'"
    )
    expect(
      showReason({ kind: "shutdown", detail: "the loop scope loop-2 was shutting down" }, { detail: false })
    ).toBe("kind='shutdown'")
  })
})
