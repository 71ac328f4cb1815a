/**
 * The task registry behind `Inspect` (`ps`, `pstree`) and debug mode: an observer that keeps, for every live
 * task, who created it and where, what owns it, what it is doing and — once a cancellation was requested — why.
 * Installed on demand and reference-counted; with no user it is not installed and costs nothing.
 */
import * as Clock from "effect/Clock"
import type { CancelReason } from "../Errors.ts"
import { text } from "./describe.ts"
import * as hooks from "./hooks.ts"

/** The state of a live task as `ps` shows it. */
export type TaskState = "pending" | "running" | "waiting" | "cancelling" | "unknown"

/** What `ps` knows about a live task. */
export interface TaskInfo {
  readonly id: number
  readonly name: string
  /**
   * `pending`: created, not started; `running`: started and not known to be suspended (it may be running, or
   * suspended on something the library does not track); `waiting`: suspended on `awaiting`; `cancelling`: a
   * cancellation was requested and the task has not finished yet (its clean-up may be running or waiting);
   * `unknown`: the registry was not enabled when the task was created.
   */
  readonly state: TaskState
  /** What the task is suspended on (`sleep(1)`, `task worker #3`, `gather (3 tasks)`, `Queue.get()`), if known. */
  readonly awaiting: string | undefined
  /** The owner: its task group, else its loop scope, else `detached` or `fiber #<id>`. */
  readonly owner: string
  readonly group: string | undefined
  readonly loop: string | undefined
  /** The task that created it. */
  readonly creator: { readonly id: number; readonly name: string } | undefined
  /** Seconds since it was created, on the clock of the fiber that created it (virtual under `TestClock`). */
  readonly age: number
  /** Where `createTask` / `tg.createTask` was called, `path:line:column`. */
  readonly site: string | undefined
  /** Why it is being cancelled, once a cancellation was requested. */
  readonly cancelReason: CancelReason | undefined
}

/** A wait target in words. */
export const describeTarget = (target: hooks.WaitTarget): string => {
  switch (target._tag) {
    case "task":
      return `task ${target.task.name} #${target.task.id}`
    case "tasks":
      return `${target.what} (${target.count} task${target.count === 1 ? "" : "s"})`
    case "sleep":
      return `sleep(${formatSeconds(target.seconds)})`
    case "primitive":
      return target.what
  }
}

/** A number of seconds without float noise: `0.1`, `2.5`, `10`. */
export const formatSeconds = (seconds: number): string => String(Math.round(seconds * 1e6) / 1e6)

/** A cancel reason in one line: `cancel 'stop': worker was cancelled by main`. */
export const describeReason = (reason: CancelReason): string => {
  const message = reason.message === undefined ? "" : ` ${quote(text(reason.message))}`
  return `${reason.kind}${message}: ${reason.detail}`
}

const quote = (s: string): string => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`

class Entry {
  readonly task: hooks.TaskLike
  /** What is kept of the creation (not the creating fiber itself, which may end long before the task). */
  readonly creation: Omit<hooks.Creation, "parent">
  readonly clock: Clock.Clock
  readonly createdAt: number
  started = false
  readonly waits: Array<hooks.WaitTarget> = []
  cancelReason: CancelReason | undefined = undefined

  constructor(task: hooks.TaskLike, creation: hooks.Creation) {
    this.task = task
    const creator = creation.creator
    this.creation = {
      creator: creator === undefined ? undefined : { id: creator.id, name: creator.name },
      owner: creation.owner,
      group: creation.group,
      loop: creation.loop,
      site: creation.site
    }
    this.clock = creation.parent.getRef(Clock.Clock)
    this.createdAt = this.clock.currentTimeMillisUnsafe()
  }

  info(): TaskInfo {
    const wait = this.waits[this.waits.length - 1]
    const creator = this.creation.creator
    return {
      id: this.task.id,
      name: this.task.name,
      state:
        this.cancelReason !== undefined
          ? "cancelling"
          : !this.started
            ? "pending"
            : wait === undefined
              ? "running"
              : "waiting",
      awaiting: wait === undefined ? undefined : describeTarget(wait),
      owner: this.creation.owner,
      group: this.creation.group,
      loop: this.creation.loop,
      creator: creator === undefined ? undefined : { id: creator.id, name: creator.name },
      age: Math.max(0, this.clock.currentTimeMillisUnsafe() - this.createdAt) / 1000,
      site: this.creation.site?.location,
      cancelReason: this.cancelReason
    }
  }
}

const entries = new Map<number, Entry>()
let events = 0

const observer: hooks.Observer = {
  name: "Inspect (task registry)",
  captureSites: true,
  created: (task, creation) => {
    events++
    entries.set(task.id, new Entry(task, creation))
  },
  started: (task) => {
    events++
    const entry = entries.get(task.id)
    if (entry !== undefined) entry.started = true
  },
  waiting: (task, target) => {
    entries.get(task.id)?.waits.push(target)
  },
  resumed: (task) => {
    events++
    entries.get(task.id)?.waits.pop()
  },
  cancelRequested: (task, reason) => {
    const entry = entries.get(task.id)
    if (entry !== undefined) entry.cancelReason ??= reason
  },
  done: (task) => {
    events++
    entries.delete(task.id)
  }
}

/** Starts the registry (if it is not running) for one more user; returns the function that releases it. */
export const acquire: () => () => void = hooks.shared(observer, () => entries.clear())

/** Whether the registry is running. */
export const enabled = (): boolean => hooks.observers.includes(observer)

/** The live tasks the registry knows, by id. */
export const snapshot = (): Array<TaskInfo> => Array.from(entries.values(), (entry) => entry.info())

/** What the registry knows about one live task. */
export const infoOf = (id: number): TaskInfo | undefined => entries.get(id)?.info()

/**
 * A counter of lifecycle events that mean progress (a task created, started, resumed or finished); a hang
 * detector samples it.
 */
export const progress = (): number => events
