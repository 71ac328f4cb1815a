/**
 * Graceful shutdown of a service on SIGTERM — the classic asyncio pattern (Lynn Root, "Graceful Shutdowns with
 * asyncio"), ported line by line: signal handlers start a shutdown task that cancels every other task, waits for
 * them, flushes what the consumer buffered and stops the loop; `main` returns and the process exits 0.
 *
 * ```python
 * async def shutdown(sig, loop):
 *     print(f"Received exit signal {sig.name}...")
 *     tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
 *     for task in tasks:
 *         task.cancel()
 *     print(f"Cancelling {len(tasks)} outstanding tasks")
 *     await asyncio.gather(*tasks, return_exceptions=True)
 *     await flush()
 *     loop.stop()
 *
 * def main():
 *     loop = asyncio.new_event_loop()
 *     for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
 *         loop.add_signal_handler(s, lambda s=s: asyncio.create_task(shutdown(s, loop)))
 *     queue = asyncio.Queue()
 *     try:
 *         loop.create_task(publish(queue))
 *         loop.create_task(consume(queue))
 *         loop.run_forever()
 *     finally:
 *         loop.close()
 *         print("Successfully shutdown the service")
 * ```
 *
 * - `loop.addSignalHandler` replaces `run`'s own handling of that signal (cancel main, exit 130/143) while it is
 *   installed: the program decides what SIGTERM means.
 * - The handler returns `asyncio.createTask(shutdown(s, loop))`, an Effect, which the loop runs — it reads like the
 *   Python lambda.
 * - `main` waits in `yield* loop.runForever()`, and that task is left out of `allTasks()` while it waits (Python's
 *   `run_forever` runs no task): the shutdown routine's "every task but the current one" does not cancel it.
 *
 * It sends SIGTERM to itself after 1.35 s, so that `npm run example -- 61` ends on its own; with
 * `--wait-for-signal` it runs until the process receives SIGTERM, SIGINT (Ctrl-C) or SIGHUP — the test
 * (`test/shutdown-process.test.ts`) sends real signals to a child process.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { print } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

type Loop = asyncio.EventLoop.Loop

const buffer: Array<string> = []

const publish = (queue: asyncio.Queue.Queue<string>) =>
  Effect.gen(function* () {
    let n = 0
    while (true) {
      n += 1
      yield* queue.put(`msg-${n}`)
      yield* print(`published msg-${n}`)
      yield* asyncio.sleep(0.3)
    }
  })

const consume = (queue: asyncio.Queue.Queue<string>) =>
  Effect.gen(function* () {
    while (true) {
      const msg = yield* queue.get()
      buffer.push(msg)
      yield* print(`consumed ${msg}`)
    }
  })

const flush = () =>
  Effect.gen(function* () {
    yield* asyncio.sleep(0.1) // writing them somewhere
    yield* print(`flushed ${buffer.length} messages: ${buffer.join(", ")}`)
    buffer.length = 0
  })

const shutdown = (sig: string, loop: Loop) =>
  Effect.gen(function* () {
    yield* print(`Received exit signal ${sig}...`)
    const current = yield* asyncio.currentTask
    const tasks = [...(yield* asyncio.allTasks)].filter((t) => t !== current)
    for (const task of tasks) {
      yield* task.cancel()
    }
    yield* print(`Cancelling ${tasks.length} outstanding tasks`)
    yield* asyncio.gather(...tasks, { returnExceptions: true })
    yield* flush()
    loop.stop()
  })

export const main = Effect.gen(function* () {
  const loop = yield* asyncio.getRunningLoop()
  const signals = ["SIGHUP", "SIGTERM", "SIGINT"]
  for (const s of signals) {
    loop.addSignalHandler(s, () => asyncio.createTask(shutdown(s, loop)))
  }
  const queue = yield* asyncio.Queue.make<string>()
  yield* Effect.ensuring(
    Effect.gen(function* () {
      loop.createTask(publish(queue))
      loop.createTask(consume(queue))
      if (!process.argv.includes("--wait-for-signal")) {
        loop.callLater(1.35, () => process.kill(process.pid, "SIGTERM"))
      }
      yield* loop.runForever()
    }),
    print("Successfully shutdown the service")
  )
})

export const meta: RealTimeMeta = {
  id: "61-graceful-shutdown",
  title:
    "Graceful shutdown on SIGTERM: cancel the workers, flush, stop the loop, exit 0 (loop.add_signal_handler)",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: [
    "loop.add_signal_handler",
    "all_tasks",
    "current_task",
    "Task.cancel",
    "gather(return_exceptions=True)",
    "loop.run_forever",
    "loop.stop"
  ],
  python: "python/61-graceful-shutdown.py",
  checkPython: true,
  tutorialSays: [
    "If a request times out or a program is shutting down, unbounded background tasks can leak work or keep resources open longer than expected.",
    "Ignoring cancellation and exception handling in long-running services."
  ],
  transcript: [
    "published msg-1",
    "consumed msg-1",
    "published msg-2",
    "consumed msg-2",
    "published msg-3",
    "consumed msg-3",
    "published msg-4",
    "consumed msg-4",
    "published msg-5",
    "consumed msg-5",
    "Received exit signal SIGTERM...",
    "Cancelling 2 outstanding tasks",
    "flushed 5 messages: msg-1, msg-2, msg-3, msg-4, msg-5",
    "Successfully shutdown the service"
  ],
  elapsed: 1.45,
  notes: [
    "Python's main() is synchronous and drives a loop it made (`new_event_loop`, `run_forever`, `close`); here main " +
      "is the main task of `run`'s loop scope: `getRunningLoop()` gives the loop, `yield* loop.runForever()` waits " +
      "in main, and the loop closes when main returns. `try/finally` is `Effect.ensuring`.",
    'Signals are named as Node names them (`"SIGTERM"`); Python\'s `sig.name` is that name.',
    "It signals itself (a real SIGTERM, `process.kill(process.pid, …)`), so it cannot run inside another program's " +
      "process: the tests start it as a child process."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
