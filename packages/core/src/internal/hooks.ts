/**
 * Instrumentation hooks: the one place where the task machinery reports lifecycle events to observers (the
 * timeline recorder, debug mode, tracing, `ps`). With no observer installed every hook site costs one array
 * length check; nothing is allocated and no closure is created.
 *
 * Hook sites: `spawn` (created, instrument, started, done), `interruptTask` (cancelRequested),
 * `interruptWithReason` (scopeCancelled), `markRetrieved` in `await.ts` — the one place that reports a task's
 * outcome as consumed, by awaiting, `result()`, `exception()`, `cancel()` of a done task, `gather`, `asCompleted`,
 * `shield`, `waitFor`, `staggeredRace`, a `TaskGroup`, a loop's shutdown report (retrieved) — `observeWait` in
 * `observe.ts` — the one place that reports a task waiting (waiting, resumed), wrapped by a primitive around its
 * slow path only — and `Loop` (shutdown). Every site asks {@link active} first, so that with nothing recording
 * a site costs one call that V8 inlines into a load and a compare.
 *
 * **Diagnostics never change a program's outcome.** Observers run inside the runtime (in a fiber's exit
 * observers, in the middle of a step): an exception escaping one would skip the fiber's other exit observers
 * (its awaiters would hang) or crash the process. So every call into an observer is guarded: a callback that
 * throws is reported once per observer ({@link fault}), the event is lost for that observer only, and the program
 * carries on as if the callback had returned.
 */
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { CancelReason } from "../Errors.ts"
import { describeError } from "./format.ts"

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

/** How and where a task was created. */
export interface Creation {
  /** The task running the code that created it (`undefined` outside any task). */
  readonly creator: TaskLike | undefined
  /** The owner's name: the task group, else the loop scope, else `detached` or `fiber #<id>`. */
  readonly owner: string
  /** The task group that owns it, if any. */
  readonly group: string | undefined
  /** The loop scope it belongs to, if any. */
  readonly loop: string | undefined
  /** The fiber that created it (its context has the creator's clock, tracer and references). */
  readonly parent: Fiber.Fiber<unknown, unknown>
  /** Where `createTask` was called, captured only while an observer asks for sites. */
  readonly site: Site | undefined
}

/** A call site, `file:line:column`, formatted on first read (formatting a stack costs more than capturing it). */
export interface Site {
  readonly location: string | undefined
}

/**
 * An observer of task lifecycles. Every callback is optional and must be fast; they run synchronously inside the
 * runtime. One that throws is reported once and otherwise ignored (see the module documentation).
 */
export interface Observer {
  /** Who it is, for the report of a fault: `Timeline.record`, `Debug`, `Tracing`, `the task registry`. */
  readonly name: string
  /** Whether `createTask` should capture its call site (a stack trace: costly) while this observer is installed. */
  readonly captureSites?: boolean
  /** A task was created. */
  readonly created?: (task: TaskLike, creation: Creation) => void
  /**
   * Wraps the body of a task before it is forked (tracing puts each task in a span). Called after `created`
   * information is known, in the creating fiber.
   */
  readonly instrument?: <A, E, R>(
    task: TaskLike,
    body: Effect.Effect<A, E, R>,
    creation: Creation
  ) => Effect.Effect<A, E, R>
  /** The task's body took its first step. */
  readonly started?: (task: TaskLike) => void
  /** The task is suspended waiting for `target`. */
  readonly waiting?: (task: TaskLike, target: WaitTarget) => void
  /** The task resumed after waiting. */
  readonly resumed?: (task: TaskLike) => void
  /** A cancellation of the task was requested. */
  readonly cancelRequested?: (task: TaskLike, reason: CancelReason) => void
  /**
   * A fiber working for the task — the body of a timeout scope or of a task group it runs — was cancelled
   * (a deadline expired, the group aborted); the task itself is not.
   */
  readonly scopeCancelled?: (task: TaskLike, reason: CancelReason) => void
  /** The task finished. */
  readonly done?: (task: TaskLike, exit: Exit.Exit<unknown, unknown>) => void
  /**
   * Somebody consumed the task's outcome: awaited it, called `result()`/`exception()`, or a combinator that
   * reports it did (`gather`, plain `asCompleted` iteration, a `TaskGroup`, a loop's shutdown report).
   */
  readonly retrieved?: (task: TaskLike) => void
  /** A loop scope is shutting down and is about to cancel `pending`. */
  readonly shutdown?: (loop: string, pending: ReadonlyArray<TaskLike>) => void
}

