/**
 * Cancellation with a reason. A reason travels as an annotation on Effect's own `Interrupt`: requesting a
 * cancellation ({@link interruptTask}, {@link interruptWithReason}) attaches it, {@link reasonOf} reads it back out
 * of a cause, and {@link forwardedReason} words it for the work a cancelled fiber passes its cancellation on to.
 */
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Fiber from "effect/Fiber"
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

/** The reason carried by the first annotated interrupt of `cause`. */
export const reasonOf = (cause: Cause.Cause<unknown>): CancelReason => {
  let fiberId: number | undefined
  for (const reason of cause.reasons) {
    if (reason._tag !== "Interrupt") continue
    const annotated = reason.annotations.get(reasonKey) as CancelReason | undefined
    if (annotated !== undefined) return annotated
    fiberId ??= reason.fiberId
  }
  return fiberId === undefined
    ? plainInterrupt
    : { kind: "interrupt", detail: `interrupted by fiber #${fiberId}` }
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
  task.fiber.interruptUnsafe(by, reasonAnnotations(reason))
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
