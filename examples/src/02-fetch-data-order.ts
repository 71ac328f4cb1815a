/**
 * Seed 000, "Example": three tasks start at once and finish in the order of their delays; `gather` still
 * returns the results in argument order.
 *
 * ```python
 * async def fetch_data(name, delay):
 *     print(f'Starting {name}')
 *     await asyncio.sleep(delay)
 *     print(f'Finished {name}')
 *     return f'{name} result'
 *
 * async def main():
 *     task1 = asyncio.create_task(fetch_data('Task1', 3))
 *     task2 = asyncio.create_task(fetch_data('Task2', 1))
 *     task3 = asyncio.create_task(fetch_data('Task3', 2))
 *     results = await asyncio.gather(task1, task2, task3)
 *     print('All tasks completed:', results)
 * ```
 *
 * Timeline: the three "Starting" lines at 0 s (each task starts when `main` first yields, in creation order),
 * "Finished Task2" at 1 s, "Finished Task3" at 2 s, "Finished Task1" and the results at 3 s.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print } from "./shared/python.ts"

const fetchData = (name: string, delay: number) =>
  Effect.gen(function* () {
    yield* print(`Starting ${name}`)
    yield* asyncio.sleep(delay)
    yield* print(`Finished ${name}`)
    return `${name} result`
  })

export const main = Effect.gen(function* () {
  const task1 = yield* asyncio.createTask(fetchData("Task1", 3))
  const task2 = yield* asyncio.createTask(fetchData("Task2", 1))
  const task3 = yield* asyncio.createTask(fetchData("Task3", 2))
  const results = yield* asyncio.gather(task1, task2, task3)
  yield* print("All tasks completed:", results)
})

const output = [
  "Starting Task1",
  "Starting Task2",
  "Starting Task3",
  "Finished Task2",
  "Finished Task3",
  "Finished Task1",
  "All tasks completed: ['Task1 result', 'Task2 result', 'Task3 result']"
]

export const meta: ExampleMeta = {
  id: "02-fetch-data-order",
  title: "Three tasks: start together, finish in order of their delays",
  seed: "000_7fb8fc30f69cfc8d.txt",
  section: "Example",
  asyncio: ["create_task", "gather", "sleep"],
  python: "python/02-fetch-data-order.py",
  tutorialOutput: output,
  tutorialSays: ["This example shows … async tasks running at the same time."],
  transcript: [
    [0, output[0]],
    [0, output[1]],
    [0, output[2]],
    [1, output[3]],
    [2, output[4]],
    [3, output[5]],
    [3, output[6]]
  ],
  elapsed: 3,
  differences: []
}

if (import.meta.main) await runStandalone(meta, main)
