/**
 * What the code every program loads (loop scopes, `allTasks`) shares with the event-loop handle (`EventLoop.ts`,
 * loaded only by programs that use it), per loop scope:
 *
 * - its **parent**: a loop scope opened inside another one (a server's, a `Loop.layer` inside `run`) shares the
 *   outer one's exception handler, signal source and `runForever`: asyncio has one loop per thread, and these are
 *   the loop's, not an owner's;
 * - the **exception handler** installed with `loop.setExceptionHandler` (asyncio's `call_exception_handler`), and
 *   the default one;
 * - the **signal source** the runtime gave (`run` gives Node's), for `loop.addSignalHandler`;
 * - the **closers**: what must happen once the loop scope's tasks are all done (pending callbacks dropped, signal
 *   handlers removed), as `asyncio.run` closes the loop after cancelling its tasks;
 * - the tasks waiting in `loop.runForever()`, which `allTasks()` leaves out (Python's `run_forever` runs no task).
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { Defect } from "../Errors.ts"
import { markRetrieved } from "./await.ts"
import { describeError, text } from "./format.ts"
import { exceptionOf } from "./outcome.ts"
import { CurrentTask, type LoopImpl } from "./owner.ts"
import type { TaskImpl } from "./task.ts"
import * as validate from "./validate.ts"

/**
 * Subscribes `listener` to the process signal `signal` (`"SIGTERM"`) and returns the function that unsubscribes it.
 * Throws a `ValueError` for a signal that does not exist and a `RuntimeError` for one that cannot be caught.
 */
export type SignalSource = (signal: string, listener: () => void) => () => void

/** What an exception handler receives: asyncio's context dictionary (`message`, `exception`, `task`, …). */
export type ExceptionContext = Readonly<Record<string, unknown>>

/** An exception handler as the loop calls it: the user's function, bound to the handle that installed it. */
export interface InstalledHandler {
  /** What `getExceptionHandler()` returns. */
  readonly user: unknown
  /** Calls it; may throw (then the default handler reports "Unhandled error in exception handler"). */
  readonly call: (context: ExceptionContext) => void
}

interface LoopState {
  readonly parent: LoopImpl | undefined
  readonly signals: SignalSource | undefined
  handler: InstalledHandler | undefined
  readonly closers: Array<Effect.Effect<void>>
}

const states = new WeakMap<LoopImpl, LoopState>()

const stateOf = (loop: LoopImpl): LoopState => {
  let state = states.get(loop)
  if (state === undefined) {
    state = { parent: undefined, signals: undefined, handler: undefined, closers: [] }
    states.set(loop, state)
  }
  return state
}

/**
 * Records a new loop scope: the loop scope it was opened in (if any) and the signal source its runtime gives. Its
 * tasks that fail are checked for "exception never retrieved" (only while an exception handler is installed).
 */
export const initLoop = (loop: LoopImpl, parent: LoopImpl | undefined, signals: SignalSource | undefined) => {
  states.set(loop, { parent, signals, handler: undefined, closers: [] })
  loop.onTaskFailed = (task) => neverRetrieved(loop, task, "Task")
}

/** The outermost loop scope `loop` was opened in (itself when it was opened outside any). */
export const rootOf = (loop: LoopImpl): LoopImpl => {
  let current = loop
  for (let parent = stateOf(current).parent; parent !== undefined; parent = stateOf(current).parent) {
    current = parent
  }
  return current
}

/** The exception handler of `loop` (its root's), or `undefined` for the default. */
export const handlerOf = (loop: LoopImpl): InstalledHandler | undefined => stateOf(rootOf(loop)).handler

/** Installs (or, with `undefined`, removes) the exception handler of `loop`'s root. */
export const setHandler = (loop: LoopImpl, handler: InstalledHandler | undefined): void => {
  stateOf(rootOf(loop)).handler = handler
}

/** The signal source of `loop`'s root, if its runtime gave one. */
export const signalsOf = (loop: LoopImpl): SignalSource | undefined => stateOf(rootOf(loop)).signals

/** Adds something to do when `loop` has shut down (after its last task ended). */
export const onClose = (loop: LoopImpl, closer: Effect.Effect<void>): void => {
  stateOf(loop).closers.push(closer)
}

