/**
 * A service whose consumer task crashes, noticed at once by the loop's exception handler, which starts a new
 * consumer: `loop.set_exception_handler`, "Task exception was never retrieved".
 *
 * ```python
 * def start_consumer(loop):
 *     global consumers
 *     consumers += 1
 *     loop.create_task(consume(f"consumer-{consumers}"))  # no reference kept
 *
 * def handle_exception(loop, context):
 *     exc = context.get("exception")
 *     print(f"exception handler: {context['message']}: {exc!r}")
 *     print("starting a new consumer")
 *     start_consumer(loop)
 *
 * async def main():
 *     loop = asyncio.get_running_loop()
 *     loop.set_exception_handler(handle_exception)
 *     start_consumer(loop)
 *     await produce()
 * ```
 *
 * - In CPython the report comes when the failed task is garbage-collected — here at once, since nothing references
 *   the task. effect-asyncio does not wait for the garbage collector: a task of the loop that ends with an error
 *   nobody awaited or read is reported one loop iteration after it ended (after its done callbacks), so the
 *   handler runs at the same moment in both.
 * - The handler returns an Effect (`print`): the loop runs it.
 * - Message 3 is lost with the consumer that crashed on it (`task_done()` still ran in its `finally`, so `join()`
 *   returns); the new consumer handles the rest.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

class ValueError extends Error {
  override readonly name = "ValueError"
}

let queue: asyncio.Queue.Queue<number>
let consumers = 0

const produce = () =>
  Effect.gen(function* () {
    for (let n = 1; n < 7; n++) {
      yield* queue.put(n)
      yield* print(`produced ${n}`)
      yield* asyncio.sleep(0.5)
    }
    yield* queue.join()
    yield* print("all messages handled")
  })

const consume = (name: string) =>
  Effect.gen(function* () {
    while (true) {
      const n = yield* queue.get()
      yield* Effect.ensuring(
        Effect.gen(function* () {
          if (n === 3) {
            return yield* Effect.fail(new ValueError(`cannot handle message ${n}`))
          }
          yield* print(`${name} handled ${n}`)
        }),
        queue.taskDone()
      )
    }
  })

const startConsumer = (loop: asyncio.EventLoop.Loop): void => {
  consumers += 1
  loop.createTask(consume(`consumer-${consumers}`)) // no reference kept
}

const handleException = (loop: asyncio.EventLoop.Loop, context: asyncio.EventLoop.ExceptionContext) =>
  Effect.gen(function* () {
    const exc = context.exception
    yield* print(`exception handler: ${context.message}: ${repr(exc)}`)
    yield* print("starting a new consumer")
    startConsumer(loop)
  })

export const main = Effect.gen(function* () {
  consumers = 0
  queue = yield* asyncio.Queue.make<number>()
  const loop = yield* asyncio.getRunningLoop()
  loop.setExceptionHandler(handleException)
  startConsumer(loop)
  yield* produce()
})

export const meta: ExampleMeta = {
  id: "62-exception-handler",
  title: "The loop's exception handler notices a crashed consumer at once and starts a new one",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Common Pitfalls (ignoring exception handling in long-running services)",
  asyncio: [
    "loop.set_exception_handler",
    "Task exception was never retrieved",
    "loop.create_task",
    "Queue",
    "task_done",
    "join"
  ],
  python: "python/62-exception-handler.py",
  tutorialOutput: undefined,
  tutorialSays: ["Ignoring cancellation and exception handling in long-running services."],
  transcript: [
    [0, "produced 1"],
    [0, "consumer-1 handled 1"],
    [0.5, "produced 2"],
    [0.5, "consumer-1 handled 2"],
    [1, "produced 3"],
    [1, "exception handler: Task exception was never retrieved: ValueError('cannot handle message 3')"],
    [1, "starting a new consumer"],
    [1.5, "produced 4"],
    [1.5, "consumer-2 handled 4"],
    [2, "produced 5"],
    [2, "consumer-2 handled 5"],
    [2.5, "produced 6"],
    [2.5, "consumer-2 handled 6"],
    [3, "all messages handled"]
  ],
  elapsed: 3,
  differences: [
    {
      kind: "note",
      why:
        "CPython calls the handler when the failed task is garbage-collected, which for a task nobody references is " +
        "the moment it ends. Here the loop reports a failed task nobody awaited or read one loop iteration after it " +
        "ended, whether or not it is referenced (docs/semantics.md, row L10): the same moment in this program."
    },
    {
      kind: "note",
      why:
        "Python's `try: … finally: queue.task_done()` is `Effect.ensuring(…, queue.taskDone())`; the handler is a " +
        "function returning an Effect, which the loop runs."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
