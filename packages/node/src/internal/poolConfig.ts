/**
 * The settings of a pool (threads or processes) and how they are read from options. A module of its own so that
 * `run` can check its `threads` option at the call without loading the pool: the pool itself is loaded with the
 * first `toThread`.
 */
import { availableParallelism } from "node:os"
import type { ResourceLimits } from "node:worker_threads"
import * as Validate from "@effect-asyncio/core/Validate"

/** What cancelling a running call does to its worker thread. */
export type OnCancel = "terminate" | "finish"

export interface PoolConfig {
  readonly size: number
  /**
   * How messages name the pool's parts; the thread pool's words unless another backend (the process pool) says
   * otherwise.
   */
  readonly words?: PoolWords | undefined
  readonly onCancel: OnCancel
  /** How long `close()` waits for running calls, in milliseconds, before it terminates their threads. */
  readonly shutdownTimeoutMs: number
  /**
   * How long a cancelled call whose function asked for its cancel signal may take to settle, in milliseconds,
   * before its thread is terminated.
   */
  readonly cancelTimeoutMs: number
  readonly name: string
  /** The worker threads' V8 limits (`new Worker(…, { resourceLimits })`). */
  readonly resourceLimits: ResourceLimits
}

/** How a pool's messages name the function that queues calls, one execution unit, and the pool. */
export interface PoolWords {
  /** The public function, as messages start: `toThread`. */
  readonly call: string
  /** One unit: `worker thread`. */
  readonly unit: string
  /** The pool: `thread pool`. */
  readonly pool: string
}

let poolCounter = 0

export const threadWords: PoolWords = { call: "toThread", unit: "worker thread", pool: "thread pool" }

/** The options `makeConfig` reads (`ThreadPoolOptions`). */
export interface PoolOptions {
  readonly size?: number | undefined
  readonly onCancel?: OnCancel | undefined
  readonly shutdownTimeout?: number | undefined
  readonly cancelTimeout?: number | undefined
  readonly name?: string | undefined
  readonly resourceLimits?: ResourceLimits | undefined
}

const poolKeys = ["size", "onCancel", "shutdownTimeout", "cancelTimeout", "name", "resourceLimits"]
const limitKeys = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"]

/**
 * The default heap limit of a worker thread, in MB: a function that exhausts it is stopped within a second or so
 * (without a limit V8 grants a worker as much as the main thread — gigabytes, and many seconds of garbage
 * collection before it gives up).
 */
export const defaultResourceLimits: ResourceLimits = { maxOldGenerationSizeMb: 1024 }

/** Reads and checks the options of a pool (`call` names the entry point in errors). */
export const makeConfig = (options: PoolOptions | undefined, call = "ThreadPool"): PoolConfig => {
  const checked = Validate.options(call, options, poolKeys)
  const size =
    checked.size === undefined
      ? Math.max(1, availableParallelism())
      : Validate.integer(call, checked.size, "size", 1)
  const onCancel =
    checked.onCancel === undefined
      ? "terminate"
      : Validate.oneOf(call, checked.onCancel, "onCancel", ["terminate", "finish"])
  const timeout =
    checked.shutdownTimeout === undefined
      ? 300
      : Validate.seconds(call, checked.shutdownTimeout, "shutdownTimeout")
  const cancelTimeout =
    checked.cancelTimeout === undefined ? 1 : Validate.seconds(call, checked.cancelTimeout, "cancelTimeout")
  const limits = Validate.options(call, checked.resourceLimits, limitKeys)
  for (const key of limitKeys) {
    const value: unknown = Reflect.get(limits, key)
    if (value !== undefined) Validate.integer(call, value, `resourceLimits.${key}`, 1)
  }
  return {
    size,
    onCancel,
    shutdownTimeoutMs: timeout * 1000,
    cancelTimeoutMs: cancelTimeout * 1000,
    name: Validate.name(call, checked.name) ?? `ThreadPool-${++poolCounter}`,
    resourceLimits: { ...defaultResourceLimits, ...limits }
  }
}
