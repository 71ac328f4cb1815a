/**
 * `TaskGroup`: structured, fail-fast concurrency. asyncio's `async with asyncio.TaskGroup() as tg:`.
 *
 * A group runs a *body* and the *children* the body (or the children) create with `tg.createTask`. The first
 * child failure cancels every other child and the body; the group waits for all of them, then fails with one
 * typed {@link ExceptionGroup} holding every error. Nothing started in the group outlives it.
 *
 * The shape is a callback, `TaskGroup.run((tg) => body)`, not a scoped resource: the group's exit must be able to
 * turn the body's outcome into an `ExceptionGroup`, which a scope finalizer cannot do. `docs/cancellation.md`
 * explains the lifecycle; this module's state machine is:
 *
 * ```
 * running ──body returns──▶ exiting ──no child left──▶ finished
 *    │                          │
 *    └─ aborting (first error, body error, tg.cancel(), outside cancellation): children + body cancelled once
 * ```
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { CancelReason, Defect } from "./Errors.ts"
import { RuntimeError } from "./Errors.ts"
import { ExceptionGroup, type Member } from "./ExceptionGroup.ts"
import * as hooks from "./internal/hooks.ts"
import { captureSite, observeWait } from "./internal/observe.ts"
import {
  CurrentTask,
  exceptionOf,
  forwardedReason,
  interruptTask,
  interruptWithReason,
  notAnEffect,
  outcomeOf,
  ownerLoop,
  spawn,
  type TaskImpl
} from "./internal/task.ts"
import * as validate from "./internal/validate.ts"
import type { CreateTaskOptions, Task } from "./Task.ts"

/**
 * The handle the body receives. asyncio's `TaskGroup` object inside `async with`.
 *
 * @category models
 * @since 0.1.0
 */
export interface TaskGroup {
  /** The group's name, for reasons and reports (`TaskGroup-<n>` unless given). */
  readonly name: string
  /**
   * Starts `effect` as a child task of the group. The returned effect's error type mentions `E` only so that the
   * group's error type collects the children's errors; it never fails with it. Creating a task in a group that
   * is finished or shutting down (aborting) is a defect carrying `RuntimeError`.
   */
  createTask<A, E = never, R = never>(
    effect: Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Effect.Effect<Task<A, E>, E, R>
  /**
   * Stops the group early **without error** (Python 3.15's `TaskGroup.cancel()`): cancels every child and the
   * body; the group then exits normally (`run` succeeds with `undefined` if the body was cut short). Errors
   * raised by children while being cancelled still fail the group. Idempotent; a no-op once finished.
   */
  cancel(): Effect.Effect<void>
  /** The lifecycle state, for debugging: `running`, `exiting` (body done, waiting for children), `finished`. */
  readonly state: "running" | "exiting" | "finished"
}

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface TaskGroupOptions {
  readonly name?: string | undefined
}

let groupCounter = 0

type Child = TaskImpl<unknown, unknown>

class TaskGroupImpl implements TaskGroup {
  state: "running" | "exiting" | "finished" = "running"
  /** Why the group is aborting; set once, by the first of: child error, body error, `cancel()`, outside cancel. */
  aborting: CancelReason | undefined = undefined
  cancelledByUser = false
  readonly children = new Set<Child>()
  readonly errors: Array<Member<unknown>> = []
  bodyFiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  private wake: (() => void) | undefined = undefined
  readonly name: string

  constructor(name: string) {
    this.name = name
  }

