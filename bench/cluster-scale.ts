/**
 * A simulated scale test of the cluster executor: 16 runner processes on this machine (one worker thread each,
 * 256 shards), N jobs of ≈ 1 ms (default 4,000) sent through `gather`, one runner killed with SIGKILL halfway.
 * Reports start-up, throughput, how the jobs spread over the runners, and that every call got one result.
 *
 *   node bench/cluster-scale.ts [N] [runners]
 */
import { loadavg } from "node:os"
import * as asyncio from "@effect-asyncio/core"
import { Executor, workModule } from "@effect-asyncio/node"
import * as Cluster from "@effect-asyncio/node/Cluster"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

const N = Number(process.argv[2] ?? 4000)
const RUNNERS = Number(process.argv[3] ?? 16)
const work = workModule<typeof import("./executors/work.ts")>(new URL("./executors/work.ts", import.meta.url))
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")

const main = Effect.scoped(
  Effect.gen(function* () {
    console.log(`cluster scale — ${RUNNERS} runners, ${N} jobs of ≈ 1 ms, load before ${load()}`)
    let t = performance.now()
    const cluster = yield* Cluster.make({ runners: RUNNERS, threads: 1, timing: { shardsPerGroup: 256 } })
    console.log(`start-up: ${((performance.now() - t) / 1000).toFixed(2)} s`)
    yield* asyncio.gather(...cluster.runners.map(() => Executor.runInExecutor(cluster, work, "burn", 0)))
    t = performance.now()
    const first = yield* asyncio.gather(
      ...Array.from({ length: N / 2 }, (_, i) => Executor.runInExecutor(cluster, work, "burn", i))
    )
    const half = (performance.now() - t) / 1000
    console.log(`first half: ${N / 2} jobs in ${half.toFixed(2)} s (${Math.round(N / 2 / half)} jobs/s)`)
    const victim = cluster.runners[0]
    const second = yield* Effect.forkChild(
      asyncio.gather(
        ...Array.from({ length: N / 2 }, (_, i) => Executor.runInExecutor(cluster, work, "burn", i))
      )
    )
    yield* Effect.sleep("200 millis")
    process.kill(victim.pid, "SIGKILL")
    t = performance.now()
    const results = yield* Fiber.join(second)
    const failover = (performance.now() - t) / 1000
    const ok = [...first, ...results].length === N
    console.log(
      `second half with ${victim.address} killed 200 ms in: finished ${failover.toFixed(2)} s after the kill; ` +
        `${ok ? "every call got its result" : "RESULTS MISSING"}`
    )
    console.log(`load after ${load()}`)
  })
)

Effect.runPromise(main).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
