/**
 * The cluster executor: `runInExecutor` on the runner processes of an `effect/cluster` cluster — on this machine
 * by default, on many machines sharing a PostgreSQL database when outgrown. What Celery, Dask or Ray give Python,
 * with structured concurrency kept: a job is a child of the task that awaits it, cancelling the task interrupts the
 * remote job, and a `TaskGroup` of remote jobs cancels the remote siblings of the first failure.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Executor, workModule } from "@effect-asyncio/node"
 * import * as Cluster from "@effect-asyncio/node/Cluster"
 * import { Effect } from "effect"
 *
 * const work = workModule<typeof import("./work.ts")>(new URL("./work.ts", import.meta.url))
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const cluster = yield* Cluster.make({ runners: 3 }) // three runner processes, SQLite in a temp dir
 *   return yield* asyncio.gather(...[30, 31, 32].map((n) => Executor.runInExecutor(cluster, work, "fib", n)))
 * }))
 * ```
 *
 * This module is the only one that loads `effect/cluster` and `@effect/platform-node` (an optional peer
 * dependency): import it only where a cluster is used. `docs/cluster.md` has the design, the delivery guarantee,
 * how to run runners on several hosts, and measurements.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { availableParallelism, tmpdir } from "node:os"
import { extname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { serialize } from "node:v8"
import { RuntimeError, TypeError } from "@effect-asyncio/core/Errors"
import * as Inspect from "@effect-asyncio/core/Inspect"
import * as Context from "effect/Context"
import * as Sharding from "effect/cluster/Sharding"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ThreadError } from "./Errors.ts"
import * as Executor from "./Executor.ts"
import {
  decodeOutcome,
  defaultTiming,
  Job,
  jobHandlers,
  RUNNER_ENV,
  type RunnerConfig,
  type Storage,
  shardingLayer,
  storeLayer,
  type Timing
} from "./internal/cluster.ts"

export type { Storage, Timing } from "./internal/cluster.ts"

/**
 * Options of {@link make} and {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ClusterOptions {
  /**
   * Runner processes to start on this machine (default 2), listening on free ports of `host`. `0` starts none:
   * the jobs then go to runners started elsewhere ({@link serve}) on the same `storage`.
   */
  readonly runners?: number | undefined
  /**
   * Where the cluster keeps its state (runners, health, shard locks): `{ sqlite: "/path/cluster.db" }` (one
   * machine) or `{ postgres: "postgres://…" }` (several; needs `@effect/sql-pg`). Default: a SQLite file in a new
   * temporary directory, removed with the scope.
   */
  readonly storage?: Storage | undefined
  /** The address local runners listen on (default `127.0.0.1`). */
  readonly host?: string | undefined
  /** Worker threads of each local runner's own pool (default: the machine's parallelism). */
  readonly threads?: number | undefined
  /** Sharding settings; every process of one cluster must use the same. See `docs/cluster.md`. */
  readonly timing?: Partial<Timing> | undefined
  /** Seconds to wait for the local runners to start (default 30). */
  readonly startTimeout?: number | undefined
  /** A name for messages (`Cluster-<n>`). */
  readonly name?: string | undefined
}

/**
 * A runner process started by {@link make} on this machine.
 *
 * @category models
 * @since 0.1.0
 */
export interface LocalRunner {
  /** `host:port`, as jobs report it. */
  readonly address: string
  readonly pid: number
}

/**
 * The cluster executor: an `Executor` whose calls run on the cluster's runners.
 *
 * @category models
 * @since 0.1.0
 */
export interface ClusterExecutor extends Executor.Executor {
  /** The runner processes this executor started on this machine (none with `runners: 0`). */
  readonly runners: ReadonlyArray<LocalRunner>
  /** Where the cluster keeps its state. */
  readonly storage: Storage
}

/**
 * Options of {@link serve}: one runner.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunnerOptions {
  /** The address other processes reach this runner at (and that it listens on). */
  readonly host: string
  readonly port: number
  /** The cluster's store; the same for every runner and caller. */
  readonly storage: Storage
  /** Worker threads of the runner's pool (default: the machine's parallelism). */
  readonly threads?: number | undefined
  /** Sharding settings; the same for every process of the cluster. */
  readonly timing?: Partial<Timing> | undefined
}

