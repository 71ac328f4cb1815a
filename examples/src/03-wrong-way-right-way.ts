/**
 * Seed 000, "Common Pitfalls": awaiting one call after another runs them sequentially (4 s); creating tasks
 * and gathering them runs them concurrently (2 s).
 *
 * ```python
 * async def slow_task(name):
 *     await asyncio.sleep(2)
 *     return f'{name} done'
 *
 * async def wrong_way():
 *     # This runs tasks one after another, not concurrently
 *     result1 = await slow_task('Task1')
 *     result2 = await slow_task('Task2')
 *     print(result1, result2)
 *
 * async def right_way():
 *     # This runs tasks concurrently
 *     task1 = asyncio.create_task(slow_task('Task1'))
 *     task2 = asyncio.create_task(slow_task('Task2'))
 *     results = await asyncio.gather(task1, task2)
 *     print(results)
 * ```
 *
 * In Effect, `yield* slowTask("Task1")` is the `await`: it runs the effect to the end before the next line.
 * The two "(… took N s)" lines are ours; the tutorial's `main` only prints the headings.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print } from "./shared/python.ts"

const slowTask = (name: string) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(2)
    return `${name} done`
  })

const wrongWay = Effect.gen(function* () {
  // This runs tasks one after another, not concurrently
  const result1 = yield* slowTask("Task1")
  const result2 = yield* slowTask("Task2")
  yield* print(result1, result2)
})

const rightWay = Effect.gen(function* () {
  // This runs tasks concurrently
  const task1 = yield* asyncio.createTask(slowTask("Task1"))
  const task2 = yield* asyncio.createTask(slowTask("Task2"))
  const results = yield* asyncio.gather(task1, task2)
  yield* print(results)
})

export const main = Effect.gen(function* () {
  let start = yield* now
  yield* print("Wrong way:")
  yield* wrongWay
  yield* print(`(wrong way took ${((yield* now) - start).toFixed(1)}s)`)
  start = yield* now
  yield* print("Right way:")
  yield* rightWay
  yield* print(`(right way took ${((yield* now) - start).toFixed(1)}s)`)
})

export const meta: ExampleMeta = {
  id: "03-wrong-way-right-way",
  title: "Wrong way (sequential awaits, 4 s) vs right way (tasks + gather, 2 s)",
  seed: "000_7fb8fc30f69cfc8d.txt",
  section: "Common Pitfalls",
  asyncio: ["create_task", "gather", "sleep", "await (yield*)"],
  python: "python/03-wrong-way-right-way.py",
  tutorialOutput: ["Wrong way:", "Task1 done Task2 done", "Right way:", "['Task1 done', 'Task2 done']"],
  tutorialSays: [
    "One common mistake is to await each task one by one, which runs them sequentially and defeats the purpose " +
      "of async concurrency."
  ],
  transcript: [
    [0, "Wrong way:"],
    [4, "Task1 done Task2 done"],
    [4, "(wrong way took 4.0s)"],
    [4, "Right way:"],
    [6, "['Task1 done', 'Task2 done']"],
    [6, "(right way took 2.0s)"]
  ],
  elapsed: 6,
  differences: [
    {
      kind: "added",
      printed: "(wrong way took 4.0s)",
      why: "Shows the cost of awaiting one by one: 2 s + 2 s (the Python reference script prints it too)."
    },
    {
      kind: "added",
      printed: "(right way took 2.0s)",
      why: "Shows that the two tasks slept at the same time (the Python reference script prints it too)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