  createTask<A, E = never, R = never>(
    effect: Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Effect.Effect<Task<A, E>, E, R> {
    const site = hooks.observers.length !== 0 ? captureSite() : undefined
    return validate.atCall(() => {
      if (!Effect.isEffect(effect)) throw notAnEffect("TaskGroup.createTask", effect)
      const name = validate.taskName(
        "TaskGroup.createTask",
        validate.options("TaskGroup.createTask", options, nameKey).name
      )
      return Effect.withFiber((fiber) => {
        if (this.state === "finished")
          return Effect.die(new RuntimeError(`TaskGroup ${this.name} is finished`))
        if (this.aborting !== undefined) {
          return Effect.die(new RuntimeError(`TaskGroup ${this.name} is shutting down`))
        }
        return spawn(
          effect,
          name,
          ownerLoop("TaskGroup.createTask", fiber),
          true,
          this.name,
          site,
          false,
          this.adopt
        )
      })
    })
  }

  /** Makes a freshly spawned task a child of the group (called by `spawn`, before anything can observe it). */
  private readonly adopt = (child: Child): void => {
    this.children.add(child)
    child.fiber.addObserver((exit) => this.onChildDone(child, exit))
  }

  cancel(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.state === "finished") return
      this.cancelledByUser = true
      this.abort({ kind: "cancel", detail: `TaskGroup ${this.name} was cancelled` })
    })
  }

  private onChildDone(child: Child, exit: Exit.Exit<unknown, unknown>): void {
    this.children.delete(child)
    const error = exceptionOf(exit)
    if (error !== undefined) {
      if (hooks.observers.length !== 0) hooks.emitRetrieved(child)
      this.errors.push({ error, task: child.name })
      this.abort({ kind: "sibling", detail: `${child.name} failed in TaskGroup ${this.name}` })
    }
    if (this.children.size === 0 && this.wake !== undefined) {
      const wake = this.wake
      this.wake = undefined
      wake()
    }
  }

  /** Cancels every unfinished child and the body, once. */
  abort(reason: CancelReason): void {
    if (this.aborting !== undefined) return
    this.aborting = reason
    // Deleting from a Set while iterating it is safe: a child finishing synchronously is skipped.
    for (const child of this.children) {
      if (child.fiber.pollUnsafe() === undefined) interruptTask(child, undefined, reason)
    }
    if (this.bodyFiber !== undefined) interruptWithReason(this.bodyFiber, undefined, reason)
  }

  private readonly waitChildren: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.children.size === 0) return resume(Effect.void)
    this.wake = () => resume(Effect.void)
    return Effect.sync(() => {
      this.wake = undefined
    })
  })

  /** Waits until no child is left (reported to the observers as the running task waiting on the group). */
  readonly childrenDone: Effect.Effect<void> = Effect.suspend(() =>
    hooks.observers.length === 0 || this.children.size === 0
      ? this.waitChildren
      : observeWait(this.waitChildren, { _tag: "tasks", what: this.name, count: this.children.size })
  )

  toJSON(): unknown {
    return { _id: "TaskGroup", name: this.name, state: this.state, children: this.children.size }
  }
}

