/**
 * Seed 002, "Error Handling and Cancellation": "For new Python versions, TaskGroup is often cleaner for
 * structured concurrency." The requests of 17-gather-errors in a `TaskGroup`, with the failure handled by
 * `except*`. Not code in the tutorial.
 *
 * ```python
 * try:
 *     async with asyncio.TaskGroup() as tg:
 *         for name, delay, fail in JOBS:
 *             tasks.append(tg.create_task(fetch(name, delay, fail), name=name))
 * except* ConnectionError as eg:
 *     print(f"TaskGroup raised ({time.time()-start:.1f}s): {eg}")
 *     for error in eg.exceptions: ...
 * for task in tasks:
 *     print(f"{task.get_name()}: cancelled={task.cancelled()}")
 * ```
 *
 * Side by side with 17, the transcript shows the difference: there the first error came out of `gather` at 1 s
 * and `users` and `stock` still ran to 2 s and 3 s; here the failure of `orders` at 1 s **cancels** `users` and
 * `stock` at once, the group waits for their clean-up, and then fails with an `ExceptionGroup` — all at 1 s.
 * Each member of our `ExceptionGroup` says which task raised it (Python's does not: its script searches the
 * tasks), and each cancelled task's reason names the task that failed and the group.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { cancelReason, showReason } from "./shared/cancel.ts"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr, str } from "./shared/python.ts"

class ConnectionError extends Data.TaggedError("ConnectionError")<{ readonly message: string }> {}

const fetch = (name: string, delay: number, fail: boolean) =>
  Effect.gen(function* () {
    // Python: `except asyncio.CancelledError: print(...); raise` — the cancellation cannot be swallowed here.
    yield* asyncio.sleep(delay).pipe(Effect.onInterrupt(() => print(`  ${name} cancelled`)))
    if (fail) return yield* new ConnectionError({ message: `${name} refused` })
    yield* print(`  ${name} finished`)
    return `${name} ok`
  })

const JOBS: ReadonlyArray<readonly [name: string, delay: number, fail: boolean]> = [
  ["users", 2, false],
  ["orders", 1, true],
  ["stock", 3, false]
]

export const main = Effect.gen(function* () {
  const start = yield* now
  const tasks: Array<asyncio.Task<string, ConnectionError>> = []
  yield* asyncio.TaskGroup.run(
    (tg) =>
      Effect.forEach(JOBS, ([name, delay, fail]) =>
        Effect.map(tg.createTask(fetch(name, delay, fail), { name }), (task) => {
          tasks.push(task)
        })
      ),
    { name: "requests" }
  ).pipe(
    asyncio.exceptStar("ConnectionError", (eg) =>
      Effect.gen(function* () {
        yield* print(`TaskGroup raised (${((yield* now) - start).toFixed(1)}s): ${str(eg)}`)
        for (const { task, error } of eg.members) yield* print(`  ${task}: ${repr(error)}`)
      })
    )
  )
  for (const task of tasks) {
    yield* print(`${task.name}: cancelled=${repr(yield* task.cancelled())}`)
    const reason = yield* cancelReason(task)
    if (reason !== undefined) yield* print(`  reason: ${showReason(reason)}`)
  }
})

const REASON = "  reason: kind='sibling', detail='orders failed in TaskGroup requests'"

export const meta: ExampleMeta = {
  id: "18-taskgroup-errors",
  title: "TaskGroup: the first error cancels the rest; ExceptionGroup (with task names) handled by except*",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: [
    "TaskGroup",
    "TaskGroup.create_task(name=…)",
    "except* (exceptStar)",
    "ExceptionGroup",
    "Task.cancelled"
  ],
  python: "python/18-taskgroup-errors.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "For new Python versions, TaskGroup is often cleaner for structured concurrency, but create_task() plus " +
      "gather() remains the most widely understood pattern."
  ],
  transcript: [
    [1, "  users cancelled"],
    [1, "  stock cancelled"],
    [1, "TaskGroup raised (1.0s): unhandled errors in a TaskGroup (1 sub-exception)"],
    [1, "  orders: ConnectionError('orders refused')"],
    [1, "users: cancelled=True"],
    [1, REASON],
    [1, "orders: cancelled=False"],
    [1, "stock: cancelled=True"],
    [1, REASON]
  ],
  elapsed: 1,
  differences: [
    {
      kind: "python",
      printed: REASON,
      python: undefined,
      why:
        "Python records no reason for a cancellation. Ours says the task was cancelled because its sibling " +
        "`orders` failed in the group named `requests` (`TaskGroup.run(body, { name })`)."
    },
    {
      kind: "note",
      why:
        "Each member of our ExceptionGroup carries the name of the task that raised it (`eg.members`); Python's " +
        "`eg.exceptions` does not, so the Python script finds the task whose exception() is the error."
    },
    {
      kind: "note",
      why:
        "`async with TaskGroup()` inside `try … except* ConnectionError` is `TaskGroup.run(body).pipe(" +
        'exceptStar("ConnectionError", handler))`; the error type left afterwards is the group of the other ' +
        "members (here only defects, `ExceptionGroup<Defect>`)."
    },
    {
      kind: "note",
      why:
        "The clean-up on cancellation is `Effect.onInterrupt` where Python catches CancelledError and re-raises " +
        "it; our task cannot swallow its cancellation."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
