/**
 * Seed 004, "Method 1: asyncio.gather() - wait for all, ordered results".
 *
 * ```python
 * async def fetch_data(source, delay):
 *     await asyncio.sleep(delay)
 *     return f"Data from {source}"
 *
 * async def gather_example():
 *     start = time.time()
 *     results = await asyncio.gather(
 *         fetch_data("API", 2),
 *         fetch_data("DB", 1),
 *         fetch_data("Cache", 0.5)
 *     )
 *     print(f"Gather ({time.time()-start:.1f}s): {results}")
 *     # Output: ['Data from API', 'Data from DB', 'Data from Cache']
 * ```
 *
 * 2 s (the slowest source), not 2 + 1 + 0.5 = 3.5 s; results in argument order.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

const fetchData = (source: string, delay: number) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(delay)
    return `Data from ${source}`
  })

export const main = Effect.gen(function* () {
  const start = yield* now
  const results = yield* asyncio.gather(fetchData("API", 2), fetchData("DB", 1), fetchData("Cache", 0.5))
  yield* print(`Gather (${((yield* now) - start).toFixed(1)}s): ${repr(results)}`)
  // Output: ['Data from API', 'Data from DB', 'Data from Cache']
})

export const meta: ExampleMeta = {
  id: "07-gather-timing",
  title: "Method 1, gather(): wait for all, ordered results, 2 s not 3.5 s",
  seed: "004_2cd1d766782f0a22.txt",
  section: "Method 1: asyncio.gather() - wait for all, ordered results",
  asyncio: ["gather", "sleep", "time.time (Clock)"],
  python: "python/07-gather-timing.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "# Output: ['Data from API', 'Data from DB', 'Data from Cache']",
    "All three methods run tasks concurrently (total time ~2s, not 3.5s).",
    "gather() waits for everything and preserves order."
  ],
  transcript: [[2, "Gather (2.0s): ['Data from API', 'Data from DB', 'Data from Cache']"]],
  elapsed: 2,
  differences: [
    {
      kind: "note",
      why:
        "The tutorial's '# Output:' comment shows only the list; the line printed is " +
        "\"Gather (2.0s): ['Data from API', …]\". The three methods run in three asyncio.run() calls in the " +
        "tutorial; here each method is its own example (07, 08, 09), each run by its own run()."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
