/**
 * Cancellation with a reason. A reason travels as an annotation on Effect's own `Interrupt`, which
 * {@link reasonOf} reads back out of a cause, and {@link forwardedReason} words for the work a cancelled fiber passes
 * its cancellation on to.
 *
 * A fiber that is not a task's own gets the annotation when it is interrupted ({@link interruptWithReason}). A task
 * is interrupted plainly and keeps its reason itself (`pendingReason`, {@link interruptTask}); its exit gets the
 * annotation when it is first handed to anyone ({@link exitWithReason}: awaiting it, `result()`, gather, the
 * observers). Annotating an interrupt copies the cause and a `Map` in Effect (≈ 0.6 µs and 0.5 KB per task, issue
 * 16): a group or a loop scope cancelling a million tasks whose outcomes nobody reads pays nothing for reasons.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { CancelReason } from "../Errors.ts"
import * as hooks from "./hooks.ts"
import { CurrentTask } from "./owner.ts"
import type { TaskImpl } from "./task.ts"

const reasonKey = "effect-asyncio/CancelReason"
const CancelReasonAnnotation = Context.Service<CancelReason>(reasonKey)

/** Annotations to pass to `fiber.interruptUnsafe` so the interrupt carries `reason`. */
export const reasonAnnotations = (reason: CancelReason): Context.Context<never> => {
  // One reason usually cancels many tasks at once (a group's abort, a loop's shutdown): build its annotation once.
  if (reason !== lastReason) {
    lastReason = reason
    lastAnnotations = Context.make(CancelReasonAnnotation, reason) as Context.Context<never>
  }
  return lastAnnotations!
}

let lastReason: CancelReason | undefined
let lastAnnotations: Context.Context<never> | undefined

const plainInterrupt: CancelReason = { kind: "interrupt", detail: "interrupted" }

/**
 * The reason carried by the first annotated interrupt of `cause`; else, read inside a task being cancelled through
 * this library (its exit not yet annotated: {@link exitWithReason}), that task's reason.
 */
export const reasonOf = (cause: Cause.Cause<unknown>): CancelReason => {
  let fiberId: number | undefined
  let interrupted = false
  for (const reason of cause.reasons) {
    if (reason._tag !== "Interrupt") continue
    const annotated = reason.annotations.get(reasonKey) as CancelReason | undefined
    if (annotated !== undefined) return annotated
    interrupted = true
    fiberId ??= reason.fiberId
  }
  if (interrupted) {
    const current = Fiber.getCurrent()
    const task = current?.getRef(CurrentTask)
    if (task !== undefined && task.fiber === current && task.pendingReason !== undefined)
      return task.pendingReason
  }
  return fiberId === undefined
    ? plainInterrupt
    : { kind: "interrupt", detail: `interrupted by fiber #${fiberId}` }
}

/** Whether `cause` has an interrupt that carries no reason. */
const lacksReason = (cause: Cause.Cause<unknown>): boolean => {
  for (const reason of cause.reasons) {
    if (reason._tag === "Interrupt" && !reason.annotations.has(reasonKey)) return true
  }
  return false
}

/** The annotated exits of tasks, by the fiber's exit: built once per task, the first time it is read. */
const annotatedExits = new WeakMap<Exit.Exit<unknown, unknown>, Exit.Exit<unknown, unknown>>()

/**
 * `task`'s exit as the library hands it to anyone (an awaiter, `result()`, `gather`, the observers): if the task was
 * cancelled through this library, its interrupts carry the reason ({@link interruptTask} leaves them plain).
 */
export const exitWithReason = <A, E>(task: TaskImpl<A, E>, exit: Exit.Exit<A, E>): Exit.Exit<A, E> => {
  const reason = task.pendingReason
  if (reason === undefined || exit._tag === "Success" || !lacksReason(exit.cause)) return exit
  let annotated = annotatedExits.get(exit)
  if (annotated === undefined) {
    annotated = Exit.failCause(Cause.annotate(exit.cause, reasonAnnotations(reason)))
    annotatedExits.set(exit, annotated)
  }
  return annotated as Exit.Exit<A, E>
}

/** Reasons of interrupts made through {@link interruptWithReason} on fibers that are not tasks' own. */
const fiberReasons = new WeakMap<Fiber.Fiber<unknown, unknown>, CancelReason>()

/** Interrupts `fiber` without waiting, recording `reason`. */
export const interruptWithReason = (
  fiber: Fiber.Fiber<unknown, unknown>,
  by: number | undefined,
  reason: CancelReason
): void => {
  if (fiber.pollUnsafe() !== undefined) return
  if (!fiberReasons.has(fiber)) fiberReasons.set(fiber, reason)
  if (hooks.active()) {
    const task = fiber.getRef(CurrentTask)
    if (task !== undefined && task.fiber !== fiber) hooks.emitScopeCancelled(task, reason)
  }
  fiber.interruptUnsafe(by, reasonAnnotations(reason))
}

/**
 * Requests cancellation of `task` without waiting (asyncio's `task.cancel()`), recording `reason`. Counts the
 * request (`cancelling()`) like every `cancel()` call in Python.
 */
export const interruptTask = <A, E>(
  task: TaskImpl<A, E>,
  by: number | undefined,
  reason: CancelReason
): void => {
  if (task.fiber.pollUnsafe() !== undefined) return
  task.cancelRequests++
  task.pendingReason ??= reason
  if (hooks.active()) hooks.emitCancelRequested(task, reason)
  // Plain: the reason is the task's (`pendingReason`), put on its exit when the exit is read (exitWithReason).
  task.fiber.interruptUnsafe(by)
}

/**
 * The reason the fiber `current` is being cancelled, when it is a task's own fiber cancelled through this
 * library. Used to forward Python's cancel message to the tasks it was awaiting.
 */
export const ownCancelReason = (current: Fiber.Fiber<unknown, unknown>): CancelReason | undefined => {
  const task = current.getRef(CurrentTask)
  return task !== undefined && task.fiber === current ? task.pendingReason : fiberReasons.get(current)
}

/**
 * The reason given to work that a cancelled fiber forwards its cancellation to: the root cause's kind and
 * message (Python forwards `cancel(msg)`), with `detail` saying how it travelled.
 */
export const forwardedReason = (
  current: Fiber.Fiber<unknown, unknown>,
  kind: CancelReason["kind"],
  detail: string
): CancelReason => {
  const outer = ownCancelReason(current)
  return outer === undefined
    ? { kind, detail }
    : { kind: outer.kind, message: outer.message, detail: `${detail}: ${outer.detail}` }
}
