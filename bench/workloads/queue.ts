/**
 * Producer/consumer through a bounded queue (issue 4, section 3): one producer puts 0 … N − 1 into a queue of
 * capacity 100; 4 consumers take items until told to stop and return their partial sums, which are added up.
 *
 * - ours: `Queue.make<number>(100)`; 4 consumers `createTask`ed, each looping `get()` (adding the item) until it
 *   fails with `QueueShutDown`; the creating fiber `put`s N items, `shutdown()`s, then `yield*`s each consumer;
 * - effect: `Queue.bounded<number, Cause.Done>(100)`; 4 `forkChild` consumers looping `Queue.take` until it fails
 *   with `Done`; the parent `Queue.offer`s N items, `Queue.end`s, then `Fiber.join`s each consumer;
 * - promise: a minimal bounded async queue (`put` waits while full, `get` while empty), 4 async consumers, the
 *   producer puts 4 sentinels (−1) after the items;
 * - python: `asyncio.Queue(100)`, 4 consumer tasks, 4 `None` sentinels (3.11 has no `Queue.shutdown`).
 *
 * The consumers do not call `taskDone()` (Effect's queue has no such count); both consumer loops are the same
 * `flatMap` recursion.
 */
import * as asyncio from "@effect-asyncio/core"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type { Workload } from "../lib/types.ts"
import { BoundedQueue } from "./sync-common.ts"

const CAPACITY = 100
const CONSUMERS = 4

/** Takes with `take` until it fails; returns the sum of the items taken. */
const consumer = <E>(take: Effect.Effect<number, E>): Effect.Effect<number> =>
  Effect.suspend(() => {
    let s = 0
    const step: Effect.Effect<never, E> = Effect.flatMap(take, (item) => {
      s += item
      return step
    })
    return Effect.catch(step, () => Effect.succeed(s))
  })

export const queue: Workload = {
  name: "queue",
  title: "N items through a Queue(100): one producer, 4 consumers",
  impls: {
    ours: (n) =>
      Effect.gen(function* () {
        const q = yield* asyncio.Queue.make<number>(CAPACITY)
        const consumers = new Array<asyncio.Task<number>>(CONSUMERS)
        for (let c = 0; c < CONSUMERS; c++) consumers[c] = yield* asyncio.createTask(consumer(q.get()))
        for (let i = 0; i < n; i++) yield* q.put(i)
        yield* q.shutdown()
        let s = 0
        for (let c = 0; c < CONSUMERS; c++) s += yield* consumers[c]
        return s
      }),
    effect: (n) =>
      Effect.gen(function* () {
        const q = yield* Queue.bounded<number, Cause.Done>(CAPACITY)
        const consumers = new Array<Fiber.Fiber<number>>(CONSUMERS)
        for (let c = 0; c < CONSUMERS; c++) consumers[c] = yield* Effect.forkChild(consumer(Queue.take(q)))
        for (let i = 0; i < n; i++) yield* Queue.offer(q, i)
        yield* Queue.end(q)
        let s = 0
        for (let c = 0; c < CONSUMERS; c++) s += yield* Fiber.join(consumers[c])
        return s
      }),
    promise: (n) => async () => {
      const q = new BoundedQueue(CAPACITY)
      const consume = async (): Promise<number> => {
        let s = 0
        for (;;) {
          const item = await q.get()
          if (item < 0) return s
          s += item
        }
      }
      const consumers = new Array<Promise<number>>(CONSUMERS)
      for (let c = 0; c < CONSUMERS; c++) consumers[c] = consume()
      for (let i = 0; i < n; i++) await q.put(i)
      for (let c = 0; c < CONSUMERS; c++) await q.put(-1)
      let s = 0
      for (let c = 0; c < CONSUMERS; c++) s += await consumers[c]
      return s
    },
    python: "queue"
  }
}
