/**
 * Seed 002, "Error Handling and Cancellation": "If one task fails, gather() will raise unless you ask for
 * returned exceptions. That behavior is often correct, but you should choose it deliberately." The tutorial
 * shows no code; this is both choices on the same three requests (one fails after 1 s).
 *
 * ```python
 * tasks = [asyncio.create_task(fetch(name, delay, fail)) for name, delay, fail in JOBS]
 * try:
 *     await asyncio.gather(*tasks)
 * except ConnectionError as e:
 *     print(f"  gather raised ({time.time()-start:.1f}s): {e!r}")
 *     print(f"  still running: {[name for (name, _, _), t in zip(JOBS, tasks) if not t.done()]}")
 * await asyncio.wait(tasks)
 *
 * results = await asyncio.gather(*[fetch(name, delay, fail) for name, delay, fail in JOBS],
 *                                return_exceptions=True)
 * for (name, _, _), result in zip(JOBS, results): ...
 * ```
 *
 * 1. By default the first error comes out of `gather` at once (1 s) — and **nothing is cancelled**: the other two
 *    requests keep running and finish at 2 s and 3 s, whether anyone still wants their results or not. That is
 *    asyncio's behaviour and ours; 18-taskgroup-errors runs the same requests in a `TaskGroup`, which cancels
 *    them instead.
 * 2. With `{ returnExceptions: true }` the gather waits for all three and returns each result or error in its
 *    position; the caller decides what a failure means.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

class ConnectionError extends Data.TaggedError("ConnectionError")<{ readonly message: string }> {}

const fetch = (name: string, delay: number, fail: boolean) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(delay)
    if (fail) return yield* new ConnectionError({ message: `${name} refused` })
    yield* print(`  ${name} finished`)
    return `${name} ok`
  })

const JOBS: ReadonlyArray<readonly [name: string, delay: number, fail: boolean]> = [
  ["users", 2, false],
  ["orders", 1, true],
  ["stock", 3, false]
]

const since = (start: number) => Effect.map(now, (t) => (t - start).toFixed(1))

export const main = Effect.gen(function* () {
  let start = yield* now
  yield* print("gather() raises the first error:")
  const tasks = yield* Effect.forEach(JOBS, ([name, delay, fail]) =>
    asyncio.createTask(fetch(name, delay, fail))
  )
  yield* asyncio.gather(...tasks).pipe(
    Effect.catchTag("ConnectionError", (e) =>
      Effect.gen(function* () {
        yield* print(`  gather raised (${yield* since(start)}s): ${repr(e)}`)
        const running: Array<string> = []
        for (const [i, task] of tasks.entries()) if (!(yield* task.done())) running.push(JOBS[i][0])
        yield* print(`  still running: ${repr(running)}`)
      })
    )
  )
  yield* asyncio.wait(tasks)
  yield* print(`  the others finished anyway (${yield* since(start)}s)`)

  start = yield* now
  yield* print("gather(return_exceptions=True) collects results and errors:")
  const results = yield* asyncio.gather(...JOBS.map(([name, delay, fail]) => fetch(name, delay, fail)), {
    returnExceptions: true
  })
  for (const [i, result] of results.entries()) {
    const name = JOBS[i][0]
    yield* print(
      typeof result === "string" ? `  ${name}: ${repr(result)}` : `  ${name}: failed with ${repr(result)}`
    )
  }
  yield* print(`  (${yield* since(start)}s)`)
})

export const meta: ExampleMeta = {
  id: "17-gather-errors",
  title: "gather(): the first error propagates and the rest keep running, or returnExceptions collects all",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: ["gather", "gather(return_exceptions=True)", "create_task", "wait", "Task.done"],
  python: "python/17-gather-errors.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "If one task fails, gather() will raise unless you ask for returned exceptions. That behavior is often " +
      "correct, but you should choose it deliberately."
  ],
  transcript: [
    [0, "gather() raises the first error:"],
    [1, "  gather raised (1.0s): ConnectionError('orders refused')"],
    [1, "  still running: ['users', 'stock']"],
    [2, "  users finished"],
    [3, "  stock finished"],
    [3, "  the others finished anyway (3.0s)"],
    [3, "gather(return_exceptions=True) collects results and errors:"],
    [5, "  users finished"],
    [6, "  stock finished"],
    [6, "  users: 'users ok'"],
    [6, "  orders: failed with ConnectionError('orders refused')"],
    [6, "  stock: 'stock ok'"],
    [6, "  (3.0s)"]
  ],
  elapsed: 6,
  differences: [
    {
      kind: "note",
      why:
        "ConnectionError is an Effect tagged error (`Data.TaggedError`), the typed stand-in for Python's " +
        "builtin; `gather` fails with it in the error channel and `Effect.catchTag` is `except ConnectionError`."
    },
    {
      kind: "note",
      why:
        'Python\'s `isinstance(result, Exception)` is `typeof result !== "string"`: the result type says each ' +
        "position holds a string, a ConnectionError, a Defect or a CancelledError."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
