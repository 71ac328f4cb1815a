/**
 * Seed 001, "asyncio.gather() for Bundling Tasks": gather the effects of two functions directly.
 *
 * ```python
 * async def task1():
 *     print('Task 1 running')
 *     await asyncio.sleep(1)
 *     return 'result 1'
 *
 * async def task2():
 *     print('Task 2 running')
 *     await asyncio.sleep(2)
 *     return 'result 2'
 *
 * async def main():
 *     results = await asyncio.gather(
 *         task1(),
 *         task2()
 *     )
 *     print(results)
 * ```
 *
 * Both start at 0 s; the gather resumes when the slower one is done, at 2 s.
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

const task2 = () =>
  Effect.gen(function* () {
    yield* print("Task 2 running")
    yield* asyncio.sleep(2)
    return "result 2"
  })

export const main = Effect.gen(function* () {
  const results = yield* asyncio.gather(task1(), task2())
  yield* print(results)
})

export const meta: ExampleMeta = {
  id: "05-gather-functions",
  title: "gather(task1(), task2()): bundle two coroutines, wait for both",
  seed: "001_11b91d42ddf15b5b.txt",
  section: "asyncio.gather() for Bundling Tasks",
  asyncio: ["gather", "sleep"],
  python: "python/05-gather-functions.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "This runs task1() and task2() asynchronously, waits for both to finish, collects their return values, and " +
      "assigns them to the results list."
  ],
  transcript: [
    [0, "Task 1 running"],
    [0, "Task 2 running"],
    [2, "['result 1', 'result 2']"]
  ],
  elapsed: 2,
  differences: [
    {
      kind: "note",
      why:
        "The tutorial shows no output; the transcript is what CPython 3.11 prints " +
        "(examples/python/05-gather-functions.py)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
