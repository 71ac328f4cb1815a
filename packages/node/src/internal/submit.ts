/**
 * A call of an executor run on a `Pool` (threads or processes) through `toThread`: one code path for both pools,
 * its queueing, cancellation and error mapping included.
 */
import * as Effect from "effect/Effect"
import type { ThreadError } from "../Errors.ts"
import { type AnyFunction, type OnCancel, toThread, type WorkArgs, workModule } from "../ToThread.ts"
import { CurrentPool, type Pool } from "./pool.ts"

/** One call, as `Executor.Call` describes it. */
export interface PoolCall {
  readonly module: string
  readonly name: string
  readonly args: ReadonlyArray<unknown>
  readonly onCancel: OnCancel | undefined
}

/** A module whose exports we only know at run time. */
type Dynamic = Record<string, AnyFunction>

/** Runs `call` on `pool`, or — `undefined` — on the pool `toThread` uses where it runs. */
export const submitOnPool =
  (pool: Pool | undefined) =>
  (call: PoolCall): Effect.Effect<unknown, ThreadError> => {
    const effect: Effect.Effect<unknown, ThreadError> = toThread(
      workModule<Dynamic>(call.module, { onCancel: call.onCancel }),
      call.name,
      ...(call.args as WorkArgs<AnyFunction>)
    )
    return pool === undefined ? effect : Effect.provideService(effect, CurrentPool, pool)
  }
