/**
 * gather of N tasks that yield once.
 *
 * - ours: `asyncio.gather(...effects)` of N `asyncio.sleep(0, i)` (sleep(0) is `Effect.yieldNow`)
 * - effect: `Effect.forkChild` of `Effect.as(Effect.yieldNow, i)` each + `Fiber.join` each
 * - promise: `Promise.all` of N async calls that each await a `setImmediate` promise
 * - python: `await asyncio.gather(*[yld(i) for i in range(n)])`, `yld` awaiting `asyncio.sleep(0)`
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, forkJoinSum, immediate, sum } from "./common.ts"

const yld = async (i: number): Promise<number> => {
  await immediate()
  return i
}

export const gatherSleep0: Workload = {
  name: "gather-sleep0",
  title: "gather of N tasks that yield once (sleep(0))",
  impls: {
    ours: (n) => {
      const effects = effectsOf(n, (i) => asyncio.sleep(0, i))
      return Effect.map(asyncio.gather(...effects), sum)
    },
    effect: (n) => forkJoinSum(effectsOf(n, (i) => Effect.as(Effect.yieldNow, i))),
    promise: (n) => async () => {
      const promises = new Array<Promise<number>>(n)
      for (let i = 0; i < n; i++) promises[i] = yld(i)
      return sum(await Promise.all(promises))
    },
    python: "gather_sleep0"
  }
}
