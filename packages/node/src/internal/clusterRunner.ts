/**
 * The program of a runner process that `Cluster.make` starts on this machine: reads its configuration from
 * `EFFECT_ASYNCIO_RUNNER`, serves until SIGTERM/SIGINT (handled by `run`: running jobs are interrupted and the
 * shards handed off), and tells its parent "ready" over the IPC channel once it is registered.
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"
import { serve } from "../Cluster.ts"
import { run } from "../Run.ts"
import { RUNNER_ENV, type RunnerConfig } from "./cluster.ts"

const config = JSON.parse(process.env[RUNNER_ENV] ?? "null") as RunnerConfig | null
if (config === null) {
  process.stderr.write(
    `clusterRunner: ${RUNNER_ENV} is not set; start runners with Cluster.make or Cluster.serve\n`
  )
  process.exit(2)
}
// The parent going away (even by kill -9) closes the channel: a runner never outlives its cluster executor.
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"))

// A runner stopped by its cluster (SIGTERM) ends quietly; only warnings and errors are logged.
run(
  serve(
    {
      host: config.host,
      port: config.port,
      storage: config.storage,
      threads: config.threads,
      timing: config.timing
    },
    () => process.send?.({ _tag: "ready" })
  ).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")),
  { exit: false }
).catch((error: unknown) => {
  const signal =
    typeof error === "object" && error !== null && "_tag" in error && error._tag === "KeyboardInterrupt"
  if (!signal) process.stderr.write(`clusterRunner: ${String(error)}\n`)
  process.exit(signal ? 0 : 1)
})
