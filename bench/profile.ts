/**
 * Runs one bench cell in the main thread, for profiling:
 *
 *   npx node --expose-gc bench/profile.ts gather effect-asyncio 100000 5
 *   npx node --expose-gc bench/profile.ts gather effect-asyncio 100000 5 --cpu /tmp/gather.cpuprofile
 *   npx node --expose-gc bench/profile.ts gather effect-asyncio 100000 5 --alloc
 *   npx node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts gather effect-asyncio 100000 5
 *
 * Arguments: WORKLOAD IMPL N [RUNS=5], IMPL one of effect-asyncio, effect-asyncio:no-loop, effect, promise.
 * Prints µs/task of each repetition. (At large N, `gather(...effects)` needs `--stack-size`; prefer N ≤ 100k.)
 *
 * - `--cpu FILE`: CPU profiles of the timed repetitions only (not module loading, inputs or warm-up): FILE for the
 *   last repetition, FILE.0, FILE.1, … for the others; `bench/profile-summary.ts FILE*` adds them up and prints
 *   self time per function and per area.
 * - `--alloc`: samples every allocation made during the timed repetitions (V8's sampling heap profiler, keeping
 *   the objects that the GC has collected since), and prints bytes allocated per task by function and by area —
 *   the garbage each task leaves, which is what the scavenger's share of the CPU profile pays for.
 * - `--cpu-prof` (Node's flag) profiles the whole process instead.
 */

import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { collectGarbage, prepare, settle } from "./lib/prepare.ts"
import type { CellKey } from "./lib/types.ts"
import { workloadByName } from "./workloads/index.ts"

const args = process.argv.slice(2)
const flag = (name: string): string | true | undefined => {
  const at = args.indexOf(name)
  if (at < 0) return undefined
  const value = args[at + 1]
  const takesValue = name === "--cpu"
  args.splice(at, takesValue ? 2 : 1)
  return takesValue ? value : true
}
const cpuFile = flag("--cpu")
const alloc = flag("--alloc") === true
if (cpuFile === true) throw new Error("--cpu needs a file name")

const [workloadName = "gather", implText = "effect-asyncio", nText = "100000", runsText = "5"] = args
const workload = workloadByName(workloadName)
if (workload === undefined) throw new Error(`unknown workload ${workloadName}`)
const key = ((): CellKey => {
  switch (implText) {
    case "effect-asyncio":
    case "effect-asyncio:loop-scope":
      return { workload: workloadName, impl: "effect-asyncio", variant: "loop-scope" }
    case "effect-asyncio:no-loop":
      return { workload: workloadName, impl: "effect-asyncio", variant: "no-loop" }
    case "effect":
    case "promise":
      return { workload: workloadName, impl: implText }
    default:
      throw new Error(`unknown impl ${implText}`)
  }
})()
const n = Number(nText)
const runs = Number(runsText)

await prepare(workload, key, Math.min(n, 10_000))()
const run = prepare(workload, key, n)
await run()

const session = cpuFile !== undefined || alloc ? new Session() : undefined
session?.connect()
if (cpuFile !== undefined) {
  await session!.post("Profiler.enable")
  await session!.post("Profiler.setSamplingInterval", { interval: 100 })
}
if (alloc) await session!.post("HeapProfiler.enable")

let cpuUs = 0
for (let r = 0; r < runs; r++) {
  await settle()
  collectGarbage()
  if (cpuFile !== undefined) await session!.post("Profiler.start")
  if (alloc) {
    await session!.post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true
    })
  }
  // The thread's CPU time, as the bench reports it (V8's background GC threads excluded).
  const cpu = process.threadCpuUsage()
  const start = performance.now()
  await run()
  const wall = performance.now() - start
  const used = process.threadCpuUsage(cpu)
  cpuUs += used.user + used.system
  if (cpuFile !== undefined) {
    const { profile } = await session!.post("Profiler.stop")
    // One file per repetition: FILE for the last (the JIT is warmest), FILE.<r> for the others.
    writeFileSync(r === runs - 1 ? cpuFile : `${cpuFile}.${r}`, JSON.stringify(profile))
  }
  if (alloc) {
    const { profile } = await session!.post("HeapProfiler.stopSampling")
    if (r === runs - 1) printAllocations(profile)
  }
  console.log(
    `${workloadName} ${implText} n=${n}: ${((wall * 1000) / n).toFixed(3)} µs/task, cpu ${(
      (used.user + used.system) / n
    ).toFixed(3)} µs/task`
  )
}
console.log(`${workloadName} ${implText} n=${n}: mean cpu ${(cpuUs / (runs * n)).toFixed(3)} µs/task`)
if (cpuFile !== undefined) {
  console.log(`CPU profiles written to ${cpuFile} (last repetition) and ${cpuFile}.0 … (the others)`)
}
session?.disconnect()

interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly selfSize: number
  readonly children: ReadonlyArray<SamplingNode>
}

/** Bytes allocated per task, by allocating function and by area (see `profile-summary.ts` for the areas). */
function printAllocations(profile: { readonly head: SamplingNode }): void {
  const perFunction = new Map<string, number>()
  const perArea = new Map<string, number>()
  let total = 0
  const visit = (node: SamplingNode): void => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame
      const at = url.search(/(node_modules\/effect\/|packages\/|bench\/)/)
      const short = (at < 0 ? url : url.slice(at)).replace("node_modules/effect/", "effect/")
      const name = `${functionName || "(anonymous)"}  ${short}:${lineNumber + 1}`
      perFunction.set(name, (perFunction.get(name) ?? 0) + node.selfSize)
      const area = url.includes("node_modules/effect/")
        ? "effect"
        : url.includes("packages/core/src")
          ? "ours"
          : url.includes("/bench/")
            ? "bench"
            : url === ""
              ? "native"
              : "node"
      perArea.set(area, (perArea.get(area) ?? 0) + node.selfSize)
      total += node.selfSize
    }
    for (const child of node.children) visit(child)
  }
  visit(profile.head)
  const perTask = (bytes: number): string => `${(bytes / n).toFixed(0).padStart(6)} B/task`
  console.log(`allocated in the last repetition: ${perTask(total)} (sampled every 1 KiB)`)
  for (const [area, bytes] of [...perArea].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${perTask(bytes)}  ${area}`)
  }
  console.log("top allocating functions:")
  for (const [name, bytes] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`  ${perTask(bytes)}  ${name}`)
  }
}