let counter = 0

const timingOf = (timing: Partial<Timing> | undefined): Timing => ({ ...defaultTiming, ...timing })

/**
 * Runs one runner until interrupted (SIGTERM under `run`): it registers with the cluster's store, takes its share
 * of the shards, and runs the jobs sent to them on its own thread pool. Use it to start runners on other machines;
 * {@link make} starts local ones itself.
 *
 * **Example** (A runner on another host)
 * ```ts
 * import { run } from "@effect-asyncio/node"
 * import * as Cluster from "@effect-asyncio/node/Cluster"
 *
 * run(Cluster.serve({ host: "10.0.0.7", port: 34431, storage: { postgres: "postgres://cluster@db/cluster" } }))
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const serve = (options: RunnerOptions, onReady?: () => void): Effect.Effect<never> =>
  Effect.scoped(
    Effect.gen(function* () {
      const address = `${options.host}:${options.port}`
      const executor = yield* Executor.threadPool({
        size: options.threads ?? Math.max(1, availableParallelism()),
        name: `runner ${address}`
      })
      const entities = Job.toLayer(jobHandlers(executor, address), {
        concurrency: "unbounded",
        mailboxCapacity: "unbounded",
        maxIdleTime: "1 minute"
      })
      const layer = entities.pipe(
        Layer.provide(shardingLayer(timingOf(options.timing), { host: options.host, port: options.port })),
        Layer.provide(storeLayer(options.storage))
      )
      yield* Layer.build(layer)
      onReady?.()
      return yield* Effect.never
    })
  )

/** A free TCP port on `host` (the kernel's choice, released at once). */
const freePort = (host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const runnerEntry = (): string => {
  const here = fileURLToPath(import.meta.url)
  return fileURLToPath(new URL(`./internal/clusterRunner${extname(here)}`, import.meta.url))
}

/** Starts one local runner process and waits for its "ready". */
const startRunner = (config: RunnerConfig, seconds: number): Effect.Effect<ChildProcess> =>
  Effect.callback<ChildProcess>((resume) => {
    const child = spawn(process.execPath, [runnerEntry()], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, [RUNNER_ENV]: JSON.stringify(config) }
    })
    const fail = (why: string): void => {
      child.kill("SIGKILL")
      resume(Effect.die(new RuntimeError(`Cluster: the runner ${config.host}:${config.port} ${why}`)))
    }
    const timer = setTimeout(() => fail(`did not start within ${seconds} s`), seconds * 1000)
    child.once("message", () => {
      clearTimeout(timer)
      child.channel?.unref()
      resume(Effect.succeed(child))
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      fail(`exited with code ${code} while starting`)
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** Stops a local runner: SIGTERM (it hands its shards off), then SIGKILL after `seconds`. */
const stopRunner = (child: ChildProcess, seconds: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), seconds * 1000)
    child.removeAllListeners("exit")
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

const validate = (options: ClusterOptions): void => {
  const runners = options.runners ?? 2
  if (!Number.isInteger(runners) || runners < 0) {
    throw new TypeError(`Cluster.make: runners must be an integer >= 0, got ${String(runners)}`)
  }
  const timing = timingOf(options.timing)
  if (!Number.isInteger(timing.shardsPerGroup) || timing.shardsPerGroup < 1) {
    throw new TypeError(
      `Cluster.make: timing.shardsPerGroup must be a positive integer, got ${String(timing.shardsPerGroup)}`
    )
  }
  const storage = options.storage
  if (
    storage !== undefined &&
    !(typeof storage === "object" && storage !== null && ("sqlite" in storage || "postgres" in storage))
  ) {
    throw new TypeError(
      `Cluster.make: storage must be { sqlite: path } or { postgres: url }, got ${String(storage)}`
    )
  }
}

/**
 * A cluster executor, shut down when the scope closes: starts `runners` runner processes on this machine (with no
 * storage given, on a SQLite file in a new temporary directory), joins the cluster as a client, and sends each
 * call as a job to the runner owning the job's shard. asyncio has no equivalent (its users reach for Celery, Dask
 * or Ray, and lose structured concurrency on the way).
 *
 * **Details**
 * - Arguments and results are copied with the structured clone algorithm (`node:v8` serialisation), as on threads
 *   and processes; the function's exception fails the call with a `ThreadError`; misuse and a job's dying worker
 *   are defects naming the runner.
 * - **Cancellation** interrupts the remote job (a queued job leaves its runner's queue, a running one has its
 *   worker thread terminated) and completes when the runner has stopped it.
 * - **A runner that dies mid-job**: its jobs are sent again to the runners that take over its shards, once its
 *   shard locks have expired (5 s by default): **at-least-once**. Every call gets exactly one result, but a job
 *   that was running on the dead runner runs a second time. Make jobs idempotent, or use `waitFor` to bound the
 *   wait. See `docs/cluster.md`.
 * - Closing the scope stops the local runners (SIGTERM: running jobs are interrupted, shards handed off).
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: ClusterOptions): Effect.Effect<ClusterExecutor, never, Scope.Scope> =>
  Effect.gen(function* () {
    const opts = options ?? {}
    yield* Effect.try({ try: () => validate(opts), catch: (error) => error }).pipe(Effect.orDie)
    const name = opts.name ?? `Cluster-${++counter}`
    const host = opts.host ?? "127.0.0.1"
    const timing = timingOf(opts.timing)
    const storage: Storage =
      opts.storage ??
      (yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-asyncio-cluster-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      ).pipe(Effect.map((dir): Storage => ({ sqlite: join(dir, "cluster.db") }))))
    const count = opts.runners ?? 2
    const seconds = opts.startTimeout ?? 30
    const ports = yield* Effect.promise(() =>
      Promise.all(Array.from({ length: count }, () => freePort(host)))
    )
    const children = yield* Effect.forEach(
      ports,
      (port) =>
        Effect.acquireRelease(
          startRunner({ host, port, storage, timing, threads: opts.threads }, seconds),
          (child) => stopRunner(child, timing.entityTerminationTimeout / 1000 + 5)
        ),
      { concurrency: "unbounded" }
    )
    const context = yield* Layer.build(
      shardingLayer(timing, undefined).pipe(Layer.provide(storeLayer(storage)))
    )
    const sharding = Context.get(context, Sharding.Sharding)
    const client = yield* sharding.makeClient(Job)
    const slots = timing.shardsPerGroup * 4
    let next = 0

    const submit = (call: Executor.Call): Effect.Effect<unknown, ThreadError> =>
      Effect.suspend(() => {
        let args: Uint8Array
        try {
          args = serialize(call.args)
        } catch (error) {
          return Effect.die(
            new TypeError(
              `Cluster: the arguments of ${call.name} (${call.module}) cannot be sent to a runner: ${
                error instanceof Error ? error.message : String(error)
              }`
            )
          )
        }
        let where = "queued on the cluster"
        let runner = "?"
        let done: Uint8Array | undefined
        const run = client(String(next++ % slots))
          .Run({ module: call.module, name: call.name, args, onCancel: call.onCancel })
          .pipe(
            Stream.runForEach((chunk) =>
              Effect.sync(() => {
                if (chunk._tag === "Started") {
                  runner = chunk.runner
                  where = `on runner ${chunk.runner} (pid ${chunk.pid})`
                } else {
                  done = chunk.outcome
                }
              })
            ),
            Effect.catch((error) =>
              Effect.die(
                new RuntimeError(`Cluster: the job ${call.name} could not be delivered: ${error._tag}`)
              )
            ),
            Inspect.awaiting(() => `job ${call.name} ${where}`)
          )
        return Effect.flatMap(run, () =>
          done === undefined
            ? Effect.die(
                new RuntimeError(`Cluster: the job ${call.name} ended without a result (on ${runner})`)
              )
            : decodeOutcome(done, runner)
        )
      })

    const executor = Executor.make({ name, kind: "cluster", submit })
    return Object.assign(executor, {
      runners: children.map(
        (child, i): LocalRunner => ({ address: `${host}:${ports[i]}`, pid: child.pid ?? 0 })
      ),
      storage
    })
  })

/**
 * A layer that makes a new cluster executor the default executor (`runInExecutor(null, …)`), shut down with the
 * layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: ClusterOptions): Layer.Layer<never> =>
  Layer.effect(Executor.CurrentExecutor, make(options))
