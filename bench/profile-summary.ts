/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. of `bench/profile.ts`): self time per function,
 * and the share of self time spent in each source area (effect's runtime, ours, the bench, node, GC).
 *
 *   npx node bench/profile-summary.ts [--top 25] [--n N] FILE.cpuprofile [FILE …]
 *
 * Several files (the repetitions `bench/profile.ts --cpu` writes) are added up. Samples in the inspector's own
 * calls (`node:inspector`, the profiler being stopped) and idle samples are left out of the total.
 * Self time is the time the sampled stack had the function on top. "area" groups files: `effect` (anything under
 * node_modules/effect), `ours` (packages/core/src), `bench`, `(gc)`, `(program)` / `(idle)` (V8 and the event
 * loop outside JavaScript), `node` (node: internals).
 */
import { readFileSync } from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const args = process.argv.slice(2)
const topAt = args.indexOf("--top")
const top = topAt < 0 ? 25 : Number(args.splice(topAt, 2)[1])
const nAt = args.indexOf("--n")
/** Tasks per repetition (one file per repetition): adds a ns/task column. */
const n = nAt < 0 ? undefined : Number(args.splice(nAt, 2)[1])
if (args.length === 0) throw new Error("usage: profile-summary.ts [--top N] FILE.cpuprofile [FILE …]")

/** Self time (µs) per call frame, over every file. */
const selfUs = new Map<CallFrame, number>()
for (const file of args) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
  const byId = new Map<number, ProfileNode>()
  for (const node of profile.nodes) byId.set(node.id, node)
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i])!.callFrame
    selfUs.set(frame, (selfUs.get(frame) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
}

const area = (frame: CallFrame): string => {
  const url = frame.url
  if (url === "") {
    const name = frame.functionName
    return name === "(garbage collector)" ? "(gc)" : name.startsWith("(") ? name : "native"
  }
  if (url.includes("node_modules/effect/")) return "effect"
  if (url.includes("packages/core/src")) return "ours"
  if (url.includes("/bench/")) return "bench"
  if (url.startsWith("node:")) return "node"
  return "other"
}

const shortUrl = (url: string): string => {
  const at = url.search(/(node_modules\/effect\/|packages\/|bench\/)/)
  return at < 0 ? url : url.slice(at).replace("node_modules/effect/", "effect/")
}

const perFunction = new Map<string, { us: number; area: string }>()
const perArea = new Map<string, number>()
let total = 0
for (const [frame, us] of selfUs) {
  if (frame.url === "node:inspector" || frame.functionName === "(idle)") continue
  const key = `${frame.functionName || "(anonymous)"}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
  const a = area(frame)
  const entry = perFunction.get(key) ?? { us: 0, area: a }
  entry.us += us
  perFunction.set(key, entry)
  perArea.set(a, (perArea.get(a) ?? 0) + us)
  total += us
}

const pct = (us: number): string =>
  `${((us / total) * 100).toFixed(1).padStart(5)}%` +
  (n === undefined ? "" : `  ${((us * 1000) / (n * args.length)).toFixed(0).padStart(5)} ns/task`)
console.log(
  `${args.length} profile(s): ${(total / 1000).toFixed(0)} ms sampled (idle and the inspector left out)`
)
console.log("\nself time by area:")
for (const [a, us] of [...perArea].sort((x, y) => y[1] - x[1])) {
  console.log(`  ${pct(us)}  ${a}`)
}
console.log(`\ntop ${top} functions by self time:`)
for (const [key, { us, area: a }] of [...perFunction].sort((x, y) => y[1].us - x[1].us).slice(0, top)) {
  console.log(`  ${pct(us)}  ${a.padEnd(9)}  ${key}`)
}
