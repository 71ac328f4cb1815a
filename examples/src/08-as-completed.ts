/**
 * Seed 004, "Method 2: asyncio.as_completed() - process as they finish".
 *
 * ```python
 * async def as_completed_example():
 *     start = time.time()
 *     tasks = [
 *         fetch_data("API", 2),
 *         fetch_data("DB", 1),
 *         fetch_data("Cache", 0.5)
 *     ]
 *
 *     for coro in asyncio.as_completed(tasks):
 *         result = await coro
 *         elapsed = time.time() - start
 *         print(f"Completed ({elapsed:.1f}s): {result}")
 *     # Cache finishes first, then DB, then API
 * ```
 *
 * `asCompleted` starts every effect as a task and hands out one awaitable per input; each `yield* next` waits
 * for the next one to finish. Each result is handled as soon as it is ready: at 0.5 s, 1 s and 2 s.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print } from "./shared/python.ts"

const fetchData = (source: string, delay: number) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(delay)
    return `Data from ${source}`
  })

export const main = Effect.gen(function* () {
  const start = yield* now
  const tasks = [fetchData("API", 2), fetchData("DB", 1), fetchData("Cache", 0.5)]

  for (const coro of yield* asyncio.asCompleted(tasks)) {
    const result = yield* coro
    const elapsed = (yield* now) - start
    yield* print(`Completed (${elapsed.toFixed(1)}s): ${result}`)
  }
  // Cache finishes first, then DB, then API
})

export const meta: ExampleMeta = {
  id: "08-as-completed",
  title: "Method 2, as_completed(): handle each result as it finishes",
  seed: "004_2cd1d766782f0a22.txt",
  section: "Method 2: asyncio.as_completed() - process as they finish",
  asyncio: ["as_completed", "sleep", "time.time (Clock)"],
  python: "python/08-as-completed.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "# Cache finishes first, then DB, then API",
    "All three methods run tasks concurrently (total time ~2s, not 3.5s).",
    "as_completed() gives you results in completion order."
  ],
  transcript: [
    [0.5, "Completed (0.5s): Data from Cache"],
    [1, "Completed (1.0s): Data from DB"],
    [2, "Completed (2.0s): Data from API"]
  ],
  elapsed: 2,
  differences: [
    {
      kind: "note",
      why:
        "`asyncio.as_completed(tasks)` needs `yield*` in front because creating the tasks is itself an effect " +
        "(Python creates them inside the call). The loop is a plain `for … of` over the awaitables, as in Python."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
