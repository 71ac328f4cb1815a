/**
 * Seed 004, gotcha: "Don't await in a loop without create_task() — `for x in items: await process(x)` runs
 * sequentially. Use gather([process(x) for x in items]) for concurrency." The tutorial has no code for it;
 * this is the demonstration, with the three sources of its methods: 3.5 s in a loop, 2 s with gather.
 *
 * ```python
 * results = []
 * for source, delay in SOURCES:
 *     results.append(await fetch_data(source, delay))
 * print(f"await in a loop ({time.time()-start:.1f}s): {results}")
 *
 * results = await asyncio.gather(*[fetch_data(source, delay) for source, delay in SOURCES])
 * print(f"gather ({time.time()-start:.1f}s): {results}")
 * ```
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

const SOURCES: ReadonlyArray<readonly [string, number]> = [
  ["API", 2],
  ["DB", 1],
  ["Cache", 0.5]
]

export const main = Effect.gen(function* () {
  let start = yield* now
  let results: Array<string> = []
  for (const [source, delay] of SOURCES) {
    results.push(yield* fetchData(source, delay))
  }
  yield* print(`await in a loop (${((yield* now) - start).toFixed(1)}s): ${repr(results)}`)

  start = yield* now
  results = yield* asyncio.gather(...SOURCES.map(([source, delay]) => fetchData(source, delay)))
  yield* print(`gather (${((yield* now) - start).toFixed(1)}s): ${repr(results)}`)
})

export const meta: ExampleMeta = {
  id: "11-await-in-loop",
  title: "Awaiting in a loop is sequential (3.5 s); gather over the same calls is concurrent (2 s)",
  seed: "004_2cd1d766782f0a22.txt",
  section: "Gotchas: Don't await in a loop without create_task()",
  asyncio: ["gather", "await (yield*)", "sleep"],
  python: "python/11-await-in-loop.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "Don't await in a loop without create_task() — `for x in items: await process(x)` runs sequentially. Use " +
      "`gather([process(x) for x in items])` for concurrency.",
    "All three methods run tasks concurrently (total time ~2s, not 3.5s)."
  ],
  transcript: [
    [3.5, "await in a loop (3.5s): ['Data from API', 'Data from DB', 'Data from Cache']"],
    [5.5, "gather (2.0s): ['Data from API', 'Data from DB', 'Data from Cache']"]
  ],
  elapsed: 5.5,
  differences: [
    {
      kind: "note",
      why:
        "The tutorial writes `gather([process(x) for x in items])`, which passes one list: CPython raises " +
        "TypeError. The working form spreads it: `gather(*[…])` in Python, `gather(...xs)` here."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
