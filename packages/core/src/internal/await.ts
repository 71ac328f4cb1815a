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
import { exitWithReason, forwardedReason, interruptTask } from "./reason.ts"
import { callSoon, whenDone } from "./soon.ts"
import type { TaskImpl } from "./task.ts"

/**
 * Reports that `task`'s outcome was consumed. In Python, `result()`, `exception()`, awaiting and `cancel()` of a
 * done task clear the flag that makes a failed task log "Task exception was never retrieved": here `task.retrieved`,
 * read by a loop's exception handler report (`loopState.ts`), and the observers' `retrieved` (debug mode).
 */
export const markRetrieved = <A, E>(task: TaskImpl<A, E>): void => {
  task.retrieved = true
  if (hooks.active()) hooks.emitRetrieved(task)
}

/**
 * `wait()` hands `task` to a caller who reads its outcome from the `done` set afterwards: the loop's exception
 * handler, which hears of a failure one loop iteration after it (semantics.md L10), is not to be told of it; debug
 * mode still reports it if nobody reads it, as Python does for `wait` (semantics.md O3).
 */
export const markWaitedOn = <A, E>(task: TaskImpl<A, E>): void => {
  task.retrieved = true
}

/** The outcome of `task`, which has ended with `exit`, handed over: `exit`, reported as retrieved. */
export const consume = <A, E>(task: TaskImpl<A, E>, exit: Exit.Exit<A, E>): Exit.Exit<A, E> => {
  markRetrieved(task)
  return exitWithReason(task, exit)
}

/**
 * Waits for `task` and takes its outcome (reported as retrieved, and as the current task waiting on it). Unlike
 * {@link awaitTask} it does not forward the waiting fiber's cancellation to the task. A task already done hands its
 * outcome over at once (Python's `Future.__await__` does not suspend on a done future); otherwise the waiter resumes
 * a scheduler turn after the task ends, as a Python task awaiting another is woken by its done callback (`soon.ts`).
 *
 * `hops` counts those turns: `1` for `await task`; `2` where asyncio puts a future between the task and its awaiter
 * (`shield`: the task's done callback sets the outer future, whose done callback wakes the awaiter); `0` resumes in
 * the step that ends the task — for the loop scope waiting for its main task, which is asyncio's loop
 * (`run_until_complete`), not a task awaiting one.
 */
export const joinTask = <A, E>(task: TaskImpl<A, E>, hops: Hops = 1): Effect.Effect<A, E> => {
  const exit = task.fiber.pollUnsafe()
  if (exit !== undefined) return consume(task, exit)
  const join = Effect.callback<A, E>((resume) => {
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) return resume(consume(task, exit))
    const wake = (exit: Exit.Exit<A, E>): void => resume(consume(task, exit))
    return Effect.sync(hops === 0 ? task.fiber.addObserver(wake) : afterHops(task, hops, wake))
  })
  return observeWait(join, { _tag: "task", task })
}

/** How many scheduler turns after a task's end its waiter resumes (see {@link joinTask}). */
export type Hops = 0 | 1 | 2

/** Calls `wake(exit)` `hops` turns after `task` ends (after now if it has ended); returns the unregistration. */
const afterHops = <A, E>(
  task: TaskImpl<A, E>,
  hops: 1 | 2,
  wake: (exit: Exit.Exit<A, E>) => void
): (() => void) => whenDone(task, hops === 1 ? wake : (exit) => callSoon(() => wake(exit), task.fiber))

/**
 * Waits until `task` has ended and `hops` scheduler turns have passed — also when it has ended already, as asyncio's
 * `_cancel_and_wait` (a done callback that sets a future) always suspends. Does not consume the outcome.
 */
export const awaitEnd = <A, E>(task: TaskImpl<A, E>, hops: 1 | 2): Effect.Effect<Exit.Exit<A, E>> =>
  Effect.callback<Exit.Exit<A, E>>((resume) =>
    Effect.sync(afterHops(task, hops, (exit) => resume(Effect.succeed(exit))))
  )

/**
 * Awaits `task`; if the awaiting fiber is cancelled, cancels the task and waits for it (Python's forwarding).
 * `hops` as for {@link joinTask}.
 */
export const awaitTask = <A, E>(task: TaskImpl<A, E>, hops: Hops = 1): Effect.Effect<A, E> =>
  Effect.withFiber((current) => {
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) return consume(task, exit)
    const awaiter = current.getRef(CurrentTask)
    if (awaiter === (task as TaskImpl<unknown, unknown>)) {
      return Effect.die(new RuntimeError("Task cannot await on itself"))
    }
    return Effect.onExit(joinTask(task, hops), (exit) => {
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
      // The task's end reaches the awaiter a turn later, as its done callback does in asyncio — also when the
      // cancellation ended it at once (row C4).
      const waited = observeWait(
        Effect.suspend(() => {
          if (task.fiber.pollUnsafe() === undefined) interruptTask(task, current.id, reason)
          return awaitEnd(task, 1)
        }),
        { _tag: "task", task }
      )
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
