/**
 * Measuring one cell. A JS implementation runs in a fresh worker thread (for its large stack), hosted by a fresh
 * child process (`bench/cell.ts`) so that its RSS is its own: V8 keeps much of a terminated worker's memory
 * resident, which would hide the next cell's growth. The Python version runs in a `python3` subprocess.
 */
import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { MiB, median, sum } from "./stats.ts"
import type { ImplName, OursVariant, Row, WorkerMessage, WorkerRequest } from "./types.ts"

const workerUrl = new URL("../worker.ts", import.meta.url)
const cellScript = fileURLToPath(new URL("../cell.ts", import.meta.url))
const pythonScript = fileURLToPath(new URL("../python/asyncio_bench.py", import.meta.url))

/** How often the main thread samples the process RSS while a worker measures (ms). */
const SAMPLE_MS = 5
/** A cell that takes longer than this is abandoned (its worker terminated) and reported as an error. */
const CELL_TIMEOUT_MS = 20 * 60 * 1000

const failed = (
  base: { workload: string; n: number; impl: ImplName; variant?: OursVariant },
  error: string
): Row => ({
  ...base,
  usPerTask: Number.NaN,
  runsUs: [],
  cpuUsPerTask: Number.NaN,
  rssMiB: Number.NaN,
  rssPeakMiB: Number.NaN,
  error
})

export interface WorkerLimits {
  readonly heapMb: number
  readonly stackMb: number
}

/**
 * Runs `request` in a fresh worker thread. The main thread samples `process.memoryUsage.rss()` (whole process)
 * every few ms from the worker's baseline message to its result, so the peak is seen even while the worker's
 * event loop is busy.
 */
export const runWorkerCell = (request: WorkerRequest, limits: WorkerLimits): Promise<Row> =>
  new Promise<Row>((resolve) => {
    const base = {
      workload: request.workload,
      n: request.n,
      impl: request.impl,
      ...(request.variant === undefined ? {} : { variant: request.variant })
    }
    const worker = new Worker(workerUrl, {
      workerData: request,
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, stackSizeMb: limits.stackMb }
    })
    let baseline: number | undefined
    let peak = 0
    let settled = false
    const sampler = setInterval(() => {
      if (baseline !== undefined) peak = Math.max(peak, process.memoryUsage.rss())
    }, SAMPLE_MS)
    const timeout = setTimeout(() => {
      finish(failed(base, `timed out after ${CELL_TIMEOUT_MS / 1000} s`))
      void worker.terminate()
    }, CELL_TIMEOUT_MS)
    const finish = (row: Row): void => {
      if (settled) return
      settled = true
      clearInterval(sampler)
      clearTimeout(timeout)
      resolve(row)
    }
    worker.on("message", (message: WorkerMessage) => {
      switch (message.kind) {
        case "baseline":
          baseline = message.rss
          peak = message.rss
          break
        case "result": {
          peak = Math.max(peak, message.rssEnd, process.memoryUsage.rss())
          const runsUs = message.timesMs.map((ms) => (ms * 1000) / request.n)
          finish({
            ...base,
            usPerTask: median(runsUs),
            runsUs,
            cpuUsPerTask: (sum(message.cpuMs) * 1000) / (request.n * message.cpuMs.length),
            rssMiB: (peak - (baseline ?? peak)) / MiB,
            rssPeakMiB: peak / MiB
          })
          break
        }
        case "error":
          finish(failed(base, message.message))
          break
      }
    })
    worker.on("error", (error) => finish(failed(base, error.stack ?? error.message)))
    worker.on("exit", (code) => finish(failed(base, `worker exited with code ${code} before reporting`)))
  })

/** Runs `command args`, resolving with its stdout, or with an error message if it fails or times out. */
const runProcess = (
  command: string,
  args: ReadonlyArray<string>
): Promise<{ readonly stdout: string } | { readonly error: string }> =>
  new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    const timeout = setTimeout(() => child.kill("SIGKILL"), CELL_TIMEOUT_MS)
    child.on("error", (error) => {
      clearTimeout(timeout)
      resolve({ error: error.message })
    })
    child.on("close", (code, signal) => {
      clearTimeout(timeout)
      if (code === 0) resolve({ stdout })
      else resolve({ error: `${command} exited with ${code ?? signal}: ${stderr.trim() || stdout.trim()}` })
    })
  })

