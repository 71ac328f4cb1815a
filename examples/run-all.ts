/**
 * `npm run examples [-- --timeline]`: runs every example in real time, one after another, each in its own Node
 * process exactly as `node examples/src/<file>.ts` would (so each gets its own `run`, as each Python script gets
 * its own `asyncio.run`), then prints a summary. Exits with 1 if any example failed.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { allExamples as examples } from "./src/index.ts"

const flags = process.argv.slice(2)
const rows: Array<{
  readonly id: string
  readonly expected: number
  readonly wall: number
  readonly ok: boolean
}> = []
const started = performance.now()

for (const { meta } of examples) {
  const file = fileURLToPath(new URL(`./src/${meta.id}.ts`, import.meta.url))
  const t0 = performance.now()
  const child = spawnSync(process.execPath, [file, ...flags], { stdio: "inherit" })
  rows.push({
    id: meta.id,
    expected: meta.elapsed,
    wall: (performance.now() - t0) / 1000,
    ok: child.status === 0
  })
  console.log()
}

const total = (performance.now() - started) / 1000
const width = Math.max(...rows.map((row) => row.id.length))
console.log(`${"example".padEnd(width)}  expected  wall (incl. start-up)  result`)
for (const row of rows) {
  console.log(
    `${row.id.padEnd(width)}  ${`${row.expected} s`.padStart(8)}  ${`${row.wall.toFixed(2)} s`.padStart(20)}  ` +
      (row.ok ? "ok" : "FAILED")
  )
}
const failed = rows.filter((row) => !row.ok)
console.log(
  `${rows.length} examples in ${total.toFixed(1)} s; ${failed.length === 0 ? "all ok" : `${failed.length} FAILED`}`
)
if (failed.length > 0) process.exitCode = 1
