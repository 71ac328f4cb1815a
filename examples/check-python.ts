/**
 * `npm run check:python -w examples`: runs every Python reference script (`python/*.py`) with CPython in real
 * time and checks that it prints exactly the lines of the example's expected transcript (with the lines that
 * CPython legitimately prints differently — `python` differences — replaced or left out), each within 0.15 s of
 * the expected second, and ends within 0.15 s of the expected elapsed time. This is how the transcripts were
 * derived; it needs `python3` (3.11 or later) and takes about a minute. Not part of `npm test`.
 *
 * Arguments select examples by number or by a part of the name (`npm run check:python -w examples -- 13 timeout`);
 * none means all.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { examples, realTimeExamples } from "./src/index.ts"
import { pythonTranscript } from "./src/shared/example.ts"
import { transcriptMismatch } from "./src/shared/realtime.ts"

const SLACK = 0.15
const python = process.env.PYTHON ?? "python3"
const timeline = fileURLToPath(new URL("./python/timeline.py", import.meta.url))
let failures = 0

const selectors = process.argv.slice(2)
const selected = examples.filter(
  ({ meta }) =>
    selectors.length === 0 ||
    selectors.some((s) =>
      /^\d+$/.test(s) ? Number.parseInt(meta.id, 10) === Number(s) : meta.id.includes(s.toLowerCase())
    )
)

for (const { meta } of selected) {
  const script = fileURLToPath(new URL(`./${meta.python}`, import.meta.url))
  const child = spawnSync(python, [timeline, script], { encoding: "utf8" })
  if (child.status !== 0) {
    console.log(`✗ ${meta.python}: exit ${child.status}\n${child.stderr}`)
    failures++
    continue
  }
  const records = child.stdout
    .trim()
    .split("\n")
    .map(
      (line) => JSON.parse(line) as { readonly at?: number; readonly text?: string; readonly end?: number }
    )
  const lines = records.flatMap((r) => (r.text === undefined ? [] : [[r.at ?? 0, r.text] as const]))
  const end = records.find((r) => r.end !== undefined)?.end ?? Number.NaN
  const expected = pythonTranscript(meta)
  const problems: Array<string> = []
  if (lines.length !== expected.length) {
    problems.push(`printed ${lines.length} lines, expected ${expected.length}`)
  }
  expected.forEach(([at, text], i) => {
    const got = lines[i]
    if (got === undefined) return
    if (got[1] !== text)
      problems.push(`line ${i + 1}: printed ${JSON.stringify(got[1])}, expected ${JSON.stringify(text)}`)
    if (Math.abs(got[0] - at) > SLACK)
      problems.push(`line ${i + 1}: printed at ${got[0]} s, expected ${at} s`)
  })
  if (!(Math.abs(end - meta.elapsed) <= SLACK)) problems.push(`ended at ${end} s, expected ${meta.elapsed} s`)
  console.log(`${problems.length === 0 ? "✓" : "✗"} ${meta.python} (${end} s)`)
  for (const problem of problems) console.log(`    ${problem}`)
  if (problems.length > 0) failures++
}

// The I/O examples (real sockets and processes, real time): the lines must match the transcript, whose patterns
// stand for what changes from run to run (ports, measured seconds); times are not compared.
const selectedIo = realTimeExamples.filter(
  ({ meta }) =>
    meta.checkPython === true &&
    (selectors.length === 0 ||
      selectors.some((s) =>
        /^\d+$/.test(s) ? Number.parseInt(meta.id, 10) === Number(s) : meta.id.includes(s.toLowerCase())
      ))
)
for (const { meta } of selectedIo) {
  if (meta.python === undefined) continue
  const script = fileURLToPath(new URL(`./${meta.python}`, import.meta.url))
  const child = spawnSync(python, [script], { encoding: "utf8", timeout: 60_000 })
  const lines = child.stdout.split("\n").filter((line, i, all) => i < all.length - 1 || line !== "")
  const mismatch = transcriptMismatch(meta.transcript, lines)
  const problems = [
    ...(child.status === 0 ? [] : [`exit ${child.status}: ${child.stderr}`]),
    ...(child.stderr === "" || child.status !== 0 ? [] : [`stderr: ${child.stderr}`]),
    ...(mismatch === undefined ? [] : [mismatch])
  ]
  console.log(`${problems.length === 0 ? "✓" : "✗"} ${meta.python} (real time)`)
  for (const problem of problems) console.log(`    ${problem}`)
  if (problems.length > 0) failures++
}

console.log(failures === 0 ? "CPython prints every expected transcript." : `${failures} script(s) differ.`)
if (failures > 0) process.exitCode = 1
