/**
 * Who owns a task, and what a fiber runs in: the registries of live tasks (the process's, a loop scope's), the
 * {@link Owner} a task is created with, and the context references that tell a fiber its loop scope, its task and
 * its innermost cancel scope. Knows the task only by its type: nothing here creates or runs one.
 */
import * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { type CancelReason, RuntimeError } from "../Errors.ts"
import type { TaskImpl } from "./task.ts"

/**
 * The live tasks created under one owner, in creation order: an intrusive doubly linked list through the tasks
 * themselves (`TaskImpl.liveNext`/`livePrev`), so that registering and leaving are O(1) with no hashing and no
 * allocation beyond the exit observer. A task leaves it when it finishes (that observer), so after a burst the owner
 * holds no finished task — nor, through it, its result. (A `Set` cost a hash-table insertion and deletion per task,
 * rehashing as it grew and shrank: about a microsecond per task at a million, bench/README.md "Where the time goes".)
 */
export class Registry {
  private head: TaskImpl<unknown, unknown> | undefined = undefined
  private tail: TaskImpl<unknown, unknown> | undefined = undefined
  private size = 0
  /**
   * Called when a task of this owner ends with a failure (a loop scope reports the ones nobody retrieved to its
   * exception handler: `loopState.ts`). Only failures pay for it.
   */
  onTaskFailed: ((task: TaskImpl<unknown, unknown>) => void) | undefined = undefined

  register(task: TaskImpl<unknown, unknown>): void {
    // A task that already finished (a gather child that returned at once) needs no owner any more.
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) {
      this.ended(task, exit)
      return
    }
    this.link(task)
    task.fiber.addObserver((exit) => this.finished(task, exit))
  }

  /** A task of this owner ended (linked or not): a failure is reported to {@link onTaskFailed}. */
  ended(task: TaskImpl<unknown, unknown>, exit: Exit.Exit<unknown, unknown>): void {
    if (exit._tag === "Failure" && this.onTaskFailed !== undefined) this.onTaskFailed(task)
  }

  /** A task added with {@link link} is done: it leaves, then {@link ended}. */
  finished(task: TaskImpl<unknown, unknown>, exit: Exit.Exit<unknown, unknown>): void {
    this.unlink(task)
    this.ended(task, exit)
  }

  /**
   * Adds a task that is not done; the caller makes its exit observer call {@link unlink} (so that one observer per
   * task can do all of a task's bookkeeping: `spawn.ts`); that observer calls {@link finished}.
   */
  link(task: TaskImpl<unknown, unknown>): void {
    task.livePrev = this.tail
    if (this.tail === undefined) this.head = task
    else this.tail.liveNext = task
    this.tail = task
    this.size++
  }

  /** Removes a task added with {@link link}, once it is done. */
  unlink(task: TaskImpl<unknown, unknown>): void {
    const { livePrev: prev, liveNext: next } = task
    if (prev === undefined) this.head = next
    else prev.liveNext = next
    if (next === undefined) this.tail = prev
    else next.livePrev = prev
    task.livePrev = undefined
    task.liveNext = undefined
    this.size--
  }

  /** The tasks that are not done, in creation order. */
  live(): Array<TaskImpl<unknown, unknown>> {
    const live: Array<TaskImpl<unknown, unknown>> = []
    for (let task = this.head; task !== undefined; task = task.liveNext) {
      if (task.fiber.pollUnsafe() === undefined) live.push(task)
    }
    return live
  }

  /** How many tasks the owner holds (live ones only; for tests and the soak). */
  retained(): number {
    return this.size
  }
}

/** Tasks created where no loop scope is installed; they are children of the fiber that created them. */
export const globalRegistry = new Registry()

/**
 * A loop scope: asyncio's event loop as an owner. Tasks created under it are detached from the fiber that
 * created them (so they outlive it, as in Python) and are cancelled and awaited when the loop scope ends.
 */
export class LoopImpl extends Registry {
  state: "open" | "closing" | "closed" = "open"
  readonly name: string
  /** The owner of the tasks created under this loop scope (one object, not one per task). */
  readonly asOwner: Owner
  constructor(name: string) {
    super()
    this.name = name
    this.asOwner = { _tag: "Loop", loop: this }
  }
}

