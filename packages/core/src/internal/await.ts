/**
 * Consuming a task's outcome. {@link markRetrieved} is the one place that reports an outcome as consumed (debug
 * mode's "Task exception was never retrieved" is about the failures it was never called for); every path that
 * hands a task's outcome to somebody — awaiting ({@link awaitTask}, {@link joinTask}), `result()`, `exception()`,
 * `cancel()` of a done task, `gather`, `asCompleted`, `shield`, `waitFor`, `staggeredRace`, a `TaskGroup`, a loop's
 * shutdown report — goes through it. Also cancelling tasks and waiting for them to finish.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { type CancelReason, RuntimeError } from "../Errors.ts"
import * as hooks from "./hooks.ts"
import { observeWait } from "./observe.ts"
import { CurrentTask } from "./owner.ts"
import { forwardedReason, interruptTask } from "./reason.ts"
import type { TaskImpl } from "./task.ts"

/**
 * Reports that `task`'s outcome was consumed. In Python, `result()`, `exception()`, awaiting and `cancel()` of a
 * done task clear the flag that makes a failed task log "Task exception was never retrieved".
 */
export const markRetrieved = <A, E>(task: TaskImpl<A, E>): void => {
  if (hooks.active()) hooks.emitRetrieved(task)
}

/** The outcome of `task`, which has ended with `exit`, handed over: `exit`, reported as retrieved. */
export const consume = <A, E>(task: TaskImpl<A, E>, exit: Exit.Exit<A, E>): Exit.Exit<A, E> => {
  markRetrieved(task)
  return exit
}

/**
 * Waits for `task` and takes its outcome (reported as retrieved, and as the current task waiting on it). Unlike
 * {@link awaitTask} it does not forward the waiting fiber's cancellation to the task (`shield`).
 */
export const joinTask = <A, E>(task: TaskImpl<A, E>): Effect.Effect<A, E> => {
  const exit = task.fiber.pollUnsafe()
  if (exit !== undefined) return consume(task, exit)
  const join = Effect.callback<A, E>((resume) => {
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) return resume(consume(task, exit))
    return Effect.sync(task.fiber.addObserver((exit) => resume(consume(task, exit))))
  })
  return observeWait(join, { _tag: "task", task })
}

/** Awaits `task`; if the awaiting fiber is cancelled, cancels the task and waits for it (Python's forwarding). */
export const awaitTask = <A, E>(task: TaskImpl<A, E>): Effect.Effect<A, E> =>
  Effect.withFiber((current) => {
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) return consume(task, exit)
    const awaiter = current.getRef(CurrentTask)
    if (awaiter === (task as TaskImpl<unknown, unknown>)) {
      return Effect.die(new RuntimeError("Task cannot await on itself"))
    }
    return Effect.onExit(joinTask(task), (exit) => {
      if (
        exit._tag === "Success" ||
        !Cause.hasInterrupts(exit.cause) ||
        task.fiber.pollUnsafe() !== undefined
      ) {
        return Effect.void
      }
      // The awaiting fiber was interrupted: forward the cancellation, wait for the task's clean-up, and — as a
      // Python awaiter receives the awaited task's exception — fail with the errors it raised meanwhile.
      const reason = forwardedReason(
        current,
        "awaiter",
        `${awaiter?.name ?? "the fiber"} awaiting ${task.name} was cancelled`
      )
      const waited = observeWait(cancelAndAwait(task, current.id, reason), { _tag: "task", task })
      return Effect.flatMap(waited, () => {
        const taskExit = task.fiber.pollUnsafe()
        if (taskExit === undefined || taskExit._tag === "Success") return Effect.void
        const errors = taskExit.cause.reasons.filter((r) => r._tag !== "Interrupt")
        if (errors.length === 0) return Effect.void
        markRetrieved(task)
        return Effect.failCause(Cause.fromReasons(errors) as Cause.Cause<E>)
      })
    })
  })

/** Cancels `task` (if not done) with `reason` and waits until it has finished, finalizers included. */
export const cancelAndAwait = <A, E>(
  task: TaskImpl<A, E>,
  by: number | undefined,
  reason: CancelReason
): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (task.fiber.pollUnsafe() !== undefined) return Effect.void
    interruptTask(task, by, reason)
    return Effect.asVoid(Fiber.await(task.fiber))
  })

/** Cancels every unfinished task of `tasks` with `reason` and waits for all of them. */
export const cancelAllAndAwait = (
  tasks: ReadonlyArray<TaskImpl<unknown, unknown>>,
  by: number | undefined,
  reason: CancelReason
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const pending: Array<Fiber.Fiber<unknown, unknown>> = []
    for (const task of tasks) {
      if (task.fiber.pollUnsafe() !== undefined) continue
      interruptTask(task, by, reason)
      if (task.fiber.pollUnsafe() === undefined) pending.push(task.fiber)
    }
    return pending.length === 0 ? Effect.void : Effect.asVoid(Fiber.awaitAll(pending))
  })
