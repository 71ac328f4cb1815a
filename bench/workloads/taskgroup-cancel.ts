/**
 * Cancel a TaskGroup of N blocked tasks (issue 3, section 7): start N tasks that block forever, each with a
 * finalizer that counts itself and adds its index; once all have started, cancel the group and wait until it has
 * returned. Timed: start + cancellation, until the group (or the baseline's parent) is done. The checksum is the
 * finalizers' sum of indices, and a repetition fails unless all N finalizers ran.
 *
 * Two workloads, because the harness has one raw Effect baseline per workload:
 * - `taskgroup-cancel`: "effect" = `Effect.forkChild` N children of a fiber, then `Fiber.interrupt` that fiber
 *   (its exit interrupts and awaits the children);
 * - `taskgroup-cancel-set`: "effect" = `FiberSet.run` N fibers (they start at once), then `FiberSet.clear`
 *   (interrupts and awaits them).
 *
 * - ours: `TaskGroup.run((tg) => …)`: `tg.createTask` N times, `sleep(0)` (the children start and block), then
 *   `tg.cancel()`; the group cancels its children and returns once every finalizer has run;
 * - promise: N async functions each awaiting a promise whose `reject` is kept in an array, `try … finally`;
 *   "cancel" = call every `reject`, then `Promise.allSettled`;
 * - python: `async with TaskGroup() as tg`: N tasks each awaiting its own never-set future in `try … finally`;
 *   the body yields once (`sleep(0)`) then raises, which cancels the children; the `ExceptionGroup` is caught.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import type { EffectPreparer, PromisePreparer, Workload } from "../lib/types.ts"
import { blockedForever, Finalized } from "./sync-common.ts"

const ours: EffectPreparer = (n) => {
  const fin = new Finalized()
  const blocked = blockedForever(n, fin)
  const group = asyncio.TaskGroup.run((tg) =>
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) yield* tg.createTask(blocked[i])
      yield* asyncio.sleep(0)
      yield* tg.cancel()
    })
  )
  return Effect.suspend(() => {
    fin.reset()
    return Effect.flatMap(group, () => fin.check(n))
  })
}

const promise: PromisePreparer = (n) => async () => {
  let count = 0
  let s = 0
  const cancels = new Array<(reason: Error) => void>(n)
  const blocked = async (i: number): Promise<void> => {
    try {
      await new Promise<never>((_, reject) => {
        cancels[i] = reject
      })
    } finally {
      count++
      s += i
    }
  }
  const tasks = new Array<Promise<void>>(n)
  for (let i = 0; i < n; i++) tasks[i] = blocked(i)
  const cancelled = new Error("cancelled")
  for (let i = 0; i < n; i++) cancels[i](cancelled)
  await Promise.allSettled(tasks)
  if (count !== n) throw new Error(`${count} of ${n} finalizers ran`)
  return s
}

export const taskgroupCancel: Workload = {
  name: "taskgroup-cancel",
  title:
    'start N blocked tasks in a TaskGroup, then cancel it ("effect" = forkChild N, interrupt the parent)',
  impls: {
    ours,
    effect: (n) => {
      const fin = new Finalized()
      const blocked = blockedForever(n, fin)
      // The parent forks N children (scheduled, not started), yields once so that every child starts and blocks
      // (as the TaskGroup body's sleep(0) does), then tells the main fiber, which interrupts it.
      const parent = (started: Deferred.Deferred<void>) =>
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* Effect.forkChild(blocked[i])
          yield* Effect.yieldNow
          yield* Deferred.succeed(started, undefined)
          return yield* Effect.never
        })
      return Effect.suspend(() => {
        fin.reset()
        return Effect.gen(function* () {
          const started = yield* Deferred.make<void>()
          const fiber = yield* Effect.forkChild(parent(started))
          yield* Deferred.await(started)
          yield* Fiber.interrupt(fiber)
          return yield* fin.check(n)
        })
      })
    },
    promise,
    python: "taskgroup_cancel"
  }
}

export const taskgroupCancelSet: Workload = {
  name: "taskgroup-cancel-set",
  title: 'start N blocked tasks in a TaskGroup, then cancel it ("effect" = FiberSet.run N, FiberSet.clear)',
  impls: {
    ours,
    effect: (n) => {
      const fin = new Finalized()
      const blocked = blockedForever(n, fin)
      return Effect.suspend(() => {
        fin.reset()
        return Effect.scoped(
          Effect.gen(function* () {
            const set = yield* FiberSet.make<never, never>()
            for (let i = 0; i < n; i++) yield* FiberSet.run(set, blocked[i])
            yield* FiberSet.clear(set)
            return yield* fin.check(n)
          })
        )
      })
    },
    promise
  },
  // Ours is the same program as in `taskgroup-cancel`; only the baseline differs.
  oursVariants: ["loop-scope"]
}
