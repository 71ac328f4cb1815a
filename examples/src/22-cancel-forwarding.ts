/**
 * Seed 002, "handle cancellation intentionally": where a cancellation travels. Not code in the tutorial.
 *
 * ```python
 * async def child(name, delay=10):
 *     try:
 *         await asyncio.sleep(delay)
 *     finally:
 *         print(f"  {name}: cleaning up")
 *         await asyncio.sleep(0.2)
 *         print(f"  {name}: cleaned up")
 *
 * async def parent(name, task):
 *     try:
 *         await task
 *     finally:
 *         print(f"  {name}: finally")
 *
 * # 1. through `await task`
 * download = asyncio.create_task(child("download"), name="download")
 * job = asyncio.create_task(parent("job", download), name="job")
 * await asyncio.sleep(1)
 * job.cancel("stop")
 *
 * # 2. through a TaskGroup, then through `await task`
 * async with asyncio.TaskGroup() as tg:
 *     tg.create_task(fail_after(0.5), name="fetch")
 *     job = tg.create_task(parent("job", download), name="job")
 * ```
 *
 * 1. A task cancelled while it awaits another task cancels that task too, **with the same message**, and ends
 *    only after it: `download` cleans up (0.2 s), then `job` runs its `finally`, then the awaiter of `job` sees
 *    the cancellation. Cancelling `download` alone would not have cancelled `job`.
 * 2. In a `TaskGroup`, the failure of `fetch` cancels its sibling `job`, and `job` forwards that cancellation to
 *    the `download` it awaits — although `download` is not in the group.
 *
 * The reasons show the path: a forwarded reason keeps the root cause's kind and message (`cancel` 'stop',
 * `sibling`) and its detail tells how it travelled ("job awaiting download was cancelled: …").
 */
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { awaitOrCancelled, cancelReason, showReason } from "./shared/cancel.ts"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

class ValueError extends Data.TaggedError("ValueError")<{ readonly message: string }> {}

const child = (name: string, delay = 10) =>
  Effect.ensuring(
    asyncio.sleep(delay),
    Effect.gen(function* () {
      yield* print(`  ${name}: cleaning up`)
      yield* asyncio.sleep(0.2)
      yield* print(`  ${name}: cleaned up`)
    })
  )

// `yield* task` is `await task`: a task is an effect that awaits it
const parent = <A, E>(name: string, task: asyncio.Task<A, E>) =>
  Effect.ensuring(task, print(`  ${name}: finally`))

const failAfter = (delay: number) =>
  Effect.andThen(asyncio.sleep(delay), Effect.fail(new ValueError({ message: "bad record" })))

const report = (tasks: ReadonlyArray<asyncio.Task<unknown, unknown>>) =>
  Effect.forEach(tasks, (task) =>
    Effect.gen(function* () {
      yield* print(`  ${task.name}: cancelled=${repr(yield* task.cancelled())}`)
      const reason = yield* cancelReason(task)
      if (reason !== undefined) yield* print(`    reason: ${showReason(reason)}`)
    })
  )

export const main = Effect.gen(function* () {
  yield* print("1. cancelling a task cancels the task it awaits:")
  const download1 = yield* asyncio.createTask(child("download"), { name: "download" })
  const job1 = yield* asyncio.createTask(parent("job", download1), { name: "job" })
  yield* asyncio.sleep(1)
  yield* job1.cancel("stop")
  yield* awaitOrCancelled(job1).pipe(
    Effect.catchTag("CancelledError", (e) => print(`  awaiting job raised ${repr(e)}`))
  )
  yield* report([job1, download1])

  yield* print("2. a failure in a TaskGroup cancels the siblings, and what they await:")
  const download2 = yield* asyncio.createTask(child("download"), { name: "download" })
  let job2: asyncio.Task<void> | undefined
  yield* asyncio.TaskGroup.run(
    (tg) =>
      Effect.gen(function* () {
        yield* tg.createTask(failAfter(0.5), { name: "fetch" })
        job2 = yield* tg.createTask(parent("job", download2), { name: "job" })
      }),
    { name: "jobs" }
  ).pipe(
    asyncio.exceptStar("ValueError", (eg) =>
      Effect.forEach(eg.exceptions, (error) => print(`  TaskGroup raised ${repr(error)}`))
    )
  )
  if (job2 !== undefined) yield* report([job2, download2])
})

const JOB_STOP = "    reason: kind='cancel', message='stop', detail='job was cancelled by main'"
const DOWNLOAD_STOP =
  "    reason: kind='cancel', message='stop', detail='job awaiting download was cancelled: job was cancelled by main'"
const JOB_SIBLING = "    reason: kind='sibling', detail='fetch failed in TaskGroup jobs'"
const DOWNLOAD_SIBLING =
  "    reason: kind='sibling', detail='job awaiting download was cancelled: fetch failed in TaskGroup jobs'"

const reasonDifference = (printed: string) =>
  ({
    kind: "python",
    printed,
    python: undefined,
    why: "Python records no reason for a cancellation (only the message of `cancel(msg)`, which it forwards too)."
  }) as const

export const meta: ExampleMeta = {
  id: "22-cancel-forwarding",
  title: "Cancellation travels down through `await task` and through a TaskGroup, and says which way it came",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: ["Task.cancel(msg)", "await task (yield* task)", "TaskGroup", "except*", "try/finally"],
  python: "python/22-cancel-forwarding.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "For new Python versions, TaskGroup is often cleaner for structured concurrency.",
    "Keep blocking work off the event loop and handle cancellation intentionally."
  ],
  transcript: [
    [0, "1. cancelling a task cancels the task it awaits:"],
    [1, "  download: cleaning up"],
    [1.2, "  download: cleaned up"],
    [1.2, "  job: finally"],
    [1.2, "  awaiting job raised CancelledError('stop')"],
    [1.2, "  job: cancelled=True"],
    [1.2, JOB_STOP],
    [1.2, "  download: cancelled=True"],
    [1.2, DOWNLOAD_STOP],
    [1.2, "2. a failure in a TaskGroup cancels the siblings, and what they await:"],
    [1.7, "  download: cleaning up"],
    [1.9, "  download: cleaned up"],
    [1.9, "  job: finally"],
    [1.9, "  TaskGroup raised ValueError('bad record')"],
    [1.9, "  job: cancelled=True"],
    [1.9, JOB_SIBLING],
    [1.9, "  download: cancelled=True"],
    [1.9, DOWNLOAD_SIBLING]
  ],
  elapsed: 1.9,
  differences: [
    reasonDifference(JOB_STOP),
    reasonDifference(DOWNLOAD_STOP),
    reasonDifference(JOB_SIBLING),
    reasonDifference(DOWNLOAD_SIBLING),
    {
      kind: "note",
      why:
        "Python's awaited task may swallow the forwarded cancellation and return a value, which the cancelled " +
        "awaiter then receives; ours cannot, so both always end cancelled (docs/cancellation.md §4)."
    },
    {
      kind: "note",
      why:
        "ValueError here is the program's own tagged error (a typed failure), not the library's ValueError, " +
        "which is a defect for misuse."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
