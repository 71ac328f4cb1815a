/**
 * The thread pool of the `run` in progress, created on the run's first `toThread`: `run` installs this slot with
 * its settings and shuts down whatever pool it holds when the run's loop has ended, without loading the pool code
 * itself — a program that never calls `toThread` never loads it.
 */
import * as Context from "effect/Context"
import type { Pool } from "./pool.ts"
import type { PoolConfig } from "./poolConfig.ts"

export interface RunPoolSlot {
  readonly config: PoolConfig
  /** The pool, once the run's first `toThread` has created it. */
  pool: Pool | undefined
}

export const RunPool = Context.Reference<RunPoolSlot | undefined>("@effect-asyncio/node/RunPool", {
  defaultValue: () => undefined
})
