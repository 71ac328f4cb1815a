/**
 * `npm run bench:executors`: N CPU jobs of ≈ 1 ms (default 10,000) through each executor — ThreadPool,
 * ProcessPool, the cluster with 1 and 2 runners — against `Promise.all` over `worker_threads` by hand and Python's
 * `ProcessPoolExecutor` with `asyncio.gather`. Every executor gets as many workers as the machine has cores.
 *
 * Not a workload of `npm run bench`: its cells run in worker threads and time microsecond tasks, while these jobs
 * spawn processes and take seconds. Prints a table: wall seconds, jobs/s, and per-job overhead = (wall × workers
 * − N × 1 ms) / N, the CPU-time each job costs beyond its own work.
 *
 *   npm run bench:executors                 # N = 10,000
 *   npm run bench:executors -- 2000         # smaller N
 */
import { execFileSync } from "node:child_process"
import { availableParallelism, loadavg } from "node:os"
import { Worker } from "node:worker_threads"
import * as asyncio from "@effect-asyncio/core"
import { Executor, ProcessPool, workModule } from "@effect-asyncio/node"
import * as Cluster from "@effect-asyncio/node/Cluster"
import * as Effect from "effect/Effect"

const N = Number(process.argv[2] ?? 10_000)
const workers = Math.max(1, availableParallelism())
const work = workModule<typeof import("./executors/work.ts")>(new URL("./executors/work.ts", import.meta.url))
const expected = (N * (N - 1)) / 2

interface Row {
  readonly impl: string
  readonly seconds: number
}
const rows: Array<Row> = []

const fanOut = (executor: Executor.Executor) =>
  Effect.gen(function* () {
    // warm-up: every worker starts and loads the module
    yield* asyncio.gather(
      ...Array.from({ length: workers * 4 }, (_, i) => Executor.runInExecutor(executor, work, "burn", i))
    )
    const start = performance.now()
    const results = yield* asyncio.gather(
      ...Array.from({ length: N }, (_, i) => Executor.runInExecutor(executor, work, "burn", i))
    )
    const seconds = (performance.now() - start) / 1000
    if (results.reduce((a, b) => a + b, 0) !== expected) throw new Error("wrong results")
    return seconds
  })

const measure = (
  impl: string,
  executor: Effect.Effect<Executor.Executor, never, import("effect/Scope").Scope>
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const seconds = yield* fanOut(yield* executor)
      rows.push({ impl, seconds })
      console.error(`${impl}: ${seconds.toFixed(2)} s`)
    })
  )

const rawWorkers = async (): Promise<number> => {
  const pool = Array.from(
    { length: workers },
    () => new Worker(new URL("./executors/raw-worker.ts", import.meta.url))
  )
  const pending = new Map<number, (value: number) => void>()
  for (const worker of pool) {
    worker.on("message", (m: { readonly id: number; readonly value: number }) => {
      pending.get(m.id)?.(m.value)
      pending.delete(m.id)
    })
  }
  let next = 0
  const call = (n: number): Promise<number> =>
    new Promise((resolve) => {
      const id = next++
      pending.set(id, resolve)
      pool[id % pool.length].postMessage({ id, n })
    })
  await Promise.all(Array.from({ length: workers * 4 }, (_, i) => call(i)))
  const start = performance.now()
  const results = await Promise.all(Array.from({ length: N }, (_, i) => call(i)))
  const seconds = (performance.now() - start) / 1000
  if (results.reduce((a, b) => a + b, 0) !== expected) throw new Error("wrong results")
  await Promise.all(pool.map((worker) => worker.terminate()))
  return seconds
}

const main = Effect.gen(function* () {
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")
  console.log(
    `executors bench — node ${process.version}, ${workers} cores, N = ${N} jobs of ≈ 1 ms, load before ${load()}`
  )
  const raw = yield* Effect.promise(rawWorkers)
  rows.push({ impl: "Promise.all over worker_threads (by hand)", seconds: raw })
  yield* measure("ThreadPool (Executor.threadPool)", Executor.threadPool({ size: workers }))
  yield* measure("ProcessPool", ProcessPool.make({ size: workers }))
  yield* measure("Cluster, 1 runner", Cluster.make({ runners: 1, threads: workers }))
  yield* measure("Cluster, 2 runners", Cluster.make({ runners: 2, threads: Math.max(1, workers / 2) }))
  try {
    const out = execFileSync("python3", [
      new URL("./executors/executor_bench.py", import.meta.url).pathname,
      String(N),
      String(workers)
    ]).toString()
    const result = JSON.parse(out) as { readonly seconds: number }
    rows.push({ impl: "Python ProcessPoolExecutor + asyncio.gather", seconds: result.seconds })
  } catch (error) {
    console.log(`python3: ${String(error)}`)
  }
  console.log("\n| executor | wall s | jobs/s | overhead µs/job (CPU beyond the 1 ms) |")
  console.log("| --- | --- | --- | --- |")
  for (const row of rows) {
    const overhead = ((row.seconds * workers - N * 0.001) / N) * 1e6
    console.log(
      `| ${row.impl} | ${row.seconds.toFixed(2)} | ${Math.round(N / row.seconds)} | ${Math.round(overhead)} |`
    )
  }
  console.log(
    `\nload after: ${load()} (a shared 2-core machine: other developers' work competes for the cores)`
  )
})

Effect.runPromise(main).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
