/**
 * Seeing the live tasks: a registry of every task with its state, and the listings `ps` and `pstree` — asyncio
 * 3.14's `python -m asyncio ps PID` / `pstree PID`, in process.
 *
 * The registry is **off** unless something asks for it ({@link track}, {@link layer}, `run(main, { inspect: true })`,
 * debug mode): then every task records who created it and where (the call site of `createTask`), what owns it
 * (its task group or loop scope), its state, what it is suspended on when the library knows it, and — once a
 * cancellation was requested — why. Off, it costs nothing: the task machinery asks whether an observer is installed.
 *
 * ```
 * id  name      state       age    awaiting          owner   creator  cancel reason
 * 1   main      waiting     1.00s  task download #2  loop-1  -        -
 * 2   download  cancelling  1.00s  sleep(0.2)        loop-1  main     cancel 'stop': download was cancelled by main
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type { CancelReason } from "./Errors.ts"
import { describeReason } from "./internal/format.ts"
import * as hooks from "./internal/hooks.ts"
import { observeWait } from "./internal/observe.ts"
import { CurrentLoop, globalRegistry, type LoopImpl, loopOf, ownerName } from "./internal/owner.ts"
import * as registry from "./internal/registry.ts"
import * as validate from "./internal/validate.ts"

export {
  /**
   * A cancel reason in one line: `cancel 'stop': worker was cancelled by main` (the kind, the message if any, the
   * detail).
   *
   * @category formatting
   * @since 0.1.0
   */
  describeReason
}

/**
 * The state of a live task as `ps` shows it.
 *
 * @category models
 * @since 0.1.0
 */
export type TaskState = "pending" | "running" | "waiting" | "cancelling" | "unknown"

/**
 * What `ps` knows about a live task.
 *
 * @category models
 * @since 0.1.0
 */
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

/**
 * Runs `effect` with the task registry on: tasks created meanwhile are tracked (state, owner, creator, creation
 * site, what they await, cancel reason) until `effect` ends. The registry is process-wide and reference-counted.
 *
 * @category tracking
 * @since 0.1.0
 */
export const track = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.isEffect(effect)
    ? Effect.acquireUseRelease(
        Effect.sync(registry.acquire),
        () => effect,
        (release) => Effect.sync(release)
      )
    : Effect.die(validate.notAnEffect("Inspect.track", effect))

/**
 * A layer that keeps the task registry on while it is alive.
 *
 * @category tracking
 * @since 0.1.0
 */
export const layer: Layer.Layer<never> = Layer.effectDiscard(
  Effect.acquireRelease(Effect.sync(registry.acquire), (release) => Effect.sync(release))
)

/**
 * Turns the registry on for one more user and returns the function that releases it. For runtimes and
 * integrations (`run` uses it); applications use {@link track} or {@link layer}.
 *
 * @category tracking
 * @since 0.1.0
 */
export const acquireUnsafe = (): (() => void) => registry.acquire()

/**
 * Whether the registry is on.
 *
 * @category tracking
 * @since 0.1.0
 */
export const isTracking = (): boolean => registry.enabled()

/**
 * A counter that grows whenever a task makes progress (is created, starts, resumes, finishes). Sampled by hang
 * detectors (`run`'s `hangTimeout`). Only counts while the registry is on.
 *
 * @category tracking
 * @since 0.1.0
 */
export const progressUnsafe = (): number => registry.progress()

/**
 * Runs `effect` with the current task listed as waiting on `what` (the `awaiting` column of `ps`, the `awaiting …`
 * of `pstree`), for integrations that suspend on something the library cannot see: a job on another process or
 * machine, a call into a client library. `what` may be a function, read each time a listing is made, so the label
 * can follow the work (`job fib queued` → `job fib on runner 10.0.0.7:34431`). Nested calls show the innermost.
 * Outside a task, or with the registry off, it runs `effect` unchanged.
 *
 * **Example** (Label a remote call)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const fetchRemote = Effect.never.pipe(asyncio.Inspect.awaiting("rpc getUser on api-1"))
 * ```
 *
 * @category tracking
 * @since 0.1.0
 */
export const awaiting: {
  (what: string | (() => string)): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, what: string | (() => string)): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, what: string | (() => string)): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      if (!hooks.active()) return self
      const target: hooks.WaitTarget =
        typeof what === "string"
          ? { _tag: "primitive", what }
          : {
              _tag: "primitive",
              get what() {
                return what()
              }
            }
      return observeWait(self, target)
    })
)

