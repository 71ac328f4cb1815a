/**
 * gather in a TaskGroup (issue 3, section 7): N tasks that return at once, created in a TaskGroup; the group
 * returns once all are done, then their results are summed.
 *
 * - ours: `TaskGroup.run((tg) => …)` creating N tasks of `Effect.succeed(i)`, returning the tasks; then
 *   `yield* task` each (done: no wait) and sum
 * - effect: `Effect.forkChild` each + `Fiber.join` each (as in `gather`)
 * - promise: `Promise.all` of N calls of an `async` function that returns at once
 * - python: `async with asyncio.TaskGroup() as tg: ts = [tg.create_task(ret(i)) for i in range(n)]`, then
 *   `sum(t.result() for t in ts)`
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, forkJoinSum, sum } from "./common.ts"

const ret = async (i: number): Promise<number> => i

export const taskgroupGather: Workload = {
  name: "taskgroup-gather",
  title: "N tasks that return at once, created in a TaskGroup, results summed",
  impls: {
    ours: (n) => {
      const effects = effectsOf(n, (i) => Effect.succeed(i))
      return Effect.gen(function* () {
        const tasks = yield* asyncio.TaskGroup.run((tg) =>
          Effect.gen(function* () {
            const tasks = new Array<asyncio.Task<number>>(n)
            for (let i = 0; i < n; i++) tasks[i] = yield* tg.createTask(effects[i])
            return tasks
          })
        )
        if (tasks === undefined) return yield* Effect.die(new Error("the TaskGroup was cancelled"))
        let s = 0
        for (let i = 0; i < n; i++) s += yield* tasks[i]
        return s
      })
    },
    effect: (n) => forkJoinSum(effectsOf(n, (i) => Effect.succeed(i))),
    promise: (n) => async () => {
      const promises = new Array<Promise<number>>(n)
      for (let i = 0; i < n; i++) promises[i] = ret(i)
      return sum(await Promise.all(promises))
    },
    python: "taskgroup_gather"
  }
}
