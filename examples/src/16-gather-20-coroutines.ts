/**
 * Seed 003, "Example of Concurrent Coroutines With asyncio.gather()": pass twenty coroutines (effects) to
 * `gather`, which issues each as a task and waits for all of them.
 *
 * ```python
 * async def main():
 *     coros = [work(i) for i in range(20)]
 *     _ = await asyncio.gather(*coros)
 *     print('Done.')
 * ```
 *
 * Building the list runs nothing — an effect, like a coroutine object, is a description of work — and `gather`
 * starts all twenty at once when it runs. It returns their values in order (twenty `None`s here, discarded).
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print } from "./shared/python.ts"
import { twentyTasksOutput, twentyTasksTranscript } from "./shared/seed003.ts"

// coroutine to run concurrently
const work = (value: number) =>
  Effect.gen(function* () {
    // suspend a moment
    yield* asyncio.sleep(1)
    // report a message
    yield* print(`>Task ${value} done`)
  })

export const main = Effect.gen(function* () {
  // create coroutines
  const coros = Array.from({ length: 20 }, (_, i) => work(i))
  // wait for coroutines to complete
  yield* asyncio.gather(...coros) // twenty `undefined`s, unused (Python: `_ = await …`)
  // report a final message
  yield* print("Done.")
})

export const meta: ExampleMeta = {
  id: "16-gather-20-coroutines",
  title: "Twenty coroutines (effects) passed to gather(): all run at once",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Example of Concurrent Coroutines With asyncio.gather()",
  asyncio: ["gather(*coros)", "sleep"],
  python: "python/16-gather-20-coroutines.py",
  tutorialOutput: twentyTasksOutput,
  tutorialSays: [
    "The list of coroutines is then provided to the asyncio.gather() function and the main() coroutine " +
      "suspends until all coroutines are done."
  ],
  transcript: twentyTasksTranscript,
  elapsed: 1,
  differences: [
    {
      kind: "note",
      why: "`gather(*coros)` spreads the list: `gather(...coros)`."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