const list: Array<Observer> = []

/** The installed observers, read-only. Hook sites ask {@link active} instead. */
export const observers: ReadonlyArray<Observer> = list

/** Whether an observer is installed: the one predicate every hook site asks before doing anything. */
export const active = (): boolean => list.length !== 0

/** Whether `observer` is installed. */
export const isInstalled = (observer: Observer): boolean => list.includes(observer)

let siteObservers = 0

/** Installs `observer`; returns the function that removes it (idempotent). */
export const install = (observer: Observer): (() => void) => {
  list.push(observer)
  if (observer.captureSites === true) siteObservers++
  let installed = true
  return () => {
    if (!installed) return
    installed = false
    const index = list.indexOf(observer)
    if (index >= 0) list.splice(index, 1)
    if (observer.captureSites === true) siteObservers--
  }
}

/**
 * An observer shared by several users (a registry, a tracer): installed when the first user acquires it, removed
 * when the last releases it (then `onIdle` runs). Each `acquire()` returns its own idempotent release.
 */
export const shared = (observer: Observer, onIdle?: () => void): (() => () => void) => {
  let users = 0
  let uninstall: (() => void) | undefined
  return () => {
    if (users++ === 0) uninstall = install(observer)
    let released = false
    return () => {
      if (released) return
      released = true
      if (--users === 0) {
        uninstall?.()
        uninstall = undefined
        onIdle?.()
      }
    }
  }
}

/** Whether an installed observer wants creation sites. */
export const wantsSites = (): boolean => siteObservers > 0

const faulted = new WeakSet<Observer>()

/**
 * An observer's `hook` threw `error`. Reported once per observer on `console.error` (the observers are the
 * library's own; a fault is a bug in one of them, or in a `Clock` or `Tracer` it calls), never rethrown.
 */
export const fault = (observer: Observer, hook: string, error: unknown): void => {
  if (faulted.has(observer)) return
  faulted.add(observer)
  try {
    globalThis.console.error(
      `effect-asyncio: the ${observer.name} observer threw in its '${hook}' hook: ${describeError(error)}. ` +
        `The program is not affected; what ${observer.name} shows may be incomplete (further faults of this ` +
        `observer are not reported).`
    )
  } catch {
    // nowhere to report to
  }
}

/** The hooks that report an event (every callback but `instrument`, which wraps a body). */
type EventHook = Exclude<keyof Observer, "name" | "captureSites" | "instrument">
type Args<K extends EventHook> = Parameters<NonNullable<Observer[K]>>

/** Calls `hook` of every installed observer that has one, each guarded (see {@link fault}). */
const emit = <K extends EventHook>(hook: K, ...args: Args<K>): void => {
  for (const o of list) {
    const callback = o[hook] as ((...args: Args<K>) => void) | undefined
    if (callback === undefined) continue
    try {
      callback(...args)
    } catch (error) {
      fault(o, hook, error)
    }
  }
}

export const instrument = <A, E, R>(
  task: TaskLike,
  body: Effect.Effect<A, E, R>,
  creation: Creation
): Effect.Effect<A, E, R> => {
  let wrapped = body
  for (const o of list) {
    if (o.instrument === undefined) continue
    try {
      wrapped = o.instrument(task, wrapped, creation)
    } catch (error) {
      fault(o, "instrument", error)
    }
  }
  return wrapped
}
export const emitCreated = (task: TaskLike, creation: Creation): void => emit("created", task, creation)
export const emitStarted = (task: TaskLike): void => emit("started", task)
export const emitWaiting = (task: TaskLike, target: WaitTarget): void => emit("waiting", task, target)
export const emitResumed = (task: TaskLike): void => emit("resumed", task)
export const emitCancelRequested = (task: TaskLike, reason: CancelReason): void =>
  emit("cancelRequested", task, reason)
export const emitScopeCancelled = (task: TaskLike, reason: CancelReason): void =>
  emit("scopeCancelled", task, reason)
export const emitDone = (task: TaskLike, exit: Exit.Exit<unknown, unknown>): void => emit("done", task, exit)
export const emitRetrieved = (task: TaskLike): void => emit("retrieved", task)
export const emitShutdown = (loop: string, pending: ReadonlyArray<TaskLike>): void =>
  emit("shutdown", loop, pending)
