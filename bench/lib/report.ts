/** The printed table, the linearity lines, the budget check, and the JSON lines. */
import { fmtN, fmtNum, pad } from "./stats.ts"
import type { Row } from "./types.ts"

/**
 * Ours must stay within this factor of raw Effect (the performance budget: DESIGN.md's second wave, issue 16), unless
 * a workload sets its own (`Workload.budget`).
 */
export const BUDGET = 1.1

/**
 * Above this 1-minute load average the budget verdicts judge the CPU ratio only: wall time grows with the other
 * processes competing for the cores, the thread's CPU time does not.
 */
export const QUIET_LOAD = 1

/** Wide enough for the longest workload name so far ("gather-recording-off"). */
const WORKLOAD_WIDTH = 20

export const label = (row: Pick<Row, "impl" | "variant">): string =>
  row.variant === "no-loop" ? `${row.impl} (no loop)` : row.impl

const round = (x: number, digits = 4): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** One JSON object per row: the required fields first, then extras (`load`: the 1-minute load average then). */
export const jsonLine = (row: Row, load?: number): string =>
  JSON.stringify({
    workload: row.workload,
    n: row.n,
    impl: row.impl,
    usPerTask: Number.isNaN(row.usPerTask) ? null : round(row.usPerTask),
    rssMiB: Number.isNaN(row.rssMiB) ? null : round(row.rssMiB, 1),
    ...(row.variant === undefined ? {} : { variant: row.variant }),
    ...(row.ratioToEffect === undefined ? {} : { ratioToEffect: round(row.ratioToEffect, 3) }),
    cpuUsPerTask: Number.isNaN(row.cpuUsPerTask) ? null : round(row.cpuUsPerTask),
    ...(row.cpuRatioToEffect === undefined ? {} : { cpuRatioToEffect: round(row.cpuRatioToEffect, 3) }),
    rssPeakMiB: Number.isNaN(row.rssPeakMiB) ? null : round(row.rssPeakMiB, 1),
    runsUs: row.runsUs.map((x) => round(x)),
    ...(load === undefined ? {} : { load: round(load, 2) }),
    ...(row.error === undefined ? {} : { error: row.error })
  })

const columns = [
  { title: "workload", width: WORKLOAD_WIDTH, align: "left" },
  { title: "N", width: 5, align: "right" },
  { title: "impl", width: 25, align: "left" },
  { title: "µs/task", width: 8, align: "right" },
  { title: "runs min–max", width: 13, align: "right" },
  { title: "× effect", width: 8, align: "right" },
  { title: "cpu µs", width: 7, align: "right" },
  { title: "cpu ×", width: 6, align: "right" },
  { title: "RSS Δ MiB", width: 9, align: "right" },
  { title: "peak MiB", width: 8, align: "right" }
] as const

const line = (cells: ReadonlyArray<string>): string =>
  cells.map((cell, i) => pad(cell, columns[i].width, columns[i].align)).join("  ")

export const tableHeader = (): string => {
  const head = line(columns.map((c) => c.title))
  return `${head}\n${"-".repeat(head.length)}`
}

export const tableRow = (row: Row, previous: Row | undefined): string => {
  if (row.error !== undefined) {
    const first = row.error.split("\n")[0]
    return line([row.workload, fmtN(row.n), label(row), "ERROR", "", "", "", "", "", ""]) + `  ${first}`
  }
  const sameGroup = previous !== undefined && previous.workload === row.workload && previous.n === row.n
  const min = Math.min(...row.runsUs)
  const max = Math.max(...row.runsUs)
  return line([
    sameGroup ? "" : row.workload,
    sameGroup ? "" : fmtN(row.n),
    label(row),
    fmtNum(row.usPerTask),
    `${fmtNum(min)}–${fmtNum(max)}`,
    row.ratioToEffect === undefined ? "-" : `${row.ratioToEffect.toFixed(2)}×`,
    fmtNum(row.cpuUsPerTask),
    row.cpuRatioToEffect === undefined ? "-" : `${row.cpuRatioToEffect.toFixed(2)}×`,
    fmtNum(row.rssMiB),
    fmtNum(row.rssPeakMiB)
  ])
}

