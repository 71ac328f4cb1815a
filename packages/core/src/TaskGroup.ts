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
import type { CancelReason, Defect } from "./Errors.ts"
import { RuntimeError } from "./Errors.ts"
import { ExceptionGroup, type Member } from "./ExceptionGroup.ts"
import { cancelAndAwait, consume, markRetrieved } from "./internal/await.ts"
import * as cancelScope from "./internal/cancelScope.ts"
import type * as hooks from "./internal/hooks.ts"
import { LiveList } from "./internal/liveList.ts"
import { captureSite, observeWait } from "./internal/observe.ts"
import { exceptionOf, outcomeOf } from "./internal/outcome.ts"
import { CurrentTask, type GroupOwner, type LoopImpl, type Owner, ownerLoop } from "./internal/owner.ts"
import { forwardedReason, interruptTask } from "./internal/reason.ts"
import { callSoon, DoneCallbacks } from "./internal/soon.ts"
import { spawn, spawnFrom } from "./internal/spawn.ts"
import { notAnEffect, type TaskImpl } from "./internal/task.ts"
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
   * Starts `fn` as a child task and waits until it reports it is ready — `yield* status.started(value)` — then
   * returns that value; from then on the task is a child of the group like any other. Trio's `nursery.start`,
   * AnyIO's `TaskGroup.start`: "start a server, get its port, then connect".
   *
   * **Details**
   * - Until it calls `started`, the task belongs to the caller of `start`, not to the group: if it fails, `start`
   *   fails with its error (the group is not affected); if it returns without calling `started`, `start` dies
   *   with `RuntimeError`; if the caller is cancelled, the task is cancelled (with the caller's reason) and
   *   awaited. While a task is starting, the group waits for it before it exits.
   * - Calling `started` twice is a defect carrying `RuntimeError`. A task that starts into a group that is
   *   cancelling is cancelled at once, with the group's reason.
   * - Starting in a group that is finished or cancelling is a defect carrying `RuntimeError`, as `createTask`.
   */
  start<T = undefined, A = unknown, E = never, R = never>(
    fn: (status: TaskStatus<T>) => Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Effect.Effect<T, E, R>
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
 * What a task started with {@link TaskGroup.start} uses to say it is ready. Trio's and AnyIO's `task_status`.
 *
 * @category models
 * @since 0.1.0
 */
export interface TaskStatus<T> {
  /**
   * The task is ready: `tg.start` returns `value`, and the task becomes a child of the group. A second call is a
   * defect carrying `RuntimeError`.
   */
  started(...value: [T] extends [undefined] ? [value?: T] : [value: T]): Effect.Effect<void>
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

type Child = TaskImpl<unknown, unknown>

const isDone = (child: Child): boolean => child.fiber.pollUnsafe() !== undefined

/**
 * A task group: a cancel scope (`internal/cancelScope.ts`) that runs the body, plus the children. The scope's
 * cancellation — a child's failure, the body's, `tg.cancel()`, an outside cancellation once the body has exited —
 * cancels the children (a listener of the scope) and then the body.
 */
class TaskGroupImpl implements TaskGroup {
  state: "running" | "exiting" | "finished" = "running"
  readonly scope: cancelScope.ScopeImpl
  /** How reasons name the group: `TaskGroup-3`, or `TaskGroup jobs` for a group named `jobs`. */
  readonly label: string
  cancelledByUser = false
  /** The children not done yet, in creation order (O(1) add and removal: `internal/liveList.ts`). */
  readonly children = new LiveList<Child>(isDone)
  /** Tasks started with `start` that have not called `started` yet: the group waits for them too. */
  private starting = 0
  readonly errors: Array<Member<unknown>> = []
  private wake: (() => void) | undefined = undefined
  /** What the group's children see of it (their owner). */
  readonly owner: GroupOwner

  constructor(scope: cancelScope.ScopeImpl, named: boolean) {
    this.scope = scope
    this.label = named ? `TaskGroup ${scope.name}` : scope.name
    this.owner = { name: scope.name, scope, adopt: this.adopt, childDone: this.childDone }
    scope.onCancel((reason) => {
      // A child finishing synchronously during the visit is skipped; one created meanwhile is visited.
      this.children.forEachLive((child) => interruptTask(child, undefined, reason))
    })
  }

  get name(): string {
    return this.scope.name
  }

  private lastOwner: Owner | undefined = undefined

  /** The owner of the children created under `loop` (one object per loop, not one per child). */
  private ownerIn(loop: LoopImpl | undefined): Owner {
    const last = this.lastOwner
    if (last !== undefined && last._tag === "Group" && last.loop === loop) return last
    const owner: Owner = { _tag: "Group", group: this.owner, loop }
    this.lastOwner = owner
    return owner
  }

  /** A misuse of a group that no longer takes tasks, or `undefined`. */
  private closed(call: string): RuntimeError | undefined {
    if (this.state === "finished") return new RuntimeError(`${call}: ${this.label} is finished`)
    if (this.scope.cancelCalled) return new RuntimeError(`${call}: ${this.label} is shutting down`)
    return undefined
  }

  createTask<A, E = never, R = never>(
    effect: Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Effect.Effect<Task<A, E>, E, R> {
    const site = captureSite()
    // The checks of `validate.atCall`, without its closure: this runs once per task.
    let name: string | undefined
    try {
      if (!Effect.isEffect(effect)) throw notAnEffect("TaskGroup.createTask", effect)
      name = validate.taskName(
        "TaskGroup.createTask",
        validate.options("TaskGroup.createTask", options, nameKey).name
      )
    } catch (error) {
      return Effect.die(error)
    }
    const spawnOptions = name === undefined && site === undefined ? undefined : { name, site }
    return Effect.withFiber((fiber) => {
      const closed = this.closed("TaskGroup.createTask")
      if (closed !== undefined) return Effect.die(closed)
      return spawnFrom(fiber, effect, this.ownerIn(ownerLoop("TaskGroup.createTask", fiber)), spawnOptions)
    })
  }

  start<T = undefined, A = unknown, E = never, R = never>(
    fn: (status: TaskStatus<T>) => Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Effect.Effect<T, E, R> {
    const site = captureSite()
    return validate.atCall(() => {
      validate.fn("TaskGroup.start", fn, "fn")
      const name = validate.taskName(
        "TaskGroup.start",
        validate.options("TaskGroup.start", options, nameKey).name
      )
      return Effect.withFiber((fiber) => {
        const closed = this.closed("TaskGroup.start")
        if (closed !== undefined) return Effect.die(closed)
        return this.startChild(fn, name, site, ownerLoop("TaskGroup.start", fiber))
      })
    })
  }

  /**
   * `start`: the task runs owned by the caller's wait (an owner that adopts nothing) until it calls `started`;
   * then the group adopts it. The caller waits for `started` or the task's end, whichever comes first.
   */
  private startChild<T, A, E, R>(
    fn: (status: TaskStatus<T>) => Effect.Effect<A, E, R>,
    name: string | undefined,
    site: hooks.Site | undefined,
    loop: LoopImpl | undefined
  ): Effect.Effect<T, E, R> {
    let task: Child | undefined
    let value: { readonly started: T } | undefined
    let resume: (() => void) | undefined
    const status: TaskStatus<T> = {
      started: (...args) =>
        Effect.suspend(() => {
          if (value !== undefined) {
            return Effect.die(
              new RuntimeError("TaskGroup.start: started() was called twice on the same task status")
            )
          }
          value = { started: args[0] as T }
          this.starting--
          if (task !== undefined) this.adopt(task)
          resume?.()
          return Effect.void
        })
    }
    // Before `started`, the task's owner is the group in name and scope, but the group does not adopt it.
    const pending: GroupOwner = {
      name: this.name,
      scope: this.scope,
      adopt: () => {},
      // Once `started` has made it a child, its end is the group's business.
      childDone: (child, exit) => {
        if (value !== undefined) this.childDone(child, exit)
      }
    }
    const body = validate.callEffect("TaskGroup.start", () => fn(status))
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((caller) => {
        this.starting++
        return Effect.flatMap(
          spawn(body, { _tag: "Group", group: pending, loop }, { name, site }),
          (child) => {
            task = child as Child
            const ready = Effect.callback<void>((wake) => {
              if (value !== undefined || child.fiber.pollUnsafe() !== undefined) return wake(Effect.void)
              resume = () => wake(Effect.void)
              child.fiber.addObserver(() => wake(Effect.void))
            })
            return Effect.flatMap(Effect.exit(restore(ready)), (waited): Effect.Effect<T, E> => {
              if (waited._tag === "Failure" && value === undefined) {
                // The caller was cancelled before the task was ready: the task is cancelled with the caller's
                // reason and awaited (it never joins the group).
                const who = caller.getRef(CurrentTask)?.name ?? "the fiber"
                return Effect.andThen(
                  cancelAndAwait(
                    child,
                    caller.id,
                    forwardedReason(
                      caller,
                      "awaiter",
                      `${who} starting ${child.name} in ${this.label} was cancelled`
                    )
                  ),
                  Effect.sync(() => this.notStarted()).pipe(Effect.andThen(Effect.failCause(waited.cause)))
                )
              }
              if (value !== undefined) return Effect.succeed(value.started)
              // The task ended before calling `started`: its error is `start`'s; the group never saw it.
              this.notStarted()
              const exit = consume(child, child.fiber.pollUnsafe()!)
              if (exit._tag === "Success") {
                return Effect.die(
                  new RuntimeError(`TaskGroup.start: ${child.name} exited without calling started()`)
                )
              }
              return Effect.failCause(exit.cause as Cause.Cause<E>)
            })
          }
        )
      })
    )
  }

  /** A task that was starting ended (or was cancelled) before `started`: the group no longer waits for it. */
  private notStarted(): void {
    this.starting--
    this.wakeIfEmpty()
  }

  /**
   * Makes a freshly spawned task a child of the group (called by `spawn`, before anything can observe it, after it
   * has installed the exit observer that calls {@link childDone}; and by `started`).
   */
  private readonly adopt = (child: Child): void => {
    this.children.add(child)
    // A task that becomes a child of a group already cancelling is cancelled at once (Trio: moving into a cancelled
    // nursery).
    const reason = this.scope.reason
    if (reason !== undefined && child.fiber.pollUnsafe() === undefined)
      interruptTask(child, undefined, reason)
  }

  /**
   * A child's end, as Python's `_on_task_done` — a done callback of the child, so it runs a scheduler turn after the
   * child ended (`callSoon`): the group hears of a failure then, and its exit wakes a turn after that.
   */
  private readonly childDone = (child: Child, _exit: Exit.Exit<unknown, unknown>): void =>
    // On the group body's dispatcher when no fiber is running (see Gather's `awaitAll`).
    this.doneCallbacks.push(child, this.scope.body ?? child.fiber)

  private readonly doneCallbacks = new DoneCallbacks<Child>((child) =>
    this.onChildDone(child, child.fiber.pollUnsafe()!)
  )

  cancel(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.state === "finished") return
      this.cancelledByUser = true
      this.abort({ kind: "cancel", detail: `${this.label} was cancelled` })
    })
  }

  private onChildDone(child: Child, exit: Exit.Exit<unknown, unknown>): void {
    this.children.markDone()
    const error = exceptionOf(exit)
    if (error !== undefined) {
      markRetrieved(child)
      this.errors.push({ error, task: child.name })
      this.abort({ kind: "sibling", detail: `${child.name} failed in ${this.label}` })
    }
    this.wakeIfEmpty()
  }

  private wakeIfEmpty(): void {
    if (this.children.size === 0 && this.starting === 0 && this.wake !== undefined) {
      const wake = this.wake
      this.wake = undefined
      wake()
    }
  }

  /** Cancels every unfinished child and the body, once (the scope's cancellation). */
  abort(reason: CancelReason): void {
    this.scope.cancel(reason)
  }

  /** Waits until no child is left; woken a turn after the last one is counted out (Python's `_on_completed_fut`). */
  private readonly waitChildren: Effect.Effect<void> = Effect.withFiber((fiber) =>
    Effect.callback<void>((resume) => {
      if (this.children.size === 0 && this.starting === 0) return resume(Effect.void)
      this.wake = () => callSoon(() => resume(Effect.void), fiber)
      return Effect.sync(() => {
        this.wake = undefined
      })
    })
  )

  /** Waits until no child is left (reported to the observers as the running task waiting on the group). */
  readonly childrenDone: Effect.Effect<void> = Effect.suspend(() =>
    this.children.size === 0
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
  Effect.flatMap(cancelScope.make({ name, prefix: "TaskGroup", deadline: () => undefined }), (scope) =>
    Effect.withFiber((parent) => {
      const group = new TaskGroupImpl(scope, name !== undefined)
      const outsideReason = (): CancelReason =>
        forwardedReason(
          parent,
          "awaiter",
          `${parent.getRef(CurrentTask)?.name ?? "the fiber"} running ${group.label} was cancelled`
        )
      // A body that returns no Effect is misuse of `run` itself: the group dies with it (not an ExceptionGroup).
      let misuse: unknown
      const bodyEffect = (): Effect.Effect<A | undefined, E, R> => {
        const effect: unknown = body(group)
        if (Effect.isEffect(effect)) return effect as Effect.Effect<A, E, R>
        misuse = validate.notAnEffectResult("TaskGroup.run", effect)
        return Effect.succeed(undefined)
      }
      return cancelScope.enter(
        "TaskGroup.run",
        scope,
        bodyEffect,
        (outcome, restore) =>
          Effect.gen(function* () {
            const bodyExit = outcome.exit
            // An outside cancellation reached the body first, where it was suspended (as in Python); the children
            // are cancelled now that it has exited.
            let outside = outcome.outside
            if (outside !== undefined) group.abort(outsideReason())
            group.state = "exiting"
            const bodyOutcome = outcomeOf(bodyExit)
            if (bodyOutcome._tag === "Exception") {
              group.abort({ kind: "sibling", detail: `the body of ${group.label} failed` })
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
            scope.close({ exit: bodyExit, outside, shielded: false })
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
          }),
        { outside: (who) => `${who} running ${group.label} was cancelled` }
      )
    })
  )
