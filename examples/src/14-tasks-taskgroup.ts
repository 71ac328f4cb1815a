/**
 * Seed 003, "Example of Concurrent Tasks and Wait via TaskGroup": issue twenty coroutines as tasks of a
 * `TaskGroup`; leaving the group waits for all of them.
 *
 * ```python
 * async def main():
 *     async with asyncio.TaskGroup() as group:
 *         tasks = [group.create_task(work(i)) for i in range(20)]
 *     # wait for tasks to complete...
 *     print('Done.')
 * ```
 *
 * `async with asyncio.TaskGroup() as group:` is `asyncio.TaskGroup.run((group) => body)`: the body creates the
 * tasks and returns at once, and `run` returns only when every task of the group is done — 1 s later.
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
  // create the task group
  yield* asyncio.TaskGroup.run((group) =>
    // issue coroutines as background tasks
    Effect.forEach(
      Array.from({ length: 20 }, (_, i) => i),
      (i) => group.createTask(work(i))
    )
  )
  // wait for tasks to complete... (leaving run() did)
  // report a final message
  yield* print("Done.")
})

export const meta: ExampleMeta = {
  id: "14-tasks-taskgroup",
  title: "Twenty tasks in a TaskGroup: leaving the group waits for them",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Example of Concurrent Tasks and Wait via TaskGroup",
  asyncio: ["TaskGroup", "TaskGroup.create_task", "sleep"],
  python: "python/14-tasks-taskgroup.py",
  tutorialOutput: twentyTasksOutput,
  tutorialSays: [
    "Once we exit the block of the context manager, the asyncio.TaskGroup will automatically wait for all " +
      "issued tasks to be done."
  ],
  transcript: twentyTasksTranscript,
  elapsed: 1,
  differences: [
    {
      kind: "note",
      why:
        "The `async with` block is a callback: `TaskGroup.run((group) => body)`. The body's end is the end of " +
        "the block; `run` then waits for the group's tasks (and, unlike a loop of awaits, would cancel the " +
        "rest if one failed: see 18-taskgroup-errors)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
