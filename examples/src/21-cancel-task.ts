/**
 * Seed 002, "handle cancellation intentionally": how to cancel a task, and what everyone sees. Not code in the
 * tutorial.
 *
 * ```python
 * async def download(name):
 *     print(f"{name}: started")
 *     try:
 *         await asyncio.sleep(10)
 *         print(f"{name}: finished")
 *     finally:
 *         print(f"{name}: cleaning up")
 *         await asyncio.sleep(0.2)
 *         print(f"{name}: cleaned up")
 *
 * task = asyncio.create_task(download("download"), name="download")
 * await asyncio.sleep(1)
 * print(f"cancel('user pressed stop') -> {task.cancel('user pressed stop')}")
 * print(f"done() right after cancel(): {task.done()}")
 * try:
 *     await task
 * except asyncio.CancelledError as e:
 *     print(f"awaiting it raised {e!r}")
 * ```
 *
 * - `task.cancel(msg)` is a **request**: it returns `true` at once and the task is not done yet;
 * - the task stops where it is suspended (the `sleep`), and its clean-up runs — taking 0.2 s, which the awaiter
 *   waits for: nothing is still cleaning up when `yield* task` returns;
 * - awaiting the task gives the cancellation, with the message; ours also says **why** (`CancelledError.reason`:
 *   who cancelled, with what message);
 * - afterwards `cancelled()` is true, `result()` raises the `CancelledError`, and a second `cancel()` returns
 *   `false`.
 *
 * One ordering differs from Python: our `cancel()` interrupts the suspended task at once, so the clean-up starts
 * inside the `cancel()` call and `download: cleaning up` is printed before `cancel()` returns; Python prints it
 * after main's next two lines (docs/semantics.md, row C4).
 *
 * `yield* task` propagates a cancellation as interruption, which no `catchTag` sees; `awaitOrCancelled`
 * (`shared/cancel.ts`) is Python's `except CancelledError as e` around `await task`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { awaitOrCancelled, showReason } from "./shared/cancel.ts"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

const download = (name: string) =>
  Effect.gen(function* () {
    yield* print(`${name}: started`)
    yield* Effect.ensuring(
      Effect.andThen(asyncio.sleep(10), print(`${name}: finished`)),
      Effect.gen(function* () {
        yield* print(`${name}: cleaning up`)
        yield* asyncio.sleep(0.2)
        yield* print(`${name}: cleaned up`)
      })
    )
  })

export const main = Effect.gen(function* () {
  const task = yield* asyncio.createTask(download("download"), { name: "download" })
  yield* asyncio.sleep(1)
  yield* print(`cancel('user pressed stop') -> ${repr(yield* task.cancel("user pressed stop"))}`)
  yield* print(`done() right after cancel(): ${repr(yield* task.done())}`)
  yield* awaitOrCancelled(task).pipe(
    Effect.catchTag("CancelledError", (e) =>
      Effect.gen(function* () {
        yield* print(`awaiting it raised ${repr(e)}`)
        yield* print(`  reason: ${showReason(e.reason)}`)
      })
    )
  )
  yield* print(`done(): ${repr(yield* task.done())}, cancelled(): ${repr(yield* task.cancelled())}`)
  yield* task.result().pipe(Effect.catchTag("CancelledError", (e) => print(`result() raised ${repr(e)}`)))
  yield* print(`cancel() again -> ${repr(yield* task.cancel())}`)
})

const REASON = "  reason: kind='cancel', message='user pressed stop', detail='download was cancelled by main'"

export const meta: ExampleMeta = {
  id: "21-cancel-task",
  title:
    "Cancelling a task: a request with a message; clean-up runs; awaiting it gives the cancellation and why",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: [
    "Task.cancel(msg)",
    "Task.done",
    "Task.cancelled",
    "Task.result",
    "CancelledError",
    "try/finally"
  ],
  python: "python/21-cancel-task.py",
  tutorialOutput: undefined,
  tutorialSays: ["Keep blocking work off the event loop and handle cancellation intentionally."],
  transcript: [
    [0, "download: started"],
    [1, "download: cleaning up"],
    [1, "cancel('user pressed stop') -> True"],
    [1, "done() right after cancel(): False"],
    [1.2, "download: cleaned up"],
    [1.2, "awaiting it raised CancelledError('user pressed stop')"],
    [1.2, REASON],
    [1.2, "done(): True, cancelled(): True"],
    [1.2, "result() raised CancelledError('user pressed stop')"],
    [1.2, "cancel() again -> False"]
  ],
  elapsed: 1.2,
  differences: [
    {
      kind: "python-order",
      printed: "download: cleaning up",
      after: "done() right after cancel(): False",
      why:
        "Our `cancel()` interrupts the suspended task at once (Effect delivers interruption to a suspended fiber " +
        "immediately), so the clean-up starts inside the `cancel()` call and runs up to its first suspension " +
        "(the 0.2 s sleep) before `cancel()` returns `true`. Python's `cancel()` only records the request; the " +
        "task runs its `finally` at the next loop iteration, after main has printed both lines. Either way " +
        "the task is not done yet when `cancel()` returns. docs/semantics.md row C4."
    },
    {
      kind: "python",
      printed: REASON,
      python: undefined,
      why:
        "Python's CancelledError carries the message only (`e.args[0]`, our `e.cancelMessage`). Ours also has a " +
        "reason: the kind of cancellation, the message, and who cancelled (the main task is named 'main' in " +
        "these examples)."
    },
    {
      kind: "python",
      printed: "result() raised CancelledError('user pressed stop')",
      python: "result() raised CancelledError()",
      why:
        "CPython hands the CancelledError that carries the message to the first caller only (`await task` " +
        "here) and makes a bare CancelledError() for later ones (Future._make_cancelled_error erases it). Ours " +
        "gives the same CancelledError, message and reason, to everyone who asks."
    },
    {
      kind: "note",
      why:
        "Python's task could catch CancelledError in `except` and carry on (return a value); ours cannot swallow " +
        "its cancellation — the clean-up (`Effect.ensuring`, Python's `finally`) runs, and the task ends " +
        "cancelled. See docs/cancellation.md §1."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
