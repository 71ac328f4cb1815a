/** Command-line flags of `npm run bench`. */
import { parseArgs } from "node:util"
import type { ImplName, OursVariant } from "./types.ts"

export interface Options {
  readonly sizes: ReadonlyArray<number>
  /** Workload names, or undefined for all. */
  readonly workloads: ReadonlyArray<string> | undefined
  readonly impls: ImplFilter
  readonly python: boolean
  readonly json: string | undefined
  readonly runs: number
  readonly pythonRuns: number
  readonly heapMb: number
  readonly stackMb: number
  readonly isolation: "process" | "worker"
  /** The start-up cell: after the workloads (default), only it (`--startup`), or not at all (`--no-startup`). */
  readonly startup: "after" | "only" | "skip"
  readonly startupRuns: number
}

export interface ImplFilter {
  readonly has: (impl: ImplName, variant?: OursVariant) => boolean
}

export const usage = `npm run bench -- [flags]

  --n 10k,100k,1M        sizes (default 10000,100000,1000000; k/M suffixes accepted)
  --quick                sizes 10000,100000 (unless --n is given)
  --workload a,b         workloads to run (default all; see the list below)
  --impl a,b             impls: effect-asyncio, effect-asyncio:loop-scope, effect-asyncio:no-loop,
                         effect, promise, python-asyncio (default all)
  --no-python            skip the Python asyncio subprocesses
  --runs K               timed repetitions per cell (default 5; the median is reported)
  --python-runs K        timed repetitions for Python (default: --runs)
  --json FILE            also write one JSON object per line per row
  --heap-mb MB           old-space limit of each measuring worker thread (default 8192)
  --stack-mb MB          stack of each measuring worker thread (default 256; gather(...1M) needs > 8)
  --isolation MODE       process (default): each JS cell in a fresh child process (hosting a worker thread),
                         so its RSS is its own; worker: each cell in a worker thread of this process (faster
                         start, but RSS Δ is unreliable: V8 keeps freed workers' memory resident)
  --startup              only the start-up cell (a minimal program from \`node file.mjs\` to exit)
  --no-startup           skip the start-up cell (it runs after the workloads by default)
  --startup-runs K       runs of each start-up program (default 21; the median is reported)
  --help
`

const parseSize = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(text.trim().replaceAll("_", ""))
  if (m === null) throw new Error(`--n: cannot read size "${text}"`)
  const scale = m[2] === "" ? 1 : m[2].toLowerCase() === "k" ? 1e3 : 1e6
  const n = Math.round(Number(m[1]) * scale)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--n: bad size "${text}"`)
  return n
}

const list = (text: string | undefined): ReadonlyArray<string> | undefined =>
  text === undefined
    ? undefined
    : text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")

const positive = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${name}: expected a positive integer, got "${text}"`)
  return n
}

const implNames: ReadonlyArray<string> = [
  "effect-asyncio",
  "effect-asyncio:loop-scope",
  "effect-asyncio:no-loop",
  "effect",
  "promise",
  "python-asyncio"
]

export const parseOptions = (argv: ReadonlyArray<string>): Options | "help" => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      n: { type: "string" },
      quick: { type: "boolean", default: false },
      workload: { type: "string" },
      impl: { type: "string" },
      "no-python": { type: "boolean", default: false },
      runs: { type: "string" },
      "python-runs": { type: "string" },
      json: { type: "string" },
      "heap-mb": { type: "string" },
      "stack-mb": { type: "string" },
      isolation: { type: "string", default: "process" },
      startup: { type: "boolean", default: false },
      "no-startup": { type: "boolean", default: false },
      "startup-runs": { type: "string" },
      help: { type: "boolean", default: false }
    },
    strict: true,
    allowPositionals: false
  })
  if (values.help) return "help"
  const sizes =
    values.n !== undefined
      ? list(values.n)!.map(parseSize)
      : values.quick
        ? [10_000, 100_000]
        : [10_000, 100_000, 1_000_000]
  const implList = list(values.impl)
  for (const name of implList ?? []) {
    if (!implNames.includes(name))
      throw new Error(`--impl: unknown "${name}"; known: ${implNames.join(", ")}`)
  }
  const impls: ImplFilter = {
    has: (impl, variant) =>
      implList === undefined ||
      implList.includes(impl) ||
      (variant !== undefined && implList.includes(`${impl}:${variant}`))
  }
  const runs = positive("runs", values.runs, 5)
  const isolation = values.isolation
  if (isolation !== "process" && isolation !== "worker") {
    throw new Error(`--isolation: expected process or worker, got "${isolation}"`)
  }
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    workloads: list(values.workload),
    impls,
    python: !values["no-python"],
    json: values.json,
    runs,
    pythonRuns: positive("python-runs", values["python-runs"], runs),
    heapMb: positive("heap-mb", values["heap-mb"], 8192),
    stackMb: positive("stack-mb", values["stack-mb"], 256),
    isolation,
    startup: values.startup ? "only" : values["no-startup"] ? "skip" : "after",
    startupRuns: positive("startup-runs", values["startup-runs"], 21)
  }
}
