/**
 * The reason `run` cancels the main task with when the process receives a signal.
 */
import type { CancelReason } from "@effect-asyncio/core/Errors"
import type { Signal } from "../Errors.ts"

/** The reason `run` cancels the main task with when the process receives `signal`. */
export const signalReason = (signal: Signal): CancelReason => ({
  kind: "signal",
  detail: `run() received ${signal}`
})
