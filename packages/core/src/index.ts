/**
 * effect-asyncio: Python asyncio's names and behaviour on Effect 4 fibers.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * ```
 *
 * Top-level functions are asyncio's (`sleep`, `createTask`, `gather`, `asCompleted`, `wait`, `waitFor`,
 * `shield`, `currentTask`, `allTasks`); errors are named after Python's exceptions; `Loop` holds the loop-scope
 * constructs that own tasks. Every function returns an `Effect`.
 *
 * @since 0.1.0
 */
export * from "./Errors.ts"
export { sleep } from "./Sleep.ts"
export type { Seconds } from "./internal/time.ts"
export { createTask, currentTask, allTasks, isTask, type Task, type CreateTaskOptions } from "./Task.ts"
export { gather, type GatherOptions, type Results, type Settled } from "./Gather.ts"
export { asCompleted, type AsCompleted, type AsCompletedOptions } from "./AsCompleted.ts"
export {
  wait,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type ReturnWhen,
  type WaitOptions,
  type WaitResult
} from "./Wait.ts"
export { waitFor } from "./WaitFor.ts"
export { shield } from "./Shield.ts"
export * as Loop from "./Loop.ts"
