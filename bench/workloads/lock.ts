/**
 * N tasks through one `Lock`: N tasks are created up front; each holds the lock while it yields once and returns
 * its index; the results are summed. Every release wakes the next waiter, so this measures the waiter protocol
 * (park, wake, resume) once per task.
 *
 * - ours: `Lock.make()`, then `createTask(lock.withLock(sleep(0, i)))` N times, then `yield*` each task;
 * - effect: `forkChild` N fibers that yield once (no lock), `join` each: the cost of N live fibers, the floor of any
 *   "N tasks created up front" design (Effect's `Semaphore.make(1)` walks every waiter on each release, see
 *   `semaphore-effect`), so the × column is what the lock adds;
 * - promise: the p-limit style limiter with one slot;
 * - python: `async with lock: await asyncio.sleep(0)` in N coroutines, `gather`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { Workload } from "../lib/types.ts"
import { effectsOf, forkJoinSum } from "./common.ts"
import { limitedYields } from "./sync-common.ts"

const promise = limitedYields(1)

export const lock: Workload = {
  name: "lock",
  title:
    'N tasks, each holding one Lock while it yields once ("effect" = forkChild N fibers, no lock: the floor)',
  impls: {
    ours: (n) => {
      const sleeps = effectsOf(n, (i) => asyncio.sleep(0, i))
      return Effect.gen(function* () {
        const lock = yield* asyncio.Lock.make()
        const tasks = new Array<asyncio.Task<number>>(n)
        for (let i = 0; i < n; i++) tasks[i] = yield* asyncio.createTask(lock.withLock(sleeps[i]))
        let s = 0
        for (let i = 0; i < n; i++) s += yield* tasks[i]
        return s
      })
    },
    effect: (n) => forkJoinSum(effectsOf(n, (i) => Effect.as(Effect.yieldNow, i))),
    promise,
    python: "lock"
  },
  oursVariants: ["loop-scope"],
  // N live tasks through the lock against N live fibers without one, as semaphore-fibers (DESIGN.md: ≤ 1.5×).
  budget: 1.5
}
