/**
 * `npm run bench`: effect-asyncio against raw Effect 4, Promises and Python asyncio, in one process run.
 *
 * For every (workload, N, impl) a fresh worker thread warms up, then times `--runs` repetitions (median
 * reported, `gc()` before each); the main thread samples process RSS meanwhile. Python runs in a subprocess
 * per (workload, N). See bench/README.md.
 */
import { appendFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { cpus, loadavg } from "node:os"
import { hasPython, runProcessCell, runPythonCell, runWorkerCell } from "./lib/cells.ts"
import { parseOptions, usage } from "./lib/cli.ts"
import { BUDGET, budget, jsonLine, label, linearity, tableHeader, tableRow } from "./lib/report.ts"
import { runStartup } from "./lib/startup.ts"
import { fmtN } from "./lib/stats.ts"
import type { CellKey, Row } from "./lib/types.ts"
import { workloadByName, workloads } from "./workloads/index.ts"

/** Tasks run in small-size warm-up repetitions before each cell (JIT), e.g. 10 × 10k. */
const WARMUP_TASKS = 100_000

const main = async (): Promise<void> => {
  const parsed = parseOptions(process.argv.slice(2))
  if (parsed === "help") {
    console.log(usage + `\nworkloads: ${workloads.map((w) => w.name).join(", ")}`)
    return
  }
  const options = parsed
  if (options.startup === "only") {
    await runStartup(options.startupRuns, options.python && hasPython())
    return
  }
  if (globalThis.gc === undefined) throw new Error("run with node --expose-gc (npm run bench does)")

  const selected = (options.workloads ?? workloads.map((w) => w.name)).map((name) => {
    const w = workloadByName(name)
    if (w === undefined)
      throw new Error(`--workload: unknown "${name}"; known: ${workloads.map((x) => x.name).join(", ")}`)
    return w
  })
  const python = options.python && options.impls.has("python-asyncio") && hasPython()

  const effectVersion = (createRequire(import.meta.url)("effect/package.json") as { version: string }).version
  const load = (): string =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")
  const loadAtStart = loadavg()[0]
  console.log(
    `effect-asyncio bench — node ${process.version}, effect ${effectVersion}, ${cpus().length} cpus, ` +
      `load ${load()}, sizes ${options.sizes.map(fmtN).join(",")}, ≥ ${options.runs} runs (median)` +
      (python
        ? `, python ${options.pythonRuns} runs`
        : options.python
          ? ", python3 not found"
          : ", no python") +
      (options.isolation === "process"
        ? ", each JS cell in a fresh process"
        : ", JS cells in worker threads of this process (RSS Δ unreliable)")
  )
  console.log(
    "µs/task = median wall time per repetition ÷ N (≥ --runs repetitions; cells shorter than 400 ms repeat more);\n" +
      "× effect = ratio to raw Effect (same workload, N, process run); cpu µs = CPU time per task of the measuring\n" +
      "thread, summed over the repetitions (JS: the worker thread, without V8's background GC threads; Python: the\n" +
      "process) — steadier than wall time when other processes compete for the CPUs; RSS Δ = peak process RSS during\n" +
      "warm-ups + timed runs minus the RSS before them (inputs built, after gc), MiB; peak = absolute process RSS.\n"
  )
  if (options.json !== undefined) writeFileSync(options.json, "")

  const rows: Array<Row> = []
  console.log(tableHeader())
  for (const workload of selected) {
    for (const n of workload.sizes?.(options.sizes) ?? options.sizes) {
      const cells: Array<CellKey> = [{ workload: workload.name, impl: "effect" }]
      for (const variant of workload.oursVariants ?? (["loop-scope", "no-loop"] as const)) {
        cells.push({ workload: workload.name, impl: "effect-asyncio", variant })
      }
      cells.push({ workload: workload.name, impl: "promise" })
      let effect: Row | undefined
      const push = (row: Row): void => {
        const withRatio: Row =
          effect === undefined || row.error !== undefined
            ? row
            : {
                ...row,
                ratioToEffect: row.usPerTask / effect.usPerTask,
                cpuRatioToEffect: row.cpuUsPerTask / effect.cpuUsPerTask
              }
        console.log(tableRow(withRatio, rows[rows.length - 1]))
        rows.push(withRatio)
        if (options.json !== undefined) appendFileSync(options.json, jsonLine(withRatio, loadavg()[0]) + "\n")
      }
      for (const cell of cells) {
        if (!options.impls.has(cell.impl, cell.variant)) continue
        const small = Math.min(n, 10_000)
        const row = await (options.isolation === "process" ? runProcessCell : runWorkerCell)(
          {
            ...cell,
            n,
            runs: options.runs,
            warmupSmall: {
              size: small,
              count: Math.max(2, Math.ceil((workload.warmupTasks?.(n) ?? WARMUP_TASKS) / small))
            },
            warmupFull: 1
          },
          options
        )
        if (cell.impl === "effect" && row.error === undefined) effect = row
        push(row)
      }
      if (python && workload.impls.python !== undefined) {
        push(await runPythonCell(workload.name, workload.impls.python, n, options.pythonRuns))
      }
    }
  }

  console.log(`\nload average at the end: ${load()}\n`)
  console.log(linearity(rows))
  console.log()
  const budgetOf = (name: string): number | null => {
    const limit = workloadByName(name)?.budget
    return limit === undefined ? BUDGET : limit
  }
  console.log(budget(rows, budgetOf, Math.max(loadAtStart, loadavg()[0])))
  const errors = rows.filter((r) => r.error !== undefined)
  if (errors.length > 0) {
    console.log(`\n${errors.length} cell(s) failed:`)
    for (const r of errors) console.log(`  ${r.workload} ${fmtN(r.n)} ${label(r)}: ${r.error}`)
    process.exitCode = 1
  }
  if (options.json !== undefined) console.log(`\nJSON lines written to ${options.json}`)
  if (options.startup === "after") await runStartup(options.startupRuns, options.python && hasPython())
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 2
})