/**
 * Runs `body` with a new {@link TaskGroup} and waits for every task created in it.
 *
 * **When to use** Whenever several tasks belong together and a failure of one makes the others pointless:
 * fan-out requests, worker pools, pipelines. Prefer it to `gather` unless you really want the siblings of a
 * failed task to keep running.
 *
 * **Details**
 * - The body runs at once (on a fiber of its own, reporting the caller's task as `currentTask()`); children
 *   start when the body first suspends, like asyncio tasks.
 * - The first child to fail (a typed error or a defect) cancels every other child and the body (reason
 *   `sibling`, naming the task); a child cancelled on its own does not affect the group.
 * - The group always waits for every child — including children created while it is exiting — before it
 *   returns, and never returns while any finalizer of its tasks is still running.
 * - Then: errors → fails with `ExceptionGroup` (children's errors in completion order, the body's own error
 *   last; each member names its task); otherwise an outside cancellation is propagated; otherwise the body's
 *   value (`undefined` if `tg.cancel()` cut the body short).
 * - Interrupting the fiber that runs the group cancels the body and the children (forwarding the reason) and
 *   waits for them; if some of them fail while being cancelled, the `ExceptionGroup` wins over the
 *   cancellation, as in Python.
 *
 * **asyncio** `async with asyncio.TaskGroup() as tg: …`. Differences: the body and children cannot swallow
 * their cancellation (it is Effect interruption), so Python's "body catches the group's CancelledError and
 * carries on" has no equivalent; defects are members (as `Defect`) where Python would have any exception;
 * there are no `KeyboardInterrupt`/`SystemExit` members (signals are handled by `run`). See
 * `docs/semantics.md`.
 *
 * **Example** (All or nothing)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const both = asyncio.TaskGroup.run((tg) =>
 *   Effect.gen(function*() {
 *     const a = yield* tg.createTask(asyncio.sleep(1, "a"))
 *     const b = yield* tg.createTask(asyncio.sleep(2, "b"))
 *     return [a, b] as const
 *   })
 * ) // after 2 s: the two tasks, both done
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const run = <A, E, R>(
  body: (tg: TaskGroup) => Effect.Effect<A, E, R>,
  options?: TaskGroupOptions
): Effect.Effect<A | undefined, ExceptionGroup<E | Defect>, R> =>
  validate.atCall(() => {
    validate.fn("TaskGroup.run", body, "body")
    const name = validate.name("TaskGroup.run", validate.options("TaskGroup.run", options, nameKey).name)
    return runGroup(body, name)
  })

const nameKey = ["name"]

const runGroup = <A, E, R>(
  body: (tg: TaskGroup) => Effect.Effect<A, E, R>,
  name: string | undefined
): Effect.Effect<A | undefined, ExceptionGroup<E | Defect>, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((parent) => {
      const group = new TaskGroupImpl(name ?? `TaskGroup-${++groupCounter}`)
      const outsideReason = (): CancelReason => {
        const owner = parent.getRef(CurrentTask)
        return forwardedReason(
          parent,
          "awaiter",
          `${owner?.name ?? "the fiber"} running TaskGroup ${group.name} was cancelled`
        )
      }
      // A body that returns no Effect is misuse of `run` itself: the group dies with it (not an ExceptionGroup).
      let misuse: unknown
      const bodyEffect = Effect.suspend(() => {
        const effect: unknown = body(group)
        if (Effect.isEffect(effect)) return effect as Effect.Effect<A, E, R>
        misuse = validate.notAnEffectResult("TaskGroup.run", effect)
        return Effect.void as Effect.Effect<A | undefined>
      })
      return Effect.gen(function* () {
        const bodyFiber = yield* Effect.forkChild(bodyEffect, { startImmediately: true })
        group.bodyFiber = bodyFiber
        // tg.cancel() (or a child failure) before the body first suspended: cancel the body now.
        if (group.aborting !== undefined) interruptWithReason(bodyFiber, undefined, group.aborting)
        let outside: Cause.Cause<never> | undefined
        let bodyExit: Exit.Exit<A | undefined, E>
        const waited = yield* Effect.exit(restore(Fiber.await(bodyFiber)))
        if (waited._tag === "Failure") {
          // Outside cancellation: as in Python, the body is cancelled where it is suspended and the children are
          // left alone until the body has exited; then they are cancelled too (below).
          outside = waited.cause as Cause.Cause<never>
          interruptWithReason(bodyFiber, parent.id, outsideReason())
          bodyExit = yield* Fiber.await(bodyFiber)
          group.abort(outsideReason())
        } else {
          bodyExit = waited.value
        }
        group.state = "exiting"
        const bodyOutcome = outcomeOf(bodyExit)
        if (bodyOutcome._tag === "Exception") {
          group.abort({ kind: "sibling", detail: `the body of TaskGroup ${group.name} failed` })
        } else if (bodyOutcome._tag === "Cancelled" && outside === undefined && !group.cancelledByUser) {
          // The body ended cancelled on its own (e.g. it awaited a cancelled task): Python propagates that
          // CancelledError after the children are cancelled and awaited.
          group.abort(bodyOutcome.error.reason)
        }
        if (outside === undefined) {
          const children = yield* Effect.exit(restore(group.childrenDone))
          if (children._tag === "Failure") {
            outside = children.cause as Cause.Cause<never>
            group.abort(outsideReason())
            yield* group.childrenDone
          }
        } else {
          yield* group.childrenDone
        }
        group.state = "finished"
        if (misuse !== undefined) return yield* Effect.die(misuse)
        const members: Array<Member<unknown>> = group.errors.slice()
        if (bodyOutcome._tag === "Exception") members.push({ error: bodyOutcome.error, task: "<body>" })
        if (members.length > 0) {
          return yield* Effect.fail(new ExceptionGroup(members) as ExceptionGroup<E | Defect>)
        }
        if (outside !== undefined) return yield* Effect.failCause(outside)
        if (bodyExit._tag === "Success") return bodyExit.value
        if (group.cancelledByUser) return undefined
        return yield* Effect.failCause(bodyExit.cause as Cause.Cause<never>)
      })
    })
  )
