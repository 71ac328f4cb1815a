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

export * as Abort from "./Abort.ts"
export { type AsCompleted, type AsCompletedOptions, asCompleted } from "./AsCompleted.ts"
export * as Barrier from "./Barrier.ts"
export * as BoundedSemaphore from "./BoundedSemaphore.ts"
export * as CancelScope from "./CancelScope.ts"
export * as Condition from "./Condition.ts"
export * as Debug from "./Debug.ts"
export * from "./Errors.ts"
export * as Event from "./Event.ts"
export { ExceptionGroup, exceptStar, type Member } from "./ExceptionGroup.ts"
export { type GatherOptions, gather, gatherAll, type Results, type Settled } from "./Gather.ts"
export * as Inspect from "./Inspect.ts"
export * as Lock from "./Lock.ts"
export * as Loop from "./Loop.ts"
export * as Queue from "./Queue.ts"
export * as Semaphore from "./Semaphore.ts"
export { shield } from "./Shield.ts"
export { type Seconds, sleep } from "./Sleep.ts"
export { type StaggeredResult, staggeredRace } from "./StaggeredRace.ts"
export {
  allTasks,
  type CreateTaskOptions,
  cancelledErrorOf,
  catchCancelled,
  createTask,
  currentTask,
  isTask,
  type Task
} from "./Task.ts"
export * as TaskGroup from "./TaskGroup.ts"
export * as Timeline from "./Timeline.ts"
export * as Timeout from "./Timeout.ts"
export { timeout, timeoutAt } from "./Timeout.ts"
export * as Tracing from "./Tracing.ts"
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  type WaitOptions,
  type WaitResult,
  wait
} from "./Wait.ts"
export { waitFor } from "./WaitFor.ts"
