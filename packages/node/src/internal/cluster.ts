/**
 * The cluster executor's machinery, shared by the caller (`Cluster.ts`) and the runner processes
 * (`clusterRunner.ts`): the job entity, the wire form of a job's outcome, the store and the sharding layers.
 *
 * A job is one request `Run` to the entity type `effect-asyncio/Job`, whose id picks the shard (jobs are spread
 * round-robin over `4 × shardsPerGroup` entity ids). The request is volatile (not persisted): the caller's
 * `effect/cluster` client sends it to the runner that owns the shard over the runners' socket protocol, and on
 * `RunnerUnavailable` (the runner died) sends it again, to the shard's next owner — at-least-once delivery. Its
 * reply is a stream of two chunks: `Started` (which runner, so that `ps` can say it) and `Done` (the outcome).
 */
import { deserialize, serialize } from "node:v8"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { RuntimeError } from "@effect-asyncio/core/Errors"
import * as Entity from "effect/cluster/Entity"
import * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import type * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Rpc from "effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as SqlClient from "effect/sql/SqlClient"
import { ThreadError } from "../Errors.ts"
import type * as Executor from "../Executor.ts"
import * as sqlite from "./sqlite.ts"

/** Where the runners and their callers keep the cluster's state. */
export type Storage = { readonly sqlite: string } | { readonly postgres: string }

/** The sharding settings every process of one cluster must share. */
export interface Timing {
  readonly shardsPerGroup: number
  readonly shardLockRefreshInterval: number
  readonly shardLockExpiration: number
  readonly refreshAssignmentsInterval: number
  readonly runnerHealthCheckInterval: number
  readonly sendRetryInterval: number
  readonly entityTerminationTimeout: number
}

/**
 * Defaults sized for failover in seconds rather than `effect/cluster`'s minutes: a dead runner's shards move once
 * its lock has expired (5 s) and a health check marked it unhealthy.
 */
export const defaultTiming: Timing = {
  shardsPerGroup: 64,
  shardLockRefreshInterval: 1000,
  shardLockExpiration: 5000,
  refreshAssignmentsInterval: 1000,
  runnerHealthCheckInterval: 2000,
  sendRetryInterval: 50,
  entityTerminationTimeout: 5000
}

/** What a runner process is started with (as JSON in `EFFECT_ASYNCIO_RUNNER`). */
export interface RunnerConfig {
  readonly host: string
  readonly port: number
  readonly storage: Storage
  readonly timing: Timing
  /** Worker threads of the runner's own pool (default: the machine's parallelism). */
  readonly threads: number | undefined
}

export const RUNNER_ENV = "EFFECT_ASYNCIO_RUNNER"

const Started = Schema.TaggedStruct("Started", { runner: Schema.String, pid: Schema.Number })
const Done = Schema.TaggedStruct("Done", { outcome: Schema.Uint8Array })

/** One job: the export `name` of `module`, with `args` (v8-serialised: the structured clone of the thread pool). */
export const RunRpc = Rpc.make("Run", {
  payload: {
    module: Schema.String,
    name: Schema.String,
    args: Schema.Uint8Array,
    onCancel: Schema.optional(Schema.Literals(["terminate", "finish"]))
  },
  success: Schema.Union([Started, Done]),
  stream: true
})

export const Job = Entity.make("effect-asyncio/Job", [RunRpc])

/** A job's outcome on the wire. */
type WireOutcome =
  | { readonly _tag: "Success"; readonly value: unknown }
  | { readonly _tag: "Threw"; readonly error: WireError }
  | {
      readonly _tag: "Defect"
      readonly name: string
      readonly message: string
      readonly stack: string | undefined
    }

interface WireError {
  readonly message: string
  readonly errorName: string
  readonly data: Readonly<Record<string, unknown>>
  readonly thrown: unknown
  readonly work: string
  readonly stack: string | undefined
  readonly cause: WireError | undefined
}

const wireError = (error: ThreadError): WireError => ({
  message: error.message,
  errorName: error.errorName,
  data: error.data,
  thrown: error.thrown,
  work: error.work,
  stack: error.stack,
  cause: error.cause === undefined ? undefined : wireError(error.cause)
})

const fromWireError = (error: WireError): ThreadError => {
  const result = new ThreadError({
    message: error.message,
    errorName: error.errorName,
    data: error.data,
    thrown: error.thrown,
    work: error.work,
    cause: error.cause === undefined ? undefined : fromWireError(error.cause)
  })
  if (error.stack !== undefined) result.stack = error.stack
  return result
}

const messageOf = (u: unknown): string => (u instanceof Error ? u.message : String(u))

