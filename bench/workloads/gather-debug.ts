/**
 * gather of N trivial tasks in debug mode, against the same gather with debug mode off: what asyncio's debug mode
 * (`run(main, { debug: true })`, `EFFECT_ASYNCIO_DEBUG=1`, `PYTHONASYNCIODEBUG=1`) costs per task.
 *
 * - ours: N tasks created with `createTask(Effect.succeed(i))`, then `asyncio.gather(...tasks)`, inside `Debug.debug`
 *   (a debug session: the task registry with each `createTask`'s call site, step timing, the watch for exceptions
 *   never retrieved);
 * - effect (the baseline column, labelled "effect" by the harness): the same program with debug mode off;
 * - promise: `Promise.all` of N async calls, as in `gather`.
 *
 * The "× effect" column of this workload therefore reads "× debug off".
 */
import * as asyncio from "@effect-asyncio/core"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, sum } from "./common.ts"

/** `createTask` N times (each call site is captured in debug mode), then `gather` the tasks. */
const createThenGather = (n: number): Effect.Effect<number> => {
  const effects = effectsOf(n, (i) => Effect.succeed(i))
  return Effect.gen(function* () {
    const tasks = new Array<asyncio.Task<number>>(n)
    for (let i = 0; i < n; i++) tasks[i] = yield* asyncio.createTask(effects[i])
    return sum(yield* asyncio.gather(...tasks))
  })
}

const ret = async (i: number): Promise<number> => i

/** Warnings are counted, not printed (a gc between repetitions can be reported as a slow step). */
let warnings = 0
const onWarning = (): void => {
  warnings++
}

export const gatherDebug: Workload = {
  name: "gather-debug",
  title: 'createTask × N + gather, in debug mode ("effect" = the same, debug off)',
  impls: {
    ours: (n) => Debug.debug(createThenGather(n), { onWarning }),
    effect: (n) => asyncio.Loop.scoped(createThenGather(n)),
    promise: (n) => async () => {
      const promises = new Array<Promise<number>>(n)
      for (let i = 0; i < n; i++) promises[i] = ret(i)
      return sum(await Promise.all(promises)) + warnings * 0
    }
  },
  oursVariants: ["loop-scope"],
  // Its "effect" column is the same program with debug mode off: what debug mode costs, not a budget.
  budget: null
}
