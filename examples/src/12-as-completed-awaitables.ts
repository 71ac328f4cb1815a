/**
 * Seed 004, gotcha: "as_completed() yields coroutines, not results — you must await each one: `for coro in
 * as_completed(tasks): result = await coro`". The tutorial has no code for it; this is the demonstration, and
 * then the Python 3.13 form that hands back the original tasks.
 *
 * ```python
 * for coro in asyncio.as_completed(coros):
 *     print(f"as_completed gave {'an awaitable' if inspect.isawaitable(coro) else 'a result'}")
 *     result = await coro
 *     print(f"  awaited it ({time.time()-start:.1f}s): {result}")
 *
 * tasks = [asyncio.create_task(fetch_data(name, delay), name=name) for name, delay in SOURCES]
 * async for task in asyncio.as_completed(tasks):          # Python 3.13
 *     print(f"{task.get_name()} task done ({time.time()-start:.1f}s): {task.result()}")
 * ```
 *
 * Plain iteration gives one awaitable (an Effect) per input, and nothing happens until you run it: each
 * `yield* next` waits for whichever input finishes next — the awaitables are not tied to particular inputs.
 * Task iteration (`AsyncioStream.fromAsCompleted`, or `.nextTask` one at a time) gives the finished tasks themselves,
 * so you can tell which input finished.
 */
import * as asyncio from "@effect-asyncio/core"
import * as AsyncioStream from "@effect-asyncio/core/Stream"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print } from "./shared/python.ts"

const fetchData = (source: string, delay: number) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(delay)
    return `Data from ${source}`
  })

const SOURCES: ReadonlyArray<readonly [string, number]> = [
  ["API", 2],
  ["DB", 1],
  ["Cache", 0.5]
]

const since = (start: number) => Effect.map(now, (t) => (t - start).toFixed(1))

export const main = Effect.gen(function* () {
  let start = yield* now
  const coros = SOURCES.map(([source, delay]) => fetchData(source, delay))
  for (const coro of yield* asyncio.asCompleted(coros)) {
    yield* print(`as_completed gave ${Effect.isEffect(coro) ? "an awaitable" : "a result"}`)
    const result = yield* coro
    yield* print(`  awaited it (${yield* since(start)}s): ${result}`)
  }

  start = yield* now
  const tasks = yield* Effect.forEach(SOURCES, ([name, delay]) =>
    asyncio.createTask(fetchData(name, delay), { name })
  )
  const completed = yield* asyncio.asCompleted(tasks)
  yield* Stream.runForEach(AsyncioStream.fromAsCompleted(completed), (task) =>
    Effect.gen(function* () {
      const elapsed = yield* since(start)
      const result = yield* task // already done: returns at once (Python's task.result())
      yield* print(`${task.name} task done (${elapsed}s): ${result}`)
    })
  )
})

export const meta: ExampleMeta = {
  id: "12-as-completed-awaitables",
  title: "as_completed() gives awaitables you must run; the task form gives the finished tasks",
  seed: "004_2cd1d766782f0a22.txt",
  section: "Gotchas: as_completed() yields coroutines, not results",
  asyncio: ["as_completed", "async for … in as_completed() (3.13)", "create_task(name=…)", "Task.get_name"],
  python: "python/12-as-completed-awaitables.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "as_completed() yields coroutines, not results — you must await each one: `for coro in as_completed(tasks): " +
      "result = await coro`."
  ],
  transcript: [
    [0, "as_completed gave an awaitable"],
    [0.5, "  awaited it (0.5s): Data from Cache"],
    [0.5, "as_completed gave an awaitable"],
    [1, "  awaited it (1.0s): Data from DB"],
    [1, "as_completed gave an awaitable"],
    [2, "  awaited it (2.0s): Data from API"],
    [2.5, "Cache task done (0.5s): Data from Cache"],
    [3, "DB task done (1.0s): Data from DB"],
    [4, "API task done (2.0s): Data from API"]
  ],
  elapsed: 4,
  differences: [
    {
      kind: "note",
      why:
        "Python yields coroutine objects; we yield Effects. Both are awaitables that do nothing until awaited " +
        "(`yield*`). TypeScript's types make the mistake hard to make: `next` is an `Effect<string>`, not a string."
    },
    {
      kind: "note",
      why:
        "`async for task in as_completed(tasks)` exists from Python 3.13; here it is `Stream.runForEach(" +
        "AsyncioStream.fromAsCompleted(completed), …)`. The Python reference script falls back to an equivalent asyncio.wait() loop " +
        "on older Pythons, with the same output."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
