/** Turning a workload implementation into a runnable repetition (shared by the worker and bench/profile.ts). */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { CellKey, Workload } from "./types.ts"

/** One repetition; resolves with the checksum. */
export type Runner = () => Promise<number>

/** Builds the inputs for `n` (untimed) and returns the repetition to time. */
export const prepare = (workload: Workload, key: CellKey, n: number): Runner => {
  switch (key.impl) {
    case "effect-asyncio": {
      const program = workload.impls.ours(n)
      const run = key.variant === "no-loop" ? program : asyncio.Loop.scoped(program)
      return () => Effect.runPromise(run)
    }
    case "effect": {
      const program = workload.impls.effect(n)
      return () => Effect.runPromise(program)
    }
    case "promise":
      return workload.impls.promise(n)
  }
}

export const collectGarbage = (): void => {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench does)")
  gc()
  gc()
}

export const settle = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))
