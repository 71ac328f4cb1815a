/**
 * N tasks consumed in completion order. Each task yields once (sleep(0)) and returns its index, so all N are
 * pending when consumption starts and finish in one burst.
 *
 * - ours: `asyncio.asCompleted(effects)`, then `yield*` each item
 * - effect: `Effect.forkChild` each task, which offers its value to an unbounded `Queue`; take N times
 * - promise: each task's promise pushes into a single-consumer async queue; `await` N takes
 * - python: `for f in asyncio.as_completed(coros): s += await f`
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type { Workload } from "../lib/types.ts"
import { AsyncQueue, effectsOf, immediate } from "./common.ts"

const yld = async (i: number): Promise<number> => {
  await immediate()
  return i
}

export const asCompleted: Workload = {
  name: "as-completed",
  title: "N tasks (yield once) consumed in completion order",
  impls: {
    ours: (n) => {
      const effects = effectsOf(n, (i) => asyncio.sleep(0, i))
      return Effect.gen(function* () {
        const it = yield* asyncio.asCompleted(effects)
        let s = 0
        for (const next of it) s += yield* next
        return s
      })
    },
    effect: (n) => {
      const effects = effectsOf(n, (i) => Effect.as(Effect.yieldNow, i))
      return Effect.gen(function* () {
        const queue = yield* Queue.unbounded<number>()
        for (let i = 0; i < n; i++) {
          yield* Effect.forkChild(Effect.flatMap(effects[i], (v) => Queue.offer(queue, v)))
        }
        let s = 0
        for (let i = 0; i < n; i++) s += yield* Queue.take(queue)
        return s
      })
    },
    promise: (n) => async () => {
      const queue = new AsyncQueue<number>()
      const put = (v: number): void => queue.put(v)
      for (let i = 0; i < n; i++) void yld(i).then(put)
      let s = 0
      for (let i = 0; i < n; i++) s += await queue.take()
      return s
    },
    python: "as_completed"
  }
}