export const table = (rows: ReadonlyArray<Row>): string =>
  [tableHeader(), ...rows.map((row, i) => tableRow(row, rows[i - 1]))].join("\n")

/** µs/task at the largest N divided by µs/task at the smallest, per workload and impl. */
export const linearity = (rows: ReadonlyArray<Row>): string => {
  const ok = rows.filter((r) => r.error === undefined)
  const sizes = [...new Set(ok.map((r) => r.n))].sort((a, b) => a - b)
  if (sizes.length < 2) return "linearity: needs at least two sizes"
  const out: Array<string> = []
  for (const workload of [...new Set(ok.map((r) => r.workload))]) {
    const impls = [...new Set(ok.filter((r) => r.workload === workload).map(label))]
    for (const impl of impls) {
      const mine = ok.filter((r) => r.workload === workload && label(r) === impl).sort((a, b) => a.n - b.n)
      if (mine.length < 2) continue
      const lo = mine[0]
      const hi = mine[mine.length - 1]
      const ratio = (a: Row, b: Row): string =>
        `${fmtN(a.n)}/${fmtN(b.n)} = ${(a.usPerTask / b.usPerTask).toFixed(2)}×`
      // With three or more sizes, also the top two: the smallest size carries fixed and warm-up costs.
      const upper = mine.length >= 3 ? `, ${ratio(hi, mine[mine.length - 2])}` : ""
      const path = mine.map((r) => fmtNum(r.usPerTask)).join(" → ")
      out.push(
        `  ${pad(workload, WORKLOAD_WIDTH)}  ${pad(impl, 25)}  ${ratio(hi, lo)}${upper}   (${path} µs/task)`
      )
    }
  }
  return `linearity (wall µs/task at the largest N ÷ at a smaller one; 1.00 = linear; < 1 = fixed and warm-up costs weigh on the small N):\n${out.join("\n")}`
}

/**
 * Our ratios to raw Effect, flagged against each workload's budget (`budgetOf`, 1.1× unless the workload sets
 * one). When the load average (`load`, the higher of the start and the end of the run) is above {@link QUIET_LOAD},
 * only the CPU ratio is judged; the wall ratio is shown for information.
 */
export const budget = (
  rows: ReadonlyArray<Row>,
  budgetOf: (workload: string) => number | null,
  load: number
): string => {
  const ours = rows.filter((r) => r.impl === "effect-asyncio" && r.ratioToEffect !== undefined)
  if (ours.length === 0) return ""
  const cpuOnly = load > QUIET_LOAD
  const verdict = (r: Row): string => {
    const limit = budgetOf(r.workload)
    if (limit === null) return "(no like-for-like baseline: no verdict)"
    const over = [
      !cpuOnly && r.ratioToEffect! > limit ? "wall" : undefined,
      r.cpuRatioToEffect !== undefined && r.cpuRatioToEffect > limit ? "cpu" : undefined
    ].filter((x) => x !== undefined)
    return over.length === 0 ? `ok (≤ ${limit}×)` : `OVER ${limit}× (${over.join(" and ")})`
  }
  const out = ours.map(
    (r) =>
      `  ${pad(r.workload, WORKLOAD_WIDTH)}  ${pad(fmtN(r.n), 5, "right")}  ${pad(label(r), 25)}  wall ${pad(
        `${r.ratioToEffect!.toFixed(2)}×`,
        6,
        "right"
      )}  cpu ${pad(r.cpuRatioToEffect === undefined ? "-" : `${r.cpuRatioToEffect.toFixed(2)}×`, 6, "right")}  ${verdict(r)}`
  )
  const basis = cpuOnly
    ? `load average ${load.toFixed(2)} > ${QUIET_LOAD}: verdicts on CPU time only`
    : "verdicts on wall and CPU time"
  return `effect-asyncio vs raw Effect (budget ${BUDGET}× unless the workload sets one; ${basis}):\n${out.join("\n")}`
}
