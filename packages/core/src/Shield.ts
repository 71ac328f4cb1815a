/**
 * `shield`: protect work from the cancellation of the code awaiting it. asyncio's `asyncio.shield(aw)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { joinTask } from "./internal/await.ts"
import { ownerLoop } from "./internal/owner.ts"
import { spawn } from "./internal/spawn.ts"
import { asTask, notAnEffect, type TaskImpl } from "./internal/task.ts"

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
      : spawn(aw, { _tag: "Detached", loop: ownerLoop("shield", fiber) })
    // asyncio's shield puts a future between the task and the caller: the task's done callback sets it, and its
    // done callback wakes the caller (two turns after the task ends; none if it is done already).
    return Effect.flatMap(inner, (task) => joinTask(task, 2))
  })
