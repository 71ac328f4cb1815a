/**
 * Seed 000, "Common Pitfalls", the second pitfall: passing coroutines straight to `gather()` "works but does not
 * start tasks immediately". The tutorial has no code for it; this is the demonstration.
 *
 * ```python
 * coros = [slow_task('Task1'), slow_task('Task2')]   # nothing runs yet
 * await asyncio.sleep(1)                             # other work
 * print(await asyncio.gather(*coros))                # 1 s + 2 s = 3 s
 *
 * tasks = [asyncio.create_task(slow_task('Task1')), asyncio.create_task(slow_task('Task2'))]
 * await asyncio.sleep(1)                             # the tasks run meanwhile
 * print(await asyncio.gather(*tasks))                # 2 s in all
 * ```
 *
 * An Effect is what a Python coroutine object is: a description of work that does nothing until it is run.
 * `gather` turns each effect into a task when the gather itself runs — here after the other work.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print } from "./shared/python.ts"

const slowTask = (name: string) =>
  Effect.gen(function* () {
    yield* print(`${name} started`)
    yield* asyncio.sleep(2)
    return `${name} done`
  })

export const main = Effect.gen(function* () {
  let start = yield* now
  yield* print("Coroutines passed to gather():")
  const coros = [slowTask("Task1"), slowTask("Task2")] // nothing runs yet
  yield* asyncio.sleep(1) // other work
  yield* print(yield* asyncio.gather(...coros))
  yield* print(`(took ${((yield* now) - start).toFixed(1)}s: the coroutines only started when gather() ran)`)

  start = yield* now
  yield* print("Tasks passed to gather():")
  const tasks = [yield* asyncio.createTask(slowTask("Task1")), yield* asyncio.createTask(slowTask("Task2"))]
  yield* asyncio.sleep(1) // the same other work
  yield* print(yield* asyncio.gather(...tasks))
  yield* print(`(took ${((yield* now) - start).toFixed(1)}s: the tasks ran during the other work)`)
})

export const meta: ExampleMeta = {
  id: "04-gather-coroutines",
  title: "gather() over coroutines (effects) starts them late; tasks start at once",
  seed: "000_7fb8fc30f69cfc8d.txt",
  section: "Common Pitfalls",
  asyncio: ["gather", "create_task", "sleep"],
  python: "python/04-gather-coroutines.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "Another is to forget to use asyncio.create_task() and pass coroutines directly to asyncio.gather(), which " +
      "works but does not start tasks immediately."
  ],
  transcript: [
    [0, "Coroutines passed to gather():"],
    [1, "Task1 started"],
    [1, "Task2 started"],
    [3, "['Task1 done', 'Task2 done']"],
    [3, "(took 3.0s: the coroutines only started when gather() ran)"],
    [3, "Tasks passed to gather():"],
    [3, "Task1 started"],
    [3, "Task2 started"],
    [5, "['Task1 done', 'Task2 done']"],
    [5, "(took 2.0s: the tasks ran during the other work)"]
  ],
  elapsed: 5,
  differences: [
    {
      kind: "note",
      why:
        "A Python coroutine object can be awaited once; an Effect is a reusable description — running " +
        "`coros[0]` again would run slow_task('Task1') again. Passing the same effect object twice to one " +
        "gather() runs it once, as Python does for the same coroutine object."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
