/**
 * N tasks through a `Semaphore(100)` (issue 4, section 3): N tasks are created up front; each holds a permit
 * while it yields once and returns its index; the results are summed.
 *
 * - ours: `Semaphore.make(100)`, then `createTask(sem.withPermit(sleep(0, i)))` N times, then `yield*` each task.
 *   N tasks are alive at once, N − 100 of them queued on the semaphore (O(1) acquire and release, FIFO);
 * - promise: a p-limit style limiter (FIFO, slot handed to the next waiter) around N async calls that each await
 *   a `setImmediate` promise; `Promise.all`;
 * - python: `async with sem: await asyncio.sleep(0)` in N coroutines, `gather`.
 *
 * Three workloads, because the harness has one raw Effect baseline per workload; ours is the same program in all
 * three (its variants run once, in `semaphore`):
 * - `semaphore`: "effect" = `Effect.forEach(items, f, { concurrency: 100 })`, f = yield once and return `i`.
 *   Only 100 fibers are ever alive, and no task is created for a waiting item: the issue's target (ours within
 *   1.5× at 1M) compares N live tasks with 100 workers;
 * - `semaphore-fibers`: "effect" = `forkChild` N fibers that yield once (no semaphore), `join` each: the cost of
 *   N live fibers, the floor of any "N tasks created up front" design, so its × column is what our semaphore adds;
 * - `semaphore-park`: "effect" = `forkChild` N fibers through the least a FIFO semaphore can be in raw Effect — a
 *   counter and an array of `Effect.callback` resumes, no cancellation, the next waiter resumed inline — `join`
 *   each: the floor of N fibers that each park once (issue 16), which `semaphore-fibers`' baseline does not pay;
 * - `semaphore-effect`: "effect" = `forkChild` N fibers, each `Semaphore.withPermit` of **Effect's own**
 *   `Semaphore` (effect/Semaphore), `join` each. Its release walks every waiter (quadratic in N), so this workload
 *   runs only at N ≤ 30k: requested sizes above 30k are replaced by 30k.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as EffectSemaphore from "effect/Semaphore"
import type { EffectPreparer, Workload } from "../lib/types.ts"
import { effectsOf, forkJoinSum, sum } from "./common.ts"
import { limitedYields } from "./sync-common.ts"

const PERMITS = 100

/** Effect's Semaphore is quadratic in the number of waiters: sizes above this are replaced by it. */
const EFFECT_SEMAPHORE_MAX_N = 30_000

const yieldsOnce = (n: number): Array<Effect.Effect<number>> =>
  effectsOf(n, (i) => Effect.as(Effect.yieldNow, i))

const ours: EffectPreparer = (n) => {
  const sleeps = effectsOf(n, (i) => asyncio.sleep(0, i))
  return Effect.gen(function* () {
    const sem = yield* asyncio.Semaphore.make(PERMITS)
    const tasks = new Array<asyncio.Task<number>>(n)
    for (let i = 0; i < n; i++) tasks[i] = yield* asyncio.createTask(sem.withPermit(sleeps[i]))
    let s = 0
    for (let i = 0; i < n; i++) s += yield* tasks[i]
    return s
  })
}

const promise = limitedYields(PERMITS)

export const semaphore: Workload = {
  name: "semaphore",
  title:
    'N tasks, each holding a Semaphore(100) permit while it yields once ("effect" = forEach, concurrency 100)',
  impls: {
    ours,
    effect: (n) => {
      const effects = yieldsOnce(n)
      const items = Array.from({ length: n }, (_, i) => i)
      return Effect.map(
        Effect.forEach(items, (i) => effects[i], { concurrency: PERMITS }),
        sum
      )
    },
    promise,
    python: "semaphore"
  },
  // 100 workers against N live tasks: not like for like (semaphore-fibers is; issue 16 asks only "no slower").
  budget: null
}

export const semaphoreFibers: Workload = {
  name: "semaphore-fibers",
  title:
    'N tasks through Semaphore(100), yield once ("effect" = forkChild N fibers, no semaphore: the floor)',
  impls: {
    ours,
    effect: (n) => forkJoinSum(yieldsOnce(n)),
    promise
  },
  oursVariants: ["loop-scope"],
  // N live tasks through the semaphore within 1.5× of N live fibers without one (issue 16).
  budget: 1.5
}

/**
 * A FIFO semaphore reduced to what any waiter costs in raw Effect: a counter, an array of the parked fibers'
 * `Effect.callback` resumes, and a release that resumes the oldest inline. No cancellation (an interrupted waiter
 * would keep its place), no scheduled turn: cheaper than any correct semaphore.
 */
const minimalWithPermit = (permits: number) => {
  let free = permits
  const waiters: Array<((effect: Effect.Effect<void>) => void) | undefined> = []
  let head = 0
  const acquire = Effect.callback<void>((resume) => {
    if (free > 0) {
      free--
      resume(Effect.void)
    } else waiters.push(resume)
  })
  const release = Effect.sync(() => {
    if (head < waiters.length) {
      const resume = waiters[head]!
      waiters[head++] = undefined
      resume(Effect.void)
    } else free++
  })
  return <A>(effect: Effect.Effect<A>): Effect.Effect<A> =>
    Effect.ensuring(Effect.andThen(acquire, effect), release)
}

export const semaphorePark: Workload = {
  name: "semaphore-park",
  title:
    'N tasks through Semaphore(100), yield once ("effect" = forkChild N fibers through a minimal FIFO of callbacks)',
  impls: {
    ours,
    effect: (n) => {
      const effects = yieldsOnce(n)
      return Effect.suspend(() => {
        const withPermit = minimalWithPermit(PERMITS)
        return forkJoinSum(effects.map(withPermit))
      })
    },
    promise
  },
  oursVariants: ["loop-scope"],
  // Like for like: N live fibers that each wait once in FIFO order, ours with asyncio's semantics.
  budget: 1.5
}

export const semaphoreEffect: Workload = {
  name: "semaphore-effect",
  title: `N tasks through Semaphore(100), yield once ("effect" = forkChild N, Effect's Semaphore; N ≤ 30k)`,
  impls: {
    ours,
    effect: (n) => {
      const effects = yieldsOnce(n)
      return Effect.gen(function* () {
        const sem = yield* EffectSemaphore.make(PERMITS)
        const withPermit = EffectSemaphore.withPermit(sem)
        const fibers = new Array<Fiber.Fiber<number>>(n)
        for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(withPermit(effects[i]))
        let s = 0
        for (let i = 0; i < n; i++) s += yield* Fiber.join(fibers[i])
        return s
      })
    },
    promise
  },
  oursVariants: ["loop-scope"],
  sizes: (requested) => {
    const capped = requested.map((n) => Math.min(n, EFFECT_SEMAPHORE_MAX_N))
    return [...new Set(capped)].sort((a, b) => a - b)
  }
}
