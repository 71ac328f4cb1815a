/**
 * Fan CPU work out through each executor — a thread pool, a process pool, a cluster of two runner processes — with
 * the same `gather`, and print a timeline of which worker ran which job when.
 *
 * ```python
 * with ProcessPoolExecutor(4) as pool:
 *     results = await asyncio.gather(*(loop.run_in_executor(pool, crunch, i, 50) for i in range(12)))
 * ```
 *
 *   node examples/executors/fan-out.ts          (npm scripts add the source condition; or npm run example:executors)
 */
import * as asyncio from "@effect-asyncio/core"
import { Executor, ProcessPool, workModule } from "@effect-asyncio/node"
import * as Cluster from "@effect-asyncio/node/Cluster"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
const JOBS = 12
const MS = 50

/** The user code: identical for every executor. */
const fanOut = (executor: Executor.Executor) =>
  asyncio.gather(
    ...Array.from({ length: JOBS }, (_, i) => Executor.runInExecutor(executor, work, "crunch", i, MS))
  )

const timeline = (
  title: string,
  results: ReadonlyArray<{ id: number; pid: number; start: number; end: number }>
) => {
  const t0 = Math.min(...results.map((r) => r.start))
  const t1 = Math.max(...results.map((r) => r.end))
  const width = 60
  const scale = (t: number) => Math.round(((t - t0) / Math.max(1, t1 - t0)) * width)
  const lanes = [...new Set(results.map((r) => r.pid))]
  console.log(`\n${title} — ${JOBS} jobs of ${MS} ms in ${t1 - t0} ms on ${lanes.length} worker process(es)`)
  for (const r of results) {
    const bar = " ".repeat(scale(r.start)) + "█".repeat(Math.max(1, scale(r.end) - scale(r.start)))
    console.log(`  job ${String(r.id).padStart(2)} pid ${r.pid} |${bar.padEnd(width)}|`)
  }
}

const run = (title: string, executor: Effect.Effect<Executor.Executor, never, Scope.Scope>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const results = yield* fanOut(yield* executor)
      timeline(title, results)
    })
  )

const main = Effect.gen(function* () {
  yield* run("ThreadPool(size 4) — threads share this process's pid", Executor.threadPool({ size: 4 }))
  yield* run("ProcessPool(size 4)", ProcessPool.make({ size: 4 }))
  yield* run(
    "Cluster: 2 runners × 2 threads (embedded SQLite store)",
    Cluster.make({ runners: 2, threads: 2 })
  )
})

Effect.runPromise(main).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
