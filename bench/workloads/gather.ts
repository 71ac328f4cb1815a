/**
 * gather of N tasks that return at once.
 *
 * - ours: `asyncio.gather(...effects)` of N `Effect.succeed(i)`
 * - effect: `Effect.forkChild` each + `Fiber.join` each
 * - promise: `Promise.all` of N calls of an `async` function that returns at once
 * - python: `await asyncio.gather(*[ret(i) for i in range(n)])`
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, forkJoinSum, sum } from "./common.ts"

const ret = async (i: number): Promise<number> => i

export const gather: Workload = {
  name: "gather",
  title: "gather of N tasks that return at once",
  impls: {
    ours: (n) => {
      const effects = effectsOf(n, (i) => Effect.succeed(i))
      return Effect.map(asyncio.gather(...effects), sum)
    },
    effect: (n) => forkJoinSum(effectsOf(n, (i) => Effect.succeed(i))),
    promise: (n) => async () => {
      const promises = new Array<Promise<number>>(n)
      for (let i = 0; i < n; i++) promises[i] = ret(i)
      return sum(await Promise.all(promises))
    },
    python: "gather"
  }
}
