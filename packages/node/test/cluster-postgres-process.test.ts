/**
 * The same cluster program on PostgreSQL instead of the embedded SQLite store: runner processes and caller share
 * a real server (started here: initdb into a temporary directory, a free port on 127.0.0.1). Where PostgreSQL is
 * not installed the test says so and passes without running — except under CI, whose .ci/run installs it, where a
 * missing server is a failure.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Cluster from "../src/Cluster.ts"
import { Executor, ThreadError, workModule } from "../src/index.ts"
import { findPostgres, startPostgres } from "./utils/postgres.ts"

const jobs = workModule<typeof import("./fixtures/jobs.ts")>(new URL("./fixtures/jobs.ts", import.meta.url))

describe("Cluster executor on PostgreSQL (@effect/sql-pg)", () => {
  it.live(
    "three runners sharing a PostgreSQL store: 1,000 jobs, a failing job, runners on every pid",
    () =>
      Effect.gen(function* () {
        const found = findPostgres()
        if ("missing" in found) {
          assert.isUndefined(process.env.CI, `CI must run this test: ${found.missing}`)
          console.warn(`SKIPPED (runtime check): ${found.missing}`)
          return
        }
        yield* Effect.scoped(
          Effect.gen(function* () {
            const url = yield* startPostgres(found.bin)
            const cluster = yield* Cluster.make({ runners: 3, threads: 2, storage: { postgres: url } })
            assert.deepStrictEqual(cluster.storage, { postgres: url })
            const squares = yield* asyncio.gather(
              ...Array.from({ length: 1000 }, (_, i) => Executor.runInExecutor(cluster, jobs, "square", i))
            )
            assert.deepStrictEqual(
              squares,
              Array.from({ length: 1000 }, (_, i) => i * i)
            )
            const pids = yield* asyncio.gather(
              ...Array.from({ length: 200 }, () => Executor.runInExecutor(cluster, jobs, "pid"))
            )
            assert.deepStrictEqual(new Set(pids), new Set(cluster.runners.map((runner) => runner.pid)))
            const error = yield* Effect.flip(Executor.runInExecutor(cluster, jobs, "fail", "on postgres"))
            assert.instanceOf(error, ThreadError)
            assert.strictEqual(error.message, "on postgres")
          })
        )
      }),
    150_000
  )
})
