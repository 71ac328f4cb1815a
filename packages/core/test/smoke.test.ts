import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { runVirtual } from "./utils/virtual.ts"

describe("smoke", () => {
  it.effect("gather with Starting/Finished order", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const fetch = (name: string, d: number) =>
        Effect.gen(function* () {
          log.push(`Starting ${name}`)
          yield* asyncio.sleep(d)
          log.push(`Finished ${name}`)
          return `${name} result`
        })
      const main = Effect.gen(function* () {
        const t1 = yield* asyncio.createTask(fetch("Task1", 3))
        const t2 = yield* asyncio.createTask(fetch("Task2", 1))
        const t3 = yield* asyncio.createTask(fetch("Task3", 2))
        return yield* asyncio.gather(t1, t2, t3)
      })
      const { exit, elapsed } = yield* runVirtual(asyncio.Loop.scoped(main))
      assert.strictEqual(elapsed, 3)
      const r = yield* exit
      assert.deepStrictEqual(r, ["Task1 result", "Task2 result", "Task3 result"])
      assert.deepStrictEqual(log, [
        "Starting Task1",
        "Starting Task2",
        "Starting Task3",
        "Finished Task2",
        "Finished Task3",
        "Finished Task1"
      ])
    })
  )
  it.effect("cancel message travels", () =>
    Effect.gen(function* () {
      const t = yield* asyncio.createTask(asyncio.sleep(10))
      yield* Effect.yieldNow
      assert.isTrue(yield* t.cancel("bye"))
      const exit = yield* Effect.exit(t.result())
      assert.isTrue(Exit.isFailure(exit))
      const err = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
      console.log(err)
      const e2 = yield* Effect.exit(Effect.asVoid(t))
      console.log(e2)
      const ex = yield* Effect.exit(t.exception())
      console.log(ex, t.name, String(t))
    })
  )
})