const num = (u: unknown): number => (typeof u === "number" ? u : Number.NaN)

/** Reads back a {@link Row} that `bench/cell.ts` printed (NaN travels as null). */
const parseRow = (text: string, fallback: Row): Row => {
  let u: unknown
  try {
    u = JSON.parse(text)
  } catch {
    return { ...fallback, error: `unreadable cell output: ${text.slice(0, 300)}` }
  }
  if (typeof u !== "object" || u === null)
    return { ...fallback, error: `unexpected cell output: ${text.slice(0, 300)}` }
  const o = u as Record<string, unknown>
  const runsUs = Array.isArray(o.runsUs) ? o.runsUs.map(num) : []
  return {
    workload: fallback.workload,
    n: fallback.n,
    impl: fallback.impl,
    ...(fallback.variant === undefined ? {} : { variant: fallback.variant }),
    usPerTask: num(o.usPerTask),
    runsUs,
    cpuUsPerTask: num(o.cpuUsPerTask),
    rssMiB: num(o.rssMiB),
    rssPeakMiB: num(o.rssPeakMiB),
    ...(typeof o.error === "string" ? { error: o.error } : {})
  }
}

/** Runs `request` in a fresh `node` process (`bench/cell.ts`), which runs it in a worker thread. */
export const runProcessCell = async (request: WorkerRequest, limits: WorkerLimits): Promise<Row> => {
  const base = {
    workload: request.workload,
    n: request.n,
    impl: request.impl,
    ...(request.variant === undefined ? {} : { variant: request.variant })
  }
  const result = await runProcess(process.execPath, [
    "--expose-gc",
    cellScript,
    JSON.stringify({ request, limits })
  ])
  if ("error" in result) return failed(base, result.error)
  return parseRow(result.stdout, failed(base, "no output"))
}

let pythonAvailable: boolean | undefined

export const hasPython = (): boolean =>
  (pythonAvailable ??= spawnSync("python3", ["--version"], { stdio: "ignore" }).status === 0)

interface PythonResult {
  readonly times_ms: ReadonlyArray<number>
  readonly cpu_ms: ReadonlyArray<number>
  readonly rss_base_mib: number
  readonly rss_peak_mib: number
  readonly python: string
}

const isPythonResult = (u: unknown): u is PythonResult =>
  typeof u === "object" &&
  u !== null &&
  "times_ms" in u &&
  Array.isArray(u.times_ms) &&
  "cpu_ms" in u &&
  Array.isArray(u.cpu_ms) &&
  "rss_base_mib" in u &&
  typeof u.rss_base_mib === "number" &&
  "rss_peak_mib" in u &&
  typeof u.rss_peak_mib === "number"

/** Runs the Python version of a workload in a `python3` subprocess (one per cell: its peak RSS is its own). */
export const runPythonCell = async (
  workload: string,
  pythonName: string,
  n: number,
  runs: number
): Promise<Row> => {
  const base = { workload, n, impl: "python-asyncio" as const }
  const result = await runProcess("python3", [
    pythonScript,
    pythonName,
    String(n),
    String(runs),
    String(Math.min(n, 10_000))
  ])
  if ("error" in result) return failed(base, result.error)
  let parsed: unknown
  try {
    parsed = JSON.parse(result.stdout)
  } catch {
    return failed(base, `unreadable python output: ${result.stdout.slice(0, 200)}`)
  }
  if (!isPythonResult(parsed)) return failed(base, `unexpected python output: ${result.stdout.slice(0, 200)}`)
  const runsUs = parsed.times_ms.map((ms) => (ms * 1000) / n)
  return {
    ...base,
    usPerTask: median(runsUs),
    runsUs,
    cpuUsPerTask: (sum(parsed.cpu_ms) * 1000) / (n * parsed.cpu_ms.length),
    rssMiB: parsed.rss_peak_mib - parsed.rss_base_mib,
    rssPeakMiB: parsed.rss_peak_mib
  }
}