/** The runner side: a job's exit, as bytes for the `Done` chunk. */
export const encodeExit = (exit: Exit.Exit<unknown, ThreadError>, work: string): Uint8Array => {
  const defect = (name: string, message: string, stack: string | undefined): Uint8Array =>
    serialize({ _tag: "Defect", name, message, stack } satisfies WireOutcome)
  if (Exit.isSuccess(exit)) {
    try {
      return serialize({ _tag: "Success", value: exit.value } satisfies WireOutcome)
    } catch (error) {
      return defect(
        "RuntimeError",
        `the result of ${work} cannot be sent back: ${messageOf(error)}`,
        undefined
      )
    }
  }
  for (const reason of exit.cause.reasons) {
    if (reason._tag === "Fail")
      return serialize({ _tag: "Threw", error: wireError(reason.error) } satisfies WireOutcome)
  }
  for (const reason of exit.cause.reasons) {
    if (reason._tag === "Die") {
      const thrown = reason.defect
      return thrown instanceof Error
        ? defect(thrown.name, thrown.message, thrown.stack)
        : defect("RuntimeError", String(thrown), undefined)
    }
  }
  return defect("RuntimeError", `${work} was interrupted on its runner`, undefined)
}

/** The caller side: the `Done` chunk's bytes as the job's result, `ThreadError` or defect. */
export const decodeOutcome = (bytes: Uint8Array, runner: string): Effect.Effect<unknown, ThreadError> => {
  const outcome = deserialize(bytes) as WireOutcome
  switch (outcome._tag) {
    case "Success":
      return Effect.succeed(outcome.value)
    case "Threw":
      return Effect.fail(fromWireError(outcome.error))
    case "Defect": {
      const defect = new RuntimeError(`Cluster: ${outcome.message} (on runner ${runner})`)
      if (outcome.stack !== undefined) defect.cause = outcome.stack
      return Effect.die(defect)
    }
  }
}

/** The runner side: the entity's handler, running each job on `executor` (the runner's own pool). */
export const jobHandlers = (executor: Executor.Executor, runner: string) => ({
  Run: (request: Entity.Request<typeof RunRpc>) => {
    const { module, name, onCancel } = request.payload
    const work = `${name} (${module})`
    const run = Effect.suspend(() => {
      const args = deserialize(request.payload.args) as ReadonlyArray<unknown>
      return executor.submit({ module, name, args, onCancel })
    }).pipe(
      Effect.exit,
      Effect.map((exit) => ({ _tag: "Done" as const, outcome: encodeExit(exit, work) }))
    )
    return Stream.concat(
      Stream.succeed({ _tag: "Started" as const, runner, pid: process.pid }),
      Stream.fromEffect(run)
    )
  }
})

/** The SQL client of a store. PostgreSQL comes from `@effect/sql-pg`, loaded only when asked for. */
export const storeLayer = (storage: Storage): Layer.Layer<SqlClient.SqlClient> =>
  "sqlite" in storage
    ? sqlite.layer(storage.sqlite)
    : Layer.unwrap(
        Effect.tryPromise({
          try: () => import("@effect/sql-pg/PgClient"),
          catch: () =>
            new RuntimeError(
              "Cluster: storage { postgres } needs the package @effect/sql-pg (npm install @effect/sql-pg)"
            )
        }).pipe(
          Effect.orDie,
          Effect.map((PgClient) => Layer.orDie(PgClient.layer({ url: Redacted.make(storage.postgres) })))
        )
      )

const shardingConfig = (
  timing: Timing,
  address: { readonly host: string; readonly port: number } | undefined
) =>
  ({
    ...(address === undefined
      ? {}
      : { runnerAddress: Option.some(RunnerAddress.make(address.host, address.port)) }),
    shardsPerGroup: timing.shardsPerGroup,
    shardLockRefreshInterval: timing.shardLockRefreshInterval,
    shardLockExpiration: timing.shardLockExpiration,
    refreshAssignmentsInterval: timing.refreshAssignmentsInterval,
    runnerHealthCheckInterval: timing.runnerHealthCheckInterval,
    sendRetryInterval: timing.sendRetryInterval,
    entityTerminationTimeout: timing.entityTerminationTimeout,
    // Volatile messages only: nothing is persisted, so storage is never polled for them.
    entityMessagePollInterval: 60_000
  }) satisfies Partial<ShardingConfig.ShardingConfig["Service"]>

/**
 * The sharding layer of one process: a runner (serving `address`) or, without an address, a client. Runner state
 * (membership, health, shard locks) lives in the SQL store; no message is stored.
 */
export const shardingLayer = (
  timing: Timing,
  address: { readonly host: string; readonly port: number } | undefined
): Layer.Layer<Sharding.Sharding, never, SqlClient.SqlClient> => {
  const config = shardingConfig(timing, address)
  const storage = Layer.merge(MessageStorage.layerNoop, Layer.orDie(SqlRunnerStorage.layer)).pipe(
    Layer.provide(Layer.orDie(ShardingConfig.layerFromEnv(config)))
  )
  const base =
    address === undefined
      ? NodeClusterSocket.layer({ clientOnly: true, storage: "byo", shardingConfig: config })
      : NodeClusterSocket.layer({ storage: "byo", runnerHealth: "ping", shardingConfig: config })
  return base.pipe(Layer.provide(storage), Layer.orDie)
}
