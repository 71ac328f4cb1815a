/**
 * Instrumentation hooks: the one place where the task machinery reports lifecycle events to observers (the
 * timeline recorder, debug mode, tracing, `ps`). With no observer installed every hook site costs one array
 * length check; nothing is allocated and no closure is created.
 */
import type * as Exit from "effect/Exit"
import type { CancelReason } from "../Errors.ts"

/** What an observer learns about a task. Structural, so that this module does not depend on the task class. */
export interface TaskLike {
  readonly name: string
  readonly id: number
}

/** What a task is suspended on, when the library knows it. */
export type WaitTarget =
  | { readonly _tag: "task"; readonly task: TaskLike }
  | { readonly _tag: "tasks"; readonly what: string; readonly count: number }
  | { readonly _tag: "sleep"; readonly seconds: number }
  | { readonly _tag: "primitive"; readonly what: string }

/**
 * An observer of task lifecycles. Every callback is optional and must be fast and must not throw; they run
 * synchronously inside the runtime.
 */
export interface Observer {
  /** A task was created. `creator` is the task running `createTask` (if any); `owner` names the owner scope. */
  readonly created?: (task: TaskLike, creator: TaskLike | undefined, owner: string) => void
  /** The task's body took its first step. */
  readonly started?: (task: TaskLike) => void
  /** The task is suspended waiting for `target`. */
  readonly waiting?: (task: TaskLike, target: WaitTarget) => void
  /** The task resumed after waiting. */
  readonly resumed?: (task: TaskLike) => void
  /** A cancellation of the task was requested. */
  readonly cancelRequested?: (task: TaskLike, reason: CancelReason) => void
  /** The task finished. */
  readonly done?: (task: TaskLike, exit: Exit.Exit<unknown, unknown>) => void
}

/** The installed observers; hook sites check `observers.length !== 0` before doing anything. */
export const observers: Array<Observer> = []

/** Installs `observer`; returns the function that removes it. */
export const install = (observer: Observer): (() => void) => {
  observers.push(observer)
  return () => {
    const index = observers.indexOf(observer)
    if (index >= 0) observers.splice(index, 1)
  }
}

export const emitCreated = (task: TaskLike, creator: TaskLike | undefined, owner: string): void => {
  for (const o of observers) o.created?.(task, creator, owner)
}
export const emitStarted = (task: TaskLike): void => {
  for (const o of observers) o.started?.(task)
}
export const emitWaiting = (task: TaskLike, target: WaitTarget): void => {
  for (const o of observers) o.waiting?.(task, target)
}
export const emitResumed = (task: TaskLike): void => {
  for (const o of observers) o.resumed?.(task)
}
export const emitCancelRequested = (task: TaskLike, reason: CancelReason): void => {
  for (const o of observers) o.cancelRequested?.(task, reason)
}
export const emitDone = (task: TaskLike, exit: Exit.Exit<unknown, unknown>): void => {
  for (const o of observers) o.done?.(task, exit)
}