const list = (loop: LoopImpl | undefined): ReadonlyArray<TaskInfo> => {
  if (registry.enabled()) return registry.snapshot().sort((a, b) => a.id - b.id)
  return (loop ?? globalRegistry).live().map(
    (task): TaskInfo => ({
      id: task.id,
      name: task.name,
      state: task.pendingReason === undefined ? "unknown" : "cancelling",
      awaiting: undefined,
      owner: ownerName(task.owner, undefined),
      group: task.owner._tag === "Group" ? task.owner.group.name : undefined,
      loop: loopOf(task.owner)?.name,
      creator: undefined,
      age: Number.NaN,
      site: undefined,
      cancelReason: task.pendingReason
    })
  )
}

/**
 * The live tasks, in creation order, synchronously (for signal handlers and watchdogs). With the registry off,
 * the tasks created outside any loop scope are listed, with state `unknown`.
 *
 * @category listings
 * @since 0.1.0
 */
export const tasksUnsafe = (): ReadonlyArray<TaskInfo> => list(undefined)

/**
 * The live tasks, in creation order. With the registry off, the tasks of the current loop scope (or, outside
 * one, of the process) are listed with state `unknown`, and only what a task itself knows (name, owner, a
 * requested cancellation's reason).
 *
 * @category listings
 * @since 0.1.0
 */
export const tasks: Effect.Effect<ReadonlyArray<TaskInfo>> = Effect.withFiber((fiber) =>
  Effect.succeed(list(fiber.getRef(CurrentLoop)))
)

const OFF_NOTE =
  "(task inspection is off: states, owners and sites need Inspect.track / Inspect.layer or run(main, { inspect: true }))"

/**
 * Options of the listings.
 *
 * @category models
 * @since 0.1.0
 */
export interface ListingOptions {
  /** Show where each task was created (default `true`). */
  readonly sites?: boolean | undefined
}

/** Checks a listing's arguments (misuse throws, see `validate.ts`); whether to show creation sites. */
const showSites = (
  call: string,
  infos: ReadonlyArray<TaskInfo>,
  options: ListingOptions | undefined
): boolean => {
  validate.iterable(call, infos, "infos", "an array of TaskInfo (from Inspect.tasks)")
  return validate.boolean(call, validate.options(call, options, ["sites"]).sites, "sites", true)
}

const dash = (s: string | undefined): string => (s === undefined || s === "" ? "-" : s)

const age = (seconds: number): string => (Number.isNaN(seconds) ? "-" : `${seconds.toFixed(2)}s`)

/**
 * The `ps` table of `infos`: one line per task with id, name, state, age, what it awaits, owner, creator, cancel
 * reason and (unless `sites: false`) where it was created.
 *
 * @category formatting
 * @since 0.1.0
 */
export const formatPs = (infos: ReadonlyArray<TaskInfo>, options?: ListingOptions): string => {
  const sites = showSites("Inspect.formatPs", infos, options)
  const header = ["id", "name", "state", "age", "awaiting", "owner", "creator", "cancel reason"]
  if (sites) header.push("created at")
  const rows = infos.map((info) => {
    const row = [
      String(info.id),
      info.name,
      info.state,
      age(info.age),
      dash(info.awaiting),
      info.owner,
      info.creator === undefined ? "-" : info.creator.name,
      info.cancelReason === undefined ? "-" : describeReason(info.cancelReason)
    ]
    if (sites) row.push(dash(info.site))
    return row
  })
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: ReadonlyArray<string>): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd()
  const out = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)]
  if (infos.length > 0 && infos.every((info) => info.state === "unknown")) out.push(OFF_NOTE)
  return `${out.join("\n")}\n`
}

/** One task as a tree node label. */
const nodeLabel = (info: TaskInfo, sites: boolean): string => {
  const parts = [`(T) ${info.name} #${info.id}`, info.state]
  if (info.awaiting !== undefined) parts.push(`awaiting ${info.awaiting}`)
  if (!Number.isNaN(info.age)) parts.push(`age ${age(info.age)}`)
  if (info.cancelReason !== undefined) parts.push(`cancel reason: ${describeReason(info.cancelReason)}`)
  if (sites && info.site !== undefined) parts.push(`created at ${info.site}`)
  return parts.join(" · ")
}

interface Node {
  readonly label: string
  readonly order: number
  readonly children: Array<Node>
}

/**
 * The `pstree` of `infos`: roots are the owners (loop scopes, or `fiber #<id>` / `detached` outside any), then
 * each task under the task that created it, and the children of a `TaskGroup` under a node for the group, itself
 * under the task that runs the group.
 *
 * @category formatting
 * @since 0.1.0
 */
