/**
 * `shield`: protect work from the cancellation of the code awaiting it. asyncio's `asyncio.shield(aw)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as hooks from "./internal/hooks.ts"
import { observeWait } from "./internal/observe.ts"
import { asTask, notAnEffect, ownerLoop, spawn, type TaskImpl } from "./internal/task.ts"

/**
 * Awaits `aw` (an effect is first started as a task) in a way that cancelling the awaiting fiber does **not**
 * cancel `aw`: the awaiting fiber is interrupted at once, while the inner task keeps running.
 *
 * **When to use** For work that must finish even if its requester gives up — committing a transaction, flushing
 * a log — typically as `waitFor(shield(task), t)`: a `TimeoutError` after `t` while `task` carries on.
 *
 * **Details** If the inner task fails or is cancelled by someone else, the shield reports it. The inner task
 * belongs to the current loop scope, which still cancels it when the loop ends; with no loop scope it is
 * detached (it finishes on its own) — keep a reference to it if you need its outcome.
 *
 * **asyncio** `await asyncio.shield(aw)`. Same behaviour; as in Python, after the outer await is cancelled
 * nobody observes the inner outcome unless you kept the task.
 *
 * @category combinators
 * @since 0.1.0
 */
export const shield = <A, E, R>(aw: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.isEffect(aw) ? shieldChecked(aw) : Effect.die(notAnEffect("shield", aw))

const shieldChecked = <A, E, R>(aw: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    const task = asTask(aw)
    const inner: Effect.Effect<TaskImpl<A, E>, never, R> = task !== undefined
      ? Effect.succeed(task)
      : spawn(aw, undefined, ownerLoop("shield", fiber), true)
    return Effect.flatMap(inner, (task) => {
      // The shield hands the inner outcome to its awaiter.
      task.retrieved = true
      return hooks.observers.length === 0
        ? Fiber.join(task.fiber)
        : observeWait(Fiber.join(task.fiber), { _tag: "task", task })
    })
  })