export const CurrentLoop = Context.Reference<LoopImpl | undefined>("effect-asyncio/CurrentLoop", {
  defaultValue: () => undefined
})

/**
 * The loop scope that will own a task created now by `fiber` (`undefined`: none, the fiber owns it). Creating a
 * task in a loop scope that has ended is misuse, as Python's `create_task` on a closed loop raises
 * `RuntimeError("Event loop is closed")`; a loop scope that is still shutting down cancels it at once instead.
 */
export const ownerLoop = (call: string, fiber: Fiber.Fiber<unknown, unknown>): LoopImpl | undefined => {
  const loop = fiber.getRef(CurrentLoop)
  if (loop !== undefined && loop.state === "closed") {
    throw new RuntimeError(`${call}: the loop scope ${loop.name} is closed (Python: "Event loop is closed")`)
  }
  return loop
}

/** The reason a loop scope gives the tasks it cancels when it shuts down. */
export const shutdownReason = (loop: LoopImpl): CancelReason => ({
  kind: "shutdown",
  detail: `the loop scope ${loop.name} was shutting down`
})

/** The task a fiber runs for (its own fiber, or a fiber forked inside it), `undefined` outside any task. */
export const CurrentTask = Context.Reference<TaskImpl<unknown, unknown> | undefined>(
  "effect-asyncio/CurrentTask",
  { defaultValue: () => undefined }
)

/** The part of a cancel scope a task needs (the scope module imports this one). */
export interface ScopeLike {
  readonly name: string
}

/** The innermost cancel scope a fiber runs in (`internal/cancelScope.ts` sets it in a scope's body). */
export const CurrentScope = Context.Reference<ScopeLike | undefined>("effect-asyncio/CurrentScope", {
  defaultValue: () => undefined
})

/**
 * Who owns a task. A task never outlives its owner: the owner cancels it, if it is still pending, when the owner
 * ends. One value, read the same way by the task machinery, `Inspect`, debug mode and timelines.
 */
export type Owner =
  /** The loop scope (`run`, `Loop.scoped`, `Loop.layer`): a detached fiber, cancelled at the loop's shutdown. */
  | { readonly _tag: "Loop"; readonly loop: LoopImpl }
  /** No loop scope: the fiber that created the task (a child fiber, Effect's own rule). */
  | { readonly _tag: "Fiber" }
  /** A task group: cancelled by the group's scope; registered with the loop, if any, for `allTasks()`. */
  | { readonly _tag: "Group"; readonly group: GroupOwner; readonly loop: LoopImpl | undefined }
  /** Detached from its creator (`shield`, staggered-race attempts); registered with the loop, if any. */
  | { readonly _tag: "Detached"; readonly loop: LoopImpl | undefined }

/** What a task group offers the tasks it owns. */
export interface GroupOwner {
  readonly name: string
  /** The group's cancel scope: the scope the task's own scopes sit in (for the effective deadline). */
  readonly scope: ScopeLike
  /**
   * Makes a freshly forked task a child of the group, before anything can observe it (and cancels it at once if the
   * group is cancelling).
   */
  adopt(task: TaskImpl<unknown, unknown>): void
  /** A task of this owner has ended with `exit` (called by the exit observer `spawn` installs). */
  childDone(task: TaskImpl<unknown, unknown>, exit: Exit.Exit<unknown, unknown>): void
}

const fiberOwner: Owner = { _tag: "Fiber" }

/** The owner a task created here gets: the current loop scope, else the creating fiber. */
export const loopOwner = (loop: LoopImpl | undefined): Owner =>
  loop === undefined ? fiberOwner : loop.asOwner

/** The loop scope behind an owner, if any. */
export const loopOf = (owner: Owner): LoopImpl | undefined =>
  owner._tag === "Fiber" ? undefined : owner.loop

/** The owner's name for reports: the task group, else the loop scope, else `detached` or `fiber #<id>`. */
export const ownerName = (owner: Owner, creator: Fiber.Fiber<unknown, unknown> | undefined): string => {
  switch (owner._tag) {
    case "Group":
      return owner.group.name
    case "Loop":
      return owner.loop.name
    case "Detached":
      return owner.loop?.name ?? "detached"
    case "Fiber":
      return creator === undefined ? "fiber" : `fiber #${creator.id}`
  }
}
