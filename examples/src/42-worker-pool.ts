/**
 * A worker pool over a queue: a fixed number of workers instead of one task per job — seed 002's advice for real
 * services ("Launching unbounded numbers of tasks against external systems. Use semaphores or batching."; the
 * tutorial shows no code). 40 caps concurrency with a semaphore; this caps it with three long-lived workers.
 *
 * ```python
 * async def worker(name, queue, results, done_by):
 *     while True:
 *         try:
 *             n, seconds = await queue.get()
 *         except asyncio.QueueShutDown:
 *             return
 *         try:
 *             began = elapsed()
 *             await asyncio.sleep(seconds)
 *             results[n] = n * n
 *             done_by[name] += 1
 *             print(f"{elapsed():.1f}s {name}: job-{n} -> {results[n]} (started at {began:.1f}s)")
 *         finally:
 *             queue.task_done()
 *
 * queue = asyncio.Queue()
 * for n, seconds in enumerate(DURATIONS, 1):
 *     queue.put_nowait((n, seconds))
 * workers = [asyncio.create_task(worker(name, queue, results, done_by), name=name) for name in done_by]
 * await queue.join()
 * queue.shutdown()
 * await asyncio.gather(*workers)
 * ```
 *
 * The worker loop — `get`, process, `taskDone` in a `finally`, return on `QueueShutDown` — is
 * `asyncio.Queue.forEach(queue, f)`. Ten jobs, 9.0 s of work, take 3.4 s on three workers. The next free worker
 * takes the next job, so the short jobs spread out: worker-1 is busy with two long jobs while worker-2 and
 * worker-3 do four each. The durations differ so that no two jobs end at the same instant (see 40).
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

const DURATIONS = [1.2, 0.8, 1.0, 0.9, 0.4, 1.2, 0.5, 0.5, 1.3, 1.2]

type Job = readonly [n: number, seconds: number]

export const main = Effect.gen(function* () {
  const start = yield* now
  const elapsed = Effect.map(now, (t) => t - start)

  const queue = yield* asyncio.Queue.make<Job>()
  for (const [i, seconds] of DURATIONS.entries()) yield* Effect.orDie(queue.putNowait([i + 1, seconds]))
  const results = new Map<number, number>()
  const doneBy: Record<string, number> = { "worker-1": 0, "worker-2": 0, "worker-3": 0 }

  const worker = (name: string) =>
    asyncio.Queue.forEach(queue, ([n, seconds]) =>
      Effect.gen(function* () {
        const began = yield* elapsed
        yield* asyncio.sleep(seconds)
        results.set(n, n * n)
        doneBy[name] += 1
        yield* print(
          `${(yield* elapsed).toFixed(1)}s ${name}: job-${n} -> ${n * n} (started at ${began.toFixed(1)}s)`
        )
      })
    )

  const workers = yield* Effect.forEach(Object.keys(doneBy), (name) =>
    asyncio.createTask(worker(name), { name })
  )
  yield* queue.join()
  yield* queue.shutdown()
  yield* asyncio.gather(...workers)
  const work = DURATIONS.reduce((a, b) => a + b, 0)
  yield* print(`results: ${repr([...results.keys()].sort((a, b) => a - b).map((n) => results.get(n)))}`)
  yield* print(`jobs per worker: ${repr(doneBy)}`)
  yield* print(`${work.toFixed(1)}s of work, ${workers.length} workers: ${(yield* elapsed).toFixed(1)}s`)
})

export const meta: ExampleMeta = {
  id: "42-worker-pool",
  title: "A pool of three workers over a queue: ten jobs, 9.0 s of work in 3.4 s",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Common Pitfalls (unbounded numbers of tasks)",
  asyncio: ["Queue", "put_nowait", "get", "task_done", "join", "shutdown (3.13)", "create_task", "gather"],
  python: "python/42-worker-pool.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "Launching unbounded numbers of tasks against external systems. Use semaphores or batching.",
    "Limit concurrency when talking to real external systems."
  ],
  transcript: [
    [0.8, "0.8s worker-2: job-2 -> 4 (started at 0.0s)"],
    [1, "1.0s worker-3: job-3 -> 9 (started at 0.0s)"],
    [1.2, "1.2s worker-1: job-1 -> 1 (started at 0.0s)"],
    [1.4, "1.4s worker-3: job-5 -> 25 (started at 1.0s)"],
    [1.7, "1.7s worker-2: job-4 -> 16 (started at 0.8s)"],
    [1.9, "1.9s worker-3: job-7 -> 49 (started at 1.4s)"],
    [2.2, "2.2s worker-2: job-8 -> 64 (started at 1.7s)"],
    [2.4, "2.4s worker-1: job-6 -> 36 (started at 1.2s)"],
    [3.2, "3.2s worker-3: job-9 -> 81 (started at 1.9s)"],
    [3.4, "3.4s worker-2: job-10 -> 100 (started at 2.2s)"],
    [3.4, "results: [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]"],
    [3.4, "jobs per worker: {'worker-1': 2, 'worker-2': 4, 'worker-3': 4}"],
    [3.4, "9.0s of work, 3 workers: 3.4s"]
  ],
  elapsed: 3.4,
  differences: [
    {
      kind: "note",
      why:
        "Python's worker loop is `asyncio.Queue.forEach(queue, f)` here: `get` until QueueShutDown, `f(item)`, " +
        "and `taskDone()` however `f` ends (Python's `try: … finally: queue.task_done()`)."
    },
    {
      kind: "note",
      why:
        "`Queue.shutdown()` and `QueueShutDown` are Python 3.13. The Python script uses them on 3.13 and " +
        "emulates them on 3.11/3.12 with one sentinel per worker; both print the same transcript at the same " +
        "times. A common pre-3.13 idiom cancels the workers after `join()` instead (the asyncio docs' Queue " +
        "example); `shutdown()` lets them finish their loop and return."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
