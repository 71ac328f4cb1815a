/**
 * Seed 002, "Error Handling and Cancellation": "If … a program is shutting down, unbounded background tasks can
 * leak work or keep resources open longer than expected." Two background workers hold a connection each; main
 * returns while they still run. Not code in the tutorial.
 *
 * ```python
 * async def careful_worker(name, number):
 *     open_connections.add(name)
 *     print(f"  {name}: connection opened")
 *     try:
 *         while True:
 *             await asyncio.sleep(1)
 *             print(f"  {name}: heartbeat")
 *     finally:
 *         await asyncio.sleep(0.1 * number)
 *         open_connections.discard(name)
 *         print(f"  {name}: connection closed")
 *
 * async def service(worker):
 *     tasks = [asyncio.create_task(worker(f"worker-{n}", n), name=f"worker-{n}") for n in (1, 2)]
 *     await asyncio.sleep(1.5)
 *     print("  main returns, leaving its workers running")
 *     return tasks
 *
 * tasks = asyncio.run(service(careful_worker))
 * ```
 *
 * The work does not leak: when main returns, the loop scope (`asyncio.run` in Python; `run` or `Loop.scoped`
 * here) cancels every task still pending — reason `shutdown` — and waits for them. But cancelling a task only
 * runs the clean-up it *has*:
 *
 * - **broken** (`leaky_worker`): the connection is opened with no clean-up attached, so it stays open after the
 *   program's tasks are gone;
 * - **fixed** (`careful_worker`): the connection is an `acquireUseRelease` resource (Python: `try/finally`);
 *   the shutdown runs each release (0.1 s and 0.2 s) and waits for it, so the loop ends at 3.2 s with every
 *   connection closed.
 *
 * Here each run is a `Loop.scoped(service(worker))` inside `main`, the analog of one `asyncio.run(...)` each, so
 * that main can look at the tasks afterwards (the outer `run` would do the same for tasks left over by main).
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { cancelReason, showReason } from "./shared/cancel.ts"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

const openConnections = new Set<string>()

const connect = (name: string) =>
  Effect.andThen(
    Effect.sync(() => openConnections.add(name)),
    print(`  ${name}: connection opened`)
  )

const heartbeats = (name: string) =>
  Effect.forever(Effect.andThen(asyncio.sleep(1), print(`  ${name}: heartbeat`)))

// broken: nothing closes the connection when the task is cancelled
const leakyWorker = (name: string, _number: number) => Effect.andThen(connect(name), heartbeats(name))

// fixed: the release runs however the use ends — here, cancelled at shutdown
const carefulWorker = (name: string, number: number) =>
  Effect.acquireUseRelease(
    connect(name),
    () => heartbeats(name),
    () =>
      Effect.gen(function* () {
        yield* asyncio.sleep(0.1 * number)
        openConnections.delete(name)
        yield* print(`  ${name}: connection closed`)
      })
  )

const service = (worker: (name: string, number: number) => Effect.Effect<never>) =>
  Effect.gen(function* () {
    const tasks = yield* Effect.forEach([1, 2], (n) =>
      asyncio.createTask(worker(`worker-${n}`, n), { name: `worker-${n}` })
    )
    yield* asyncio.sleep(1.5)
    yield* print("  main returns, leaving its workers running")
    return tasks
  })

export const main = Effect.gen(function* () {
  for (const [label, worker] of [
    ["leaky_worker", leakyWorker],
    ["careful_worker", carefulWorker]
  ] as const) {
    yield* print(`${label}:`)
    const tasks = yield* asyncio.Loop.scoped(service(worker))
    yield* print(`  after the loop ended: open connections ${repr([...openConnections].sort())}`)
    for (const task of tasks) {
      yield* print(`  ${task.name}: cancelled=${repr(yield* task.cancelled())}`)
      const reason = yield* cancelReason(task)
      if (reason !== undefined) yield* print(`    reason: ${showReason(reason, { detail: false })}`)
    }
    openConnections.clear()
  }
})

const REASON = "    reason: kind='shutdown'"

export const meta: ExampleMeta = {
  id: "20-shutdown-background",
  title: "Shutting down with background tasks: the loop cancels them, only clean-up closes their resources",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: [
    "asyncio.run (Loop.scoped)",
    "create_task(name=…)",
    "try/finally (acquireUseRelease)",
    "Task.cancelled"
  ],
  python: "python/20-shutdown-background.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "If a request times out or a program is shutting down, unbounded background tasks can leak work or keep " +
      "resources open longer than expected.",
    "Ignoring cancellation and exception handling in long-running services."
  ],
  transcript: [
    [0, "leaky_worker:"],
    [0, "  worker-1: connection opened"],
    [0, "  worker-2: connection opened"],
    [1, "  worker-1: heartbeat"],
    [1, "  worker-2: heartbeat"],
    [1.5, "  main returns, leaving its workers running"],
    [1.5, "  after the loop ended: open connections ['worker-1', 'worker-2']"],
    [1.5, "  worker-1: cancelled=True"],
    [1.5, REASON],
    [1.5, "  worker-2: cancelled=True"],
    [1.5, REASON],
    [1.5, "careful_worker:"],
    [1.5, "  worker-1: connection opened"],
    [1.5, "  worker-2: connection opened"],
    [2.5, "  worker-1: heartbeat"],
    [2.5, "  worker-2: heartbeat"],
    [3, "  main returns, leaving its workers running"],
    [3.1, "  worker-1: connection closed"],
    [3.2, "  worker-2: connection closed"],
    [3.2, "  after the loop ended: open connections []"],
    [3.2, "  worker-1: cancelled=True"],
    [3.2, REASON],
    [3.2, "  worker-2: cancelled=True"],
    [3.2, REASON]
  ],
  elapsed: 3.2,
  differences: [
    {
      kind: "python",
      printed: REASON,
      python: undefined,
      why:
        "Python records no reason. Ours is kind 'shutdown'; its detail (not printed, as it names the loop " +
        "scope by a process-wide counter) reads 'the loop scope loop-2 was shutting down'."
    },
    {
      kind: "note",
      why:
        "Python's script calls asyncio.run() twice from plain code; ours calls `Loop.scoped` twice inside the " +
        "program's `run`, which installs a nested loop scope with the same shutdown."
    },
    {
      kind: "note",
      why:
        "The close delay differs per worker (0.1 s × number) so that the two `closed` lines have a fixed order: " +
        "asyncio.run() cancels the leftover tasks in the order of a set, which is not the creation order in " +
        "general."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