export const formatTree = (infos: ReadonlyArray<TaskInfo>, options?: ListingOptions): string => {
  const sites = showSites("Inspect.formatTree", infos, options)
  const byId = new Map(infos.map((info) => [info.id, info]))
  const nodes = new Map<number, Node>()
  for (const info of infos)
    nodes.set(info.id, { label: nodeLabel(info, sites), order: info.id, children: [] })
  const roots = new Map<string, Node>()
  const root = (name: string, order: number): Node => {
    let node = roots.get(name)
    if (node === undefined) {
      node = { label: name, order, children: [] }
      roots.set(name, node)
    }
    return node
  }
  const groups = new Map<string, Node>()
  // Where a group hangs: under the task that created its first member from outside the group (the task running
  // `TaskGroup.run`), else under its loop scope.
  const groupParent = (group: string): Node => {
    const members = infos.filter((info) => info.group === group)
    for (const member of members) {
      const creator = member.creator === undefined ? undefined : byId.get(member.creator.id)
      if (creator !== undefined && creator.group !== group) return nodes.get(creator.id)!
    }
    const first = members[0]
    return root(first.loop ?? first.owner, first.id)
  }
  const groupNode = (group: string, order: number): Node => {
    let node = groups.get(group)
    if (node === undefined) {
      node = { label: group, order, children: [] }
      groups.set(group, node)
      groupParent(group).children.push(node)
    }
    return node
  }
  for (const info of infos) {
    const node = nodes.get(info.id)!
    if (info.group !== undefined) {
      groupNode(info.group, info.id).children.push(node)
      continue
    }
    const creator = info.creator === undefined ? undefined : nodes.get(info.creator.id)
    if (creator !== undefined) creator.children.push(node)
    else root(info.loop ?? info.owner, info.id).children.push(node)
  }
  const lines: Array<string> = []
  const walk = (node: Node, prefix: string, last: boolean): void => {
    lines.push(`${prefix}${last ? "└── " : "├── "}${node.label}`)
    const children = node.children.slice().sort((a, b) => a.order - b.order)
    children.forEach((child, i) => {
      walk(child, prefix + (last ? "    " : "│   "), i === children.length - 1)
    })
  }
  const sortedRoots = Array.from(roots.values()).sort((a, b) => a.order - b.order)
  for (const r of sortedRoots) {
    lines.push(r.label)
    const children = r.children.slice().sort((a, b) => a.order - b.order)
    children.forEach((child, i) => {
      walk(child, "", i === children.length - 1)
    })
  }
  if (lines.length === 0) lines.push("(no live tasks)")
  if (infos.length > 0 && infos.every((info) => info.state === "unknown")) lines.push(OFF_NOTE)
  return `${lines.join("\n")}\n`
}

/**
 * The `ps` table of the live tasks. asyncio 3.14's `python -m asyncio ps PID`, as text.
 *
 * **Example** (Print the table)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Console, Effect } from "effect"
 *
 * const program = asyncio.Inspect.track(
 *   Effect.gen(function*() {
 *     yield* asyncio.createTask(asyncio.sleep(10), { name: "sleeper" })
 *     yield* asyncio.sleep(1)
 *     yield* Console.log(yield* asyncio.Inspect.ps())
 *   })
 * )
 * ```
 *
 * @category listings
 * @since 0.1.0
 */
export const ps = (options?: ListingOptions): Effect.Effect<string> =>
  validate.atCall(() => {
    showSites("Inspect.ps", [], options)
    return Effect.map(tasks, (infos) => formatPs(infos, options))
  })

/**
 * The tree of owners and tasks. asyncio 3.14's `python -m asyncio pstree PID`, as text.
 *
 * @category listings
 * @since 0.1.0
 */
export const pstree = (options?: ListingOptions): Effect.Effect<string> =>
  validate.atCall(() => {
    showSites("Inspect.pstree", [], options)
    return Effect.map(tasks, (infos) => formatTree(infos, options))
  })

/**
 * One task as asyncio prints it in its reports: `<Task waiting name='worker' id=3 awaiting=sleep(1) created at
 * main.ts:12:7>`.
 *
 * @category formatting
 * @since 0.1.0
 */
export const repr = (info: TaskInfo): string => {
  const parts = [`<Task ${info.state} name='${info.name}' id=${info.id}`]
  if (info.awaiting !== undefined) parts.push(`awaiting=${info.awaiting}`)
  if (!Number.isNaN(info.age)) parts.push(`age=${age(info.age)}`)
  if (info.cancelReason !== undefined) parts.push(`cancelling=(${describeReason(info.cancelReason)})`)
  if (info.site !== undefined) parts.push(`created at ${info.site}`)
  return `${parts.join(" ")}>`
}
