/**
 * The event loop itself: the asyncio documentation's low-level examples "Hello World with call_soon()" and
 * "Display the current date with call_later()", ported line by line, then a callback-style library whose callback
 * starts tasks — the thing ported programs most often need the loop object for.
 *
 * ```python
 * def hello_world(loop):
 *     print('Hello World')
 *     loop.stop()
 *
 * def display_date(end_time, loop):
 *     print(f"{loop.time() - start:.1f}s")
 *     if (loop.time() + 1.0) < end_time:
 *         loop.call_later(1, display_date, end_time, loop)
 *     else:
 *         loop.stop()
 *
 * loop.call_soon(hello_world, loop)
 * loop.run_forever()
 * end_time = loop.time() + 5.0
 * loop.call_soon(display_date, end_time, loop)
 * loop.run_forever()
 * ```
 *
 * - `getRunningLoop()` gives the loop as an object whose methods are plain calls (`loop.callSoon`,
 *   `loop.callLater`, `loop.createTask`, `loop.stop`): they are meant for code that runs outside any fiber.
 * - A callback that returns an Effect has it run at once (here: `print`, which is an Effect): the callbacks read like
 *   Python's.
 * - `yield* loop.runForever()` waits until a callback calls `loop.stop()` — Python's `run_forever()`.
 * - The sensor library knows nothing about Effect: it calls a plain function for each reading, and that function
 *   starts a task with `loop.createTask` — owned by the loop, awaited later with `gather`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print } from "./shared/python.ts"

type Loop = asyncio.EventLoop.Loop

let start = 0

/** A callback to print 'Hello World' and stop the event loop */
const helloWorld = (loop: Loop) =>
  Effect.gen(function* () {
    yield* print("Hello World")
    loop.stop()
  })

const displayDate = (endTime: number, loop: Loop): Effect.Effect<void> =>
  Effect.gen(function* () {
    yield* print(`${(loop.time() - start).toFixed(1)}s`)
    if (loop.time() + 1.0 < endTime) {
      loop.callLater(1, displayDate, endTime, loop)
    } else {
      loop.stop()
    }
  })

/** A callback-style library: every 0.5 s it calls onReading(value) with the next reading. */
class Sensor {
  private readonly loop: Loop
  private readonly readings: Array<number>
  private readonly onReading: (value: number) => unknown

  constructor(loop: Loop, readings: ReadonlyArray<number>, onReading: (value: number) => unknown) {
    this.loop = loop
    this.readings = [...readings]
    this.onReading = onReading
    loop.callLater(0.5, () => this.next())
  }

  private next(): unknown {
    const result = this.onReading(this.readings.shift()!)
    if (this.readings.length > 0) this.loop.callLater(0.5, () => this.next())
    return result
  }
}

const store = (value: number) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(0.3)
    yield* print(`stored ${value}`)
  })

const collect = (loop: Loop) =>
  Effect.gen(function* () {
    const tasks: Array<asyncio.Task<void>> = []

    const onReading = (value: number) => {
      // called by the library, outside any task
      tasks.push(loop.createTask(store(value)))
      return print(`reading ${value}`)
    }

    new Sensor(loop, [21.5, 22.25, 22.75], onReading)
    yield* asyncio.sleep(2)
    yield* asyncio.gather(...tasks)
    yield* print(`${tasks.length} readings stored`)
  })

export const main = Effect.gen(function* () {
  const loop = yield* asyncio.getRunningLoop()
  start = loop.time()

  // Schedule a call to hello_world()
  loop.callSoon(helloWorld, loop)

  // Blocking call interrupted by loop.stop()
  yield* loop.runForever()

  // Schedule the first call to display_date()
  const endTime = loop.time() + 5.0
  loop.callSoon(displayDate, endTime, loop)

  // Blocking call interrupted by loop.stop()
  yield* loop.runForever()

  yield* collect(loop)
})

export const meta: ExampleMeta = {
  id: "60-loop-callbacks",
  title:
    "The event loop: call_soon, call_later, run_forever/stop, and tasks started from a library's callback",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Coroutines, Tasks, and the Event Loop",
  asyncio: [
    "get_running_loop",
    "loop.call_soon",
    "loop.call_later",
    "loop.time",
    "loop.run_forever",
    "loop.stop",
    "loop.create_task",
    "gather"
  ],
  python: "python/60-loop-callbacks.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "The key idea is that a coroutine gives control back to the event loop while it is waiting, so other tasks can make progress.",
    "A task is a scheduled wrapper around a coroutine that the event loop can run independently."
  ],
  transcript: [
    [0, "Hello World"],
    [0, "0.0s"],
    [1, "1.0s"],
    [2, "2.0s"],
    [3, "3.0s"],
    [4, "4.0s"],
    [4.5, "reading 21.5"],
    [4.8, "stored 21.5"],
    [5, "reading 22.25"],
    [5.3, "stored 22.25"],
    [5.5, "reading 22.75"],
    [5.8, "stored 22.75"],
    [6, "3 readings stored"]
  ],
  elapsed: 6,
  differences: [
    {
      kind: "note",
      why:
        "The documentation's display_date prints datetime.datetime.now(); this prints the loop's clock since the " +
        "start, so that every run (and the virtual-time test) prints the same lines."
    },
    {
      kind: "note",
      why:
        "Python drives the loop from outside (`loop = asyncio.new_event_loop()`, `loop.run_forever()`, " +
        "`loop.run_until_complete(collect(loop))`, `loop.close()`). Here the program is `main`, run by `run()` (the " +
        "loop scope): `getRunningLoop()` gives the loop, `yield* loop.runForever()` waits in main until " +
        "`loop.stop()`, and `yield* collect(loop)` is the run_until_complete; the loop closes when main returns."
    },
    {
      kind: "note",
      why:
        "Python's callbacks call print(); ours return `print(…)`, an Effect, which the loop runs at once as part of " +
        "the callback (a callback that returns an Effect has it run). Code after `loop.stop()` still runs: stop() " +
        "only makes runForever() return on the next turn, as in Python."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