/** Runs (once) what was registered with {@link onClose}, in order. */
export const runClosers = (loop: LoopImpl): Effect.Effect<void> =>
  Effect.suspend(() => {
    const closers = stateOf(loop).closers.splice(0)
    return closers.length === 0 ? Effect.void : Effect.forEach(closers, (closer) => closer, { discard: true })
  })

/** Tasks waiting in `loop.runForever()`: not listed by `allTasks()`. */
export const hiddenTasks = new WeakSet<TaskImpl<unknown, unknown>>()

// ---------------------------------------------------------------------------------------------------------
// Exception handlers
// ---------------------------------------------------------------------------------------------------------

/** A value in a context line: a task, future or handle by its repr, an error as `Name: message`, else short. */
const describeValue = (value: unknown, depth = 0): string => {
  if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value)
  if (typeof value !== "object" || value === null) return text(value)
  if (value instanceof Error || "_tag" in value) {
    const toString: unknown = Reflect.get(value, "toString")
    // Our tasks, futures and handles have a repr; errors are described by name and message.
    if (
      !(value instanceof Error) &&
      typeof toString === "function" &&
      toString !== Object.prototype.toString
    ) {
      return text(value)
    }
    return describeError(value)
  }
  if (depth === 0 && Array.isArray(value))
    return `[${value.map((item) => describeValue(item, 1)).join(", ")}]`
  if (depth === 0 && validate.isPlainObject(value)) {
    const entries = Object.keys(value).map((key) => `${key}: ${describeValue(value[key], 1)}`)
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`
  }
  return validate.show(value)
}

/**
 * asyncio's `default_exception_handler`: logs (`Effect.logError`, with `runtime`'s logger) the message — "Unhandled
 * exception in event loop" when there is none —, one `key: value` line for every other key but `exception`, and the
 * exception (with its stack) as the cause. Never throws.
 */
export const defaultExceptionHandler = (context: ExceptionContext, runtime: Context.Context<never>): void => {
  try {
    const message =
      typeof context.message === "string" && context.message !== "" ? context.message : undefined
    const lines = [message ?? "Unhandled exception in event loop"]
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue
      lines.push(`${key}: ${describeValue(context[key])}`)
    }
    const exception = context.exception
    // The exception goes as the log's cause, with its stack (Python logs it with exc_info).
    const log =
      exception === undefined
        ? Effect.logError(lines.join("\n"))
        : Effect.logError(
            lines.join("\n"),
            exception instanceof Defect ? Cause.die(exception.defect) : Cause.fail(exception)
          )
    Effect.runForkWith(runtime)(log)
  } catch {
    // A logger that throws: nothing more can be done without risking the loop.
  }
}

/**
 * asyncio's `call_exception_handler`: the installed handler, else the default one. A handler that throws is reported
 * by the default handler ("Unhandled error in exception handler", with the original `context`), as in asyncio.
 */
export const callExceptionHandler = (
  loop: LoopImpl,
  context: ExceptionContext,
  runtime: Context.Context<never>
): void => {
  const handler = handlerOf(loop)
  if (handler === undefined) {
    defaultExceptionHandler(context, runtime)
    return
  }
  try {
    handler.call(context)
  } catch (error) {
    defaultExceptionHandler(
      { message: "Unhandled error in exception handler", exception: error, context },
      runtime
    )
  }
}

/**
 * The delivery point of "exception was never retrieved" (see `EventLoop.ts`): while an exception handler is
 * installed, a task (or future) of `loop` that ended with an error is reported to it one loop iteration later —
 * after its done callbacks have run — unless by then something has awaited it or read its outcome.
 */
export const neverRetrieved = (loop: LoopImpl, task: TaskImpl<unknown, unknown>, what: string): void => {
  if (task.retrieved || handlerOf(loop) === undefined) return
  const exit = task.fiber.pollUnsafe()
  const error = exit === undefined ? undefined : exceptionOf(exit)
  if (error === undefined) return
  // A report is not made by a task (Python's current_task() is None in the handler).
  const runtime = Context.add(task.fiber.context, CurrentTask, undefined)
  Effect.runForkWith(runtime)(
    Effect.andThen(
      Effect.yieldNow,
      Effect.andThen(
        Effect.yieldNow,
        Effect.sync(() => {
          if (task.retrieved) return
          markRetrieved(task)
          callExceptionHandler(
            loop,
            { message: `${what} exception was never retrieved`, exception: error, future: task },
            runtime
          )
        })
      )
    )
  )
}
