/**
 * Seed 001, "asyncio.create_task() for Unblocked Execution": start a task, do other work, await the task later.
 *
 * ```python
 * async def main():
 *     task = asyncio.create_task(task1())
 *
 *     await do_other_work()
 *
 *     result = await task
 *     print('Background task returned:', result)
 * ```
 *
 * The task runs while `main` does the other work, so the program takes 1 s (the task), not 1.5 s. Note the
 * order at 0 s: "Doing other work" comes first, because a new task only starts once its creator yields
 * (here: at the other work's `sleep`).
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print } from "./shared/python.ts"

const task1 = () =>
  Effect.gen(function* () {
    yield* print("Task 1 running")
    yield* asyncio.sleep(1)
    return "result 1"
  })

const doOtherWork = () =>
  Effect.gen(function* () {
    yield* print("Doing other work")
    yield* asyncio.sleep(0.5)
    yield* print("Other work done")
  })

export const main = Effect.gen(function* () {
  const task = yield* asyncio.createTask(task1())

  yield* doOtherWork()

  const result = yield* task
  yield* print("Background task returned:", result)
})

export const meta: ExampleMeta = {
  id: "06-background-task",
  title: "create_task(): start a background task, do other work, await it later",
  seed: "001_11b91d42ddf15b5b.txt",
  section: "asyncio.create_task() for Unblocked Execution",
  asyncio: ["create_task", "await task (yield* task)", "sleep"],
  python: "python/06-background-task.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "Here task1 starts right away on its own. We can await task1 later if we need its result.",
    "Just be careful to await any background create_task() calls that you need results from later!"
  ],
  transcript: [
    [0, "Doing other work"],
    [0, "Task 1 running"],
    [0.5, "Other work done"],
    [1, "Background task returned: result 1"]
  ],
  elapsed: 1,
  differences: [
    {
      kind: "note",
      why:
        "The tutorial's snippet does not run: `task1 = asyncio.create_task(task1())` inside main() makes task1 " +
        "a local name, so calling task1() raises UnboundLocalError, and do_other_work() is never defined. " +
        "The port (and the Python reference script) names the task `task` and defines do_other_work() as " +
        "0.5 s of work that prints its start and end."
    },
    {
      kind: "note",
      why: "The tutorial shows no output; the transcript is what CPython prints for the corrected program."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
