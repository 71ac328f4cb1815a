/**
 * Seed 003, "Example of Concurrent Tasks and asyncio.wait()": issue twenty coroutines as tasks, then wait for
 * all of them with one call.
 *
 * ```python
 * async def main():
 *     tasks = [asyncio.create_task(work(i)) for i in range(20)]
 *     _ = await asyncio.wait(tasks)
 *     print('Done.')
 * ```
 *
 * `wait` returns the `done` and `pending` sets (here all twenty are done: the default is `ALL_COMPLETED`); it
 * neither raises the tasks' errors nor returns their values — read those from the tasks.
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
  // wait for tasks to complete
  yield* asyncio.wait(tasks) // the done and pending sets, unused (Python: `_ = await …`)
  // report a final message
  yield* print("Done.")
})

export const meta: ExampleMeta = {
  id: "15-tasks-wait",
  title: "Twenty tasks and asyncio.wait(): one call waits for all",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Example of Concurrent Tasks and asyncio.wait()",
  asyncio: ["create_task", "wait (ALL_COMPLETED)", "sleep"],
  python: "python/15-tasks-wait.py",
  tutorialOutput: twentyTasksOutput,
  tutorialSays: [
    "The list of tasks is then provided to the asyncio.wait() function and the main() coroutine suspends " +
      "until all tasks are done."
  ],
  transcript: twentyTasksTranscript,
  elapsed: 1,
  differences: [
    {
      kind: "note",
      why:
        "`wait` takes tasks only, as Python 3.11+ does (passing coroutines was removed): a plain effect is a " +
        "type error here, where Python raises TypeError at run time."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
