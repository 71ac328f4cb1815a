/**
 * The task registry behind `Inspect` (`ps`, `pstree`) and debug mode: an observer that keeps, for every live
 * task, who created it and where, what owns it, what it is doing and — once a cancellation was requested — why.
 * Installed on demand and reference-counted; with no user it is not installed and costs nothing.
 */
import * as Clock from "effect/Clock"
import type { CancelReason } from "../Errors.ts"
import type { TaskInfo } from "../Inspect.ts"
import { formatSeconds } from "./format.ts"
import * as hooks from "./hooks.ts"

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
export const enabled = (): boolean => hooks.isInstalled(observer)

/** The live tasks the registry knows, by id. */
export const snapshot = (): Array<TaskInfo> => Array.from(entries.values(), (entry) => entry.info())

/** What the registry knows about one live task. */
export const infoOf = (id: number): TaskInfo | undefined => entries.get(id)?.info()

/**
 * A counter of lifecycle events that mean progress (a task created, started, resumed or finished); a hang
 * detector samples it.
 */
export const progress = (): number => events
