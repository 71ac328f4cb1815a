/**
 * Runs one bench cell in the main thread, for profiling:
 *
 *   npx node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts gather effect-asyncio 100000 5
 *
 * Arguments: WORKLOAD IMPL N [RUNS=5], IMPL one of effect-asyncio, effect-asyncio:no-loop, effect, promise.
 * Prints µs/task of each repetition. (At large N, `gather(...effects)` needs `--stack-size`; prefer N ≤ 100k.)
 */
import { collectGarbage, prepare, settle } from "./lib/prepare.ts"
import type { CellKey } from "./lib/types.ts"
import { workloadByName } from "./workloads/index.ts"

const [workloadName = "gather", implText = "effect-asyncio", nText = "100000", runsText = "5"] =
  process.argv.slice(2)
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
for (let r = 0; r < runs; r++) {
  await settle()
  collectGarbage()
  const start = performance.now()
  await run()
  console.log(
    `${workloadName} ${implText} n=${n}: ${(((performance.now() - start) * 1000) / n).toFixed(3)} µs/task`
  )
}
