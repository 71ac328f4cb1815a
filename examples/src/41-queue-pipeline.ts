/**
 * A producer/consumer pipeline through a bounded queue: back-pressure, `taskDone`/`join`, and `shutdown` to stop
 * the consumers. Seed 002 names "message consumers" among the workloads asyncio is best at ("When asyncio Helps
 * and When It Does Not") and shows no code; this is the pattern, with the Python 3.13 queue API.
 *
 * ```python
 * async def producer(queue):
 *     for item, seconds in ITEMS:
 *         if queue.full():
 *             log(f"producer: queue full, waiting to put {item}")
 *         await queue.put((item, seconds))
 *         log(f"producer: put {item} (qsize {queue.qsize()})")
 *     log("producer: all items put, waiting for join()")
 *     await queue.join()
 *     log("producer: join() returned, every item is processed")
 *
 * async def consumer(name, queue):
 *     handled = 0
 *     while True:
 *         try:
 *             item, seconds = await queue.get()
 *         except asyncio.QueueShutDown:
 *             log(f"{name}: QueueShutDown, exiting after {handled} items")
 *             return handled
 *         log(f"{name}: got {item}")
 *         try:
 *             await asyncio.sleep(seconds)
 *             log(f"{name}: done with {item}")
 *             handled += 1
 *         finally:
 *             queue.task_done()
 *
 * queue = asyncio.Queue(maxsize=2)
 * consumers = [asyncio.create_task(consumer(name, queue), name=name) for name in ("A", "B")]
 * await producer(queue)
 * queue.shutdown()
 * handled = await asyncio.gather(*consumers)
 * ```
 *
 * What the timestamps show:
 * - **Back-pressure.** The producer puts two items without waiting, then finds the queue full and waits; each
 *   `get` by a consumer frees a slot and lets it put the next item (at 0 s, 1.0 s and 1.4 s).
 * - **`taskDone`/`join`.** Every item taken is marked done in a `finally` (`Effect.ensuring`), so `join()`
 *   returns when the last item is *processed* (3.4 s), not when it is taken off the queue (2.4 s).
 * - **`shutdown()`.** Instead of one sentinel per consumer, `shutdown()` wakes the consumers blocked in `get()`,
 *   which fails with `QueueShutDown`; each handles it and returns its count — a clean exit, not a cancellation.
 *   B, which has waited since 2.6 s, is woken first.
 *
 * The durations differ so that no two events fall on the same instant (see 40).
 * `Queue.forEach(queue, f)` is this consumer loop as a library function (42 uses it); here the loop is spelt out.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

type Item = readonly [name: string, seconds: number]

const ITEMS: ReadonlyArray<Item> = [
  ["item-1", 1.0],
  ["item-2", 1.4],
  ["item-3", 0.8],
  ["item-4", 1.2],
  ["item-5", 0.6],
  ["item-6", 1.0]
]

export const main = Effect.gen(function* () {
  const start = yield* now
  const log = (text: string) => Effect.flatMap(now, (t) => print(`${(t - start).toFixed(1)}s ${text}`))

  const producer = (queue: asyncio.Queue.Queue<Item>) =>
    Effect.gen(function* () {
      for (const item of ITEMS) {
        if (yield* queue.full()) yield* log(`producer: queue full, waiting to put ${item[0]}`)
        yield* queue.put(item)
        yield* log(`producer: put ${item[0]} (qsize ${yield* queue.qsize()})`)
      }
      yield* log("producer: all items put, waiting for join()")
      yield* queue.join()
      yield* log("producer: join() returned, every item is processed")
    })

  const consumer = (name: string, queue: asyncio.Queue.Queue<Item>) =>
    Effect.gen(function* () {
      let handled = 0
      const loop = Effect.gen(function* () {
        while (true) {
          const [item, seconds] = yield* queue.get()
          yield* log(`${name}: got ${item}`)
          yield* Effect.ensuring(
            Effect.gen(function* () {
              yield* asyncio.sleep(seconds)
              yield* log(`${name}: done with ${item}`)
              handled += 1
            }),
            queue.taskDone()
          )
        }
      })
      return yield* loop.pipe(
        Effect.catchTag("QueueShutDown", () =>
          Effect.as(log(`${name}: QueueShutDown, exiting after ${handled} items`), handled)
        )
      )
    })

  const queue = yield* asyncio.Queue.make<Item>(2)
  const consumers = yield* Effect.forEach(["A", "B"], (name) =>
    asyncio.createTask(consumer(name, queue), { name })
  )
  // `put` can fail only with QueueShutDown, and nobody shuts the queue down before the producer is done.
  yield* Effect.orDie(producer(queue))
  yield* queue.shutdown()
  const handled = yield* asyncio.gather(...consumers)
  yield* log(`handled per consumer: ${repr(handled)}`)
})

export const meta: ExampleMeta = {
  id: "41-queue-pipeline",
  title:
    "Producer/consumer through Queue(maxsize=2): back-pressure, taskDone/join, shutdown ends the consumers",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "When asyncio Helps and When It Does Not (message consumers)",
  asyncio: [
    "Queue(maxsize)",
    "put",
    "get",
    "full",
    "qsize",
    "task_done",
    "join",
    "shutdown (3.13)",
    "QueueShutDown (3.13)",
    "create_task",
    "gather"
  ],
  python: "python/41-queue-pipeline.py",
  tutorialOutput: undefined,
  tutorialSays: ["asyncio is best for I/O-bound workloads: … message consumers"],
  transcript: [
    [0, "0.0s producer: put item-1 (qsize 1)"],
    [0, "0.0s producer: put item-2 (qsize 2)"],
    [0, "0.0s producer: queue full, waiting to put item-3"],
    [0, "0.0s A: got item-1"],
    [0, "0.0s B: got item-2"],
    [0, "0.0s producer: put item-3 (qsize 1)"],
    [0, "0.0s producer: put item-4 (qsize 2)"],
    [0, "0.0s producer: queue full, waiting to put item-5"],
    [1, "1.0s A: done with item-1"],
    [1, "1.0s A: got item-3"],
    [1, "1.0s producer: put item-5 (qsize 2)"],
    [1, "1.0s producer: queue full, waiting to put item-6"],
    [1.4, "1.4s B: done with item-2"],
    [1.4, "1.4s B: got item-4"],
    [1.4, "1.4s producer: put item-6 (qsize 2)"],
    [1.4, "1.4s producer: all items put, waiting for join()"],
    [1.8, "1.8s A: done with item-3"],
    [1.8, "1.8s A: got item-5"],
    [2.4, "2.4s A: done with item-5"],
    [2.4, "2.4s A: got item-6"],
    [2.6, "2.6s B: done with item-4"],
    [3.4, "3.4s A: done with item-6"],
    [3.4, "3.4s producer: join() returned, every item is processed"],
    [3.4, "3.4s B: QueueShutDown, exiting after 2 items"],
    [3.4, "3.4s A: QueueShutDown, exiting after 4 items"],
    [3.4, "3.4s handled per consumer: [4, 2]"]
  ],
  elapsed: 3.4,
  differences: [
    {
      kind: "note",
      why:
        "`Queue.shutdown()` and `QueueShutDown` are Python 3.13. The Python script uses them on 3.13 and " +
        "emulates them on 3.11/3.12 with one sentinel per consumer (its `get` raises QueueShutDown on the " +
        "sentinel); both print the same transcript at the same times (`check:python` runs python3, 3.11 here; " +
        "`PYTHON=python3.13` checks the real API)."
    },
    {
      kind: "note",
      why:
        "`try: … finally: queue.task_done()` is `Effect.ensuring(…, queue.taskDone())`; `except QueueShutDown` " +
        'is `Effect.catchTag("QueueShutDown", …)`. `put`/`get` carry QueueShutDown in their error type; the ' +
        "producer runs before `shutdown()`, so `Effect.orDie` drops it there."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
