/**
 * Seed 003, "Example of Concurrent Tasks and Wait Manually": issue twenty coroutines as tasks, then await each
 * task in turn.
 *
 * ```python
 * async def work(value):
 *     await asyncio.sleep(1)
 *     print(f'>Task {value} done')
 *
 * async def main():
 *     tasks = [asyncio.create_task(work(i)) for i in range(20)]
 *     for task in tasks:
 *         await task
 *     print('Done.')
 * ```
 *
 * Awaiting the tasks one after the other does not make them run one after the other: they all started when
 * `main` first suspended, so they all sleep during the same second and the program takes 1 s, not 20 s.
 * (Compare 11-await-in-loop, where the loop awaits *effects* — coroutines — which only start when awaited.)
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
  // issue coroutines as background tasks
  const tasks = yield* Effect.forEach(
    Array.from({ length: 20 }, (_, i) => i),
    (i) => asyncio.createTask(work(i))
  )
  // wait for tasks to complete, manually
  for (const task of tasks) {
    yield* task
  }
  // report a final message
  yield* print("Done.")
})

export const meta: ExampleMeta = {
  id: "13-tasks-await-each",
  title: "Twenty tasks, awaited one by one in a loop: still 1 s",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Example of Concurrent Tasks and Wait Manually",
  asyncio: ["create_task", "await task (yield* task)", "sleep"],
  python: "python/13-tasks-await-each.py",
  tutorialOutput: twentyTasksOutput,
  tutorialSays: [
    "The main() coroutine then iterates over the list of tasks, awaiting each in turn. This suspends the main() " +
      "coroutine, allowing the issued tasks an opportunity to run."
  ],
  transcript: twentyTasksTranscript,
  elapsed: 1,
  differences: [
    {
      kind: "note",
      why:
        "The list comprehension `[asyncio.create_task(work(i)) for i in range(20)]` is `Effect.forEach` over " +
        "0…19: creating a task is itself an effect here."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
