/**
 * Worker-thread entry: measures one (workload, N, impl[, variant]) cell and reports to the main thread.
 *
 * Every cell runs in a fresh worker so that (1) its RSS peak is not hidden by heap pages another impl already
 * grew, (2) JIT feedback from other impls does not leak in, and (3) the thread can be given a large stack:
 * `asyncio.gather(...effects)` spreads N arguments, which overflows Node's default stack near N ≈ 120k.
 */

import { parentPort, workerData } from "node:worker_threads"
import { collectGarbage as collect, prepare, settle } from "./lib/prepare.ts"
import type { WorkerMessage, WorkerRequest } from "./lib/types.ts"
import { triangular } from "./lib/types.ts"
import { workloadByName } from "./workloads/index.ts"

/** Minimum total timed wall time of a cell, reached by adding repetitions (up to MAX_RUNS). */
const MIN_TIMED_MS = 400
const MAX_RUNS = 101

const post = (message: WorkerMessage): void => parentPort!.postMessage(message)

const measure = async (request: WorkerRequest): Promise<void> => {
  const workload = workloadByName(request.workload)
  if (workload === undefined) throw new Error(`unknown workload ${request.workload}`)
  const expected = workload.expected ?? triangular
  const check = (n: number, got: number): void => {
    if (got !== expected(n)) throw new Error(`wrong checksum at n=${n}: got ${got}, expected ${expected(n)}`)
  }

  // Inputs first (they are not the workload's memory), then the RSS baseline, then every warm-up: the peak
  // above the baseline covers warm-ups and timed repetitions alike.
  const run = prepare(workload, request, request.n)
  await settle()
  collect()
  post({ kind: "baseline", rss: process.memoryUsage.rss() })

  for (let i = 0; i < request.warmupSmall.count; i++) {
    const size = request.warmupSmall.size
    check(size, await prepare(workload, request, size)())
    await settle()
    collect()
  }

  let warmMs = 0
  for (let i = 0; i < request.warmupFull; i++) {
    const start = performance.now()
    check(request.n, await run())
    warmMs = performance.now() - start
    await settle()
  }
  // Short cells get more repetitions: the median steadies, and the thread CPU clock (which advances in
  // scheduler ticks of a few ms) is summed over enough time to be meaningful.
  const runs = Math.max(request.runs, Math.min(MAX_RUNS, Math.ceil(MIN_TIMED_MS / Math.max(warmMs, 0.01))))
  const timesMs: Array<number> = []
  const cpuMs: Array<number> = []
  for (let r = 0; r < runs; r++) {
    await settle()
    collect()
    const cpu = process.threadCpuUsage()
    const start = performance.now()
    const got = await run()
    timesMs.push(performance.now() - start)
    const used = process.threadCpuUsage(cpu)
    cpuMs.push((used.user + used.system) / 1000)
    check(request.n, got)
  }
  post({ kind: "result", timesMs, cpuMs, rssEnd: process.memoryUsage.rss() })
}

measure(workerData as WorkerRequest).catch((error: unknown) => {
  post({ kind: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
})
