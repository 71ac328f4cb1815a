/**
 * Creating tasks: {@link spawn} — the one way a task comes to exist — forks its fiber under its {@link Owner},
 * registers it, and reports it to the observers; `createTask`'s checks and the resolution of an awaitable argument
 * to a task sit on top of it.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import * as hooks from "./hooks.ts"
import {
  CurrentScope,
  CurrentTask,
  globalRegistry,
  type LoopImpl,
  loopOf,
  loopOwner,
  type Owner,
  ownerLoop,
  ownerName,
  shutdownReason
} from "./owner.ts"
import { exitWithReason, interruptTask } from "./reason.ts"
import { asTask, isTask, notAnEffect, TaskImpl } from "./task.ts"
import * as validate from "./validate.ts"

/** Options of {@link spawn}. */
export interface SpawnOptions {
  readonly name?: string | undefined
  /** Where the public function was called (only while an observer asks for sites). */
  readonly site?: hooks.Site | undefined
  /** Runs the task's first steps right away, inside the creating fiber's step (`createTask`'s `eagerStart`). */
  readonly startImmediately?: boolean | undefined
}

const noOptions: SpawnOptions = {}
const immediate = { startImmediately: true } as const

/**
 * Creates a task for `effect` owned by `owner` and forks its fiber: a child of the creating fiber for a `Fiber`
 * owner, detached otherwise. The task starts when the creating fiber next yields (as an asyncio task starts on the
 * next loop iteration), unless `startImmediately`. Then it registers the task with its loop (or the process), lets
 * a group adopt it, and cancels it at once if its loop scope is already shutting down. While an observer is
 * installed, the task's creation, first step and end are reported, and its body is instrumented.
 */
export const spawn = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  owner: Owner,
  options: SpawnOptions = noOptions
): Effect.Effect<TaskImpl<A, E>, never, R> =>
  parksInStep(owner, options)
    ? Effect.withFiber((parent) => Effect.succeed(spawnParked(parent, effect, owner, options.name)))
    : spawnFrom(undefined, effect, owner, options)

/**
 * {@link spawn} from inside a step of `parent`, the creating fiber (`createTask`, `TaskGroup.createTask`): when
 * nothing observes, the task is created and its fiber forked in this step ({@link spawnParked}) — no effect of its
 * own, one step per task instead of three.
 */
export const spawnFrom = <A, E, R>(
  parent: Fiber.Fiber<unknown, unknown> | undefined,
  effect: Effect.Effect<A, E, R>,
  owner: Owner,
  options: SpawnOptions = noOptions
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  if (parent !== undefined && parksInStep(owner, options)) {
    return Effect.succeed(spawnParked(parent, effect, owner, options.name))
  }
  if (!hooks.active()) return fork(effect, owner, options, undefined)
  return parent === undefined
    ? Effect.withFiber((parent) => fork(effect, owner, options, creationOf(owner, parent, options.site)))
    : fork(effect, owner, options, creationOf(owner, parent, options.site))
}

/**
 * Whether the task is made by {@link spawnParked}: nothing observes (the observers' path instruments the body), it
 * is not a child of its creating fiber (`forkChild` makes those), and it does not start at once.
 */
const parksInStep = (owner: Owner, options: SpawnOptions): boolean =>
  !hooks.active() && owner._tag !== "Fiber" && options.startImmediately !== true

/**
 * The resume of the fiber that last parked at {@link gate}: `Effect.runForkWith` runs a fiber's first step
 * synchronously, so {@link takeParked} reads it right after the fork returns. A parked fiber interrupted before it
 * is resumed ends without running its body (the callback ignores a `resume` after an interruption).
 */
let parked: ((effect: Effect.Effect<unknown, unknown, unknown>) => void) | undefined

/**
 * The bodies of fibers that the scheduler made yield before their first step reached the gate (a step budget,
 * `MaxOpsBeforeYield`, of one): the gate runs the body at once when the fiber reaches it.
 */
const late = new Map<Fiber.Fiber<unknown, unknown>, Effect.Effect<unknown, unknown, unknown>>()

/** A new fiber's first step when its body must wait for its turn: it parks, leaving its `resume` in {@link parked}. */
const gate: Effect.Effect<unknown, unknown, unknown> = Effect.callback<unknown, unknown, unknown>(
  (resume) => {
    if (late.size > 0) {
      const fiber = Fiber.getCurrent()!
      const body = late.get(fiber)
      if (body !== undefined) {
        late.delete(fiber)
        return resume(body)
      }
    }
    parked = resume
  }
)

/**
 * Forks a fiber with `context` (interruptible, attached to no parent: what `Effect.forkDetach` makes) that parks at
 * {@link gate}, leaving its `resume` — which starts it with `body` — in {@link parked} for the caller to take. If the
 * scheduler made it yield before it reached the gate, {@link parked} stays `undefined`: the fiber is then already
 * scheduled, and runs `body` when it reaches the gate.
 */
const forkAtGate = (
  context: Context.Context<never>,
  body: Effect.Effect<unknown, unknown, unknown>
): Fiber.Fiber<unknown, unknown> => {
  parked = undefined
  const fiber = Effect.runForkWith(context as Context.Context<unknown>)(gate)
  if (parked === undefined && fiber.pollUnsafe() === undefined) {
    late.set(fiber, body)
    fiber.addObserver(() => late.delete(fiber))
  }
  return fiber
}

/** Takes the `resume` {@link forkAtGate} left. */
const takeParked = (): ((effect: Effect.Effect<unknown, unknown, unknown>) => void) | undefined => {
  const resume = parked
  parked = undefined
  return resume
}

/**
 * A task of a loop scope, group or detached owner, created synchronously in a step of `parent`, with nothing
 * observing. The public API has no synchronous fork that leaves the fiber unstarted (`Effect.forkDetach` is an
 * effect, and the task must then be put in the child's context by a first step of its own), so the fiber is made
 * with `Effect.runForkWith` — the parent's context plus what the task's first step would set (the task as
 * `CurrentTask`, its cancel scope: its group's, else none) — parked at {@link gate}, and its first step scheduled
 * on the parent's dispatcher: where, and when, `forkDetach` schedules it (asyncio's `create_task`: `call_soon` of
 * the task's first step).
 */
const spawnParked = <A, E, R>(
  parent: Fiber.Fiber<unknown, unknown>,
  effect: Effect.Effect<A, E, R>,
  owner: Owner,
  name: string | undefined
): TaskImpl<A, E> => {
  const task = new TaskImpl<A, E>(name, owner)
  const fiber = forkAtGate(childContext(parent, task, owner), effect)
  const resume = takeParked()
  if (resume !== undefined) parent.currentDispatcher.scheduleTask(() => resume(effect), 0)
  return settle(task, fiber as Fiber.Fiber<A, E>, undefined)
}

/** The context of `task`'s fiber, created by `parent`: as {@link asTaskBody} sets it. */
const childContext = <A, E>(
  parent: Fiber.Fiber<unknown, unknown>,
  task: TaskImpl<A, E>,
  owner: Owner
): Context.Context<never> => {
  const scope = owner._tag === "Group" ? owner.group.scope : undefined
  const context = Context.add(parent.context, CurrentTask, task as TaskImpl<unknown, unknown>)
  return parent.getRef(CurrentScope) === scope ? context : Context.add(context, CurrentScope, scope)
}

/** {@link spawn}, with `creation` when an observer is installed. */
const fork = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  owner: Owner,
  options: SpawnOptions,
  creation: hooks.Creation | undefined
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  const task = new TaskImpl<A, E>(options.name, owner)
  const body = asTaskBody(
    creation === undefined
      ? effect
      : hooks.instrument(
          task,
          Effect.andThen(
            Effect.sync(() => hooks.emitStarted(task)),
            effect
          ),
          creation
        ),
    task
  )
  const forked =
    owner._tag === "Fiber"
      ? Effect.forkChild(body, options.startImmediately === true ? immediate : undefined)
      : Effect.forkDetach(body, options.startImmediately === true ? immediate : undefined)
  return Effect.map(forked, (fiber) => settle(task, fiber, creation))
}

/**
 * What follows the fork of `task`'s fiber: registers it with its loop (or the process), reports its creation, lets a
 * group adopt it, and cancels it at once if its loop scope is already shutting down.
 */
const settle = <A, E>(
  task: TaskImpl<A, E>,
  fiber: Fiber.Fiber<A, E>,
  creation: hooks.Creation | undefined
): TaskImpl<A, E> => {
  const owner = task.owner
  task.fiber = fiber
  const loop = loopOf(owner)
  const registry = loop ?? globalRegistry
  const group = owner._tag === "Group" ? owner.group : undefined
  const child = task as TaskImpl<unknown, unknown>
  if (creation !== undefined) {
    // Observed: the registry's observer, then the observers' `done`, then the group's (which may report the outcome
    // retrieved: after `done`).
    registry.register(child)
    hooks.emitCreated(task, creation)
    fiber.addObserver((exit) => hooks.emitDone(task, exitWithReason(task, exit)))
    if (group !== undefined) fiber.addObserver((exit) => group.childDone(child, exit))
  } else {
    const done = fiber.pollUnsafe()
    if (done === undefined) {
      // One exit observer does all of the task's bookkeeping (a second observer grows the fiber's observer array).
      registry.link(child)
      fiber.addObserver(
        group === undefined
          ? (exit) => registry.finished(child, exit)
          : (exit) => {
              registry.finished(child, exit)
              group.childDone(child, exit)
            }
      )
    } else {
      registry.ended(child, done)
      if (group !== undefined) fiber.addObserver((exit) => group.childDone(child, exit))
    }
  }
  if (group !== undefined) group.adopt(child)
  if (loop !== undefined && loop.state !== "open") interruptTask(task, undefined, shutdownReason(loop))
  return task
}

/**
 * Creates tasks for `effects` under the loop scope `loop`, in order, and schedules their first steps on the
 * creating fiber's dispatcher, in order, behind what is already scheduled there (`gather`'s children, when nothing
 * observes): what `spawn(effect, loopOwner(loop))` does for each — asyncio's `ensure_future`, whose task's first
 * step is a `call_soon` — without an effect per task.
 *
 * The public API has no synchronous fork that leaves the fiber unstarted (`Effect.forkDetach` schedules
 * `child.evaluate` on the parent's dispatcher, but is an effect per child), so each fiber is made with
 * `Effect.runForkWith(context)` — the parent's context, interruptible, attached to no parent, as `forkDetach` makes
 * it, plus what `asTaskBody` would set in the first step (the task as `CurrentTask`, no cancel scope) — running
 * {@link gate}: its first step parks it in an `Effect.callback` and hands over the `resume`. One task on the
 * creating fiber's dispatcher then resumes the batch's fibers with their bodies, in order. A task cancelled before
 * its turn ends without running its body (the callback ignores a `resume` after an interruption).
 *
 * Between batches the creating fiber yields to the scheduler, as Effect's run loop makes it yield when a fiber has
 * used its budget of steps (`MaxOpsBeforeYield`, a batch being a quarter of it; never under `PreventSchedulerYield`):
 * a batch's children take their first steps (and those that suspended at once, a `sleep(0)`, their next) before the
 * next batch is created, so a gather of a million such tasks does not hold a million fibers at once — as it did not
 * when each child took its own steps. asyncio schedules every child's first step before any second step; here that
 * holds within a batch (512 children at the default budget).
 */
export const spawnAll = <R>(
  effects: ReadonlyArray<Effect.Effect<unknown, unknown, R>>,
  loop: LoopImpl
): Effect.Effect<Array<TaskImpl<unknown, unknown>>, never, R> =>
  Effect.withFiber((parent) => {
    // The children's context: the creating fiber's, outside any cancel scope (a loop's task runs in none), with the
    // child's task as `CurrentTask` — what `asTaskBody` sets in a task's first step, set here at its creation.
    const base =
      parent.getRef(CurrentScope) === undefined
        ? parent.context
        : Context.add(parent.context, CurrentScope, undefined)
    const n = effects.length
    const tasks = new Array<TaskImpl<unknown, unknown>>(n)
    const batch = parent.getRef(Scheduler.PreventSchedulerYield)
      ? n
      : Math.max(1, Math.floor(parent.getRef(Scheduler.MaxOpsBeforeYield) / 4))
    let next = 0
    const step: Effect.Effect<Array<TaskImpl<unknown, unknown>>, never, R> = Effect.suspend(() => {
      const end = Math.min(n, next + batch)
      const gated = new Gated<R>()
      for (let i = next; i < end; i++) {
        const effect = effects[i]
        const existing = asTask(effect)
        if (existing !== undefined) {
          tasks[i] = existing
          continue
        }
        const task = new TaskImpl<unknown, unknown>(undefined, loop.asOwner)
        tasks[i] = settle(task, gated.fork(Context.add(base, CurrentTask, task), effect), undefined)
      }
      if (gated.size > 0) parent.currentDispatcher.scheduleTask(gated.start, 0)
      next = end
      return next < n ? Effect.andThen(Effect.yieldNow, step) : Effect.succeed(tasks)
    })
    return step
  })

/**
 * A batch of fibers parked at their first step ({@link gate}) until their turn: `fork` makes one, `start` resumes
 * each with its body, in the order they were made.
 */
class Gated<R> {
  private readonly bodies: Array<Effect.Effect<unknown, unknown, R>> = []
  private readonly resumes: Array<(effect: Effect.Effect<unknown, unknown, R>) => void> = []

  get size(): number {
    return this.bodies.length
  }

  fork(
    context: Context.Context<never>,
    body: Effect.Effect<unknown, unknown, R>
  ): Fiber.Fiber<unknown, unknown> {
    const fiber = forkAtGate(context, body)
    const resume = takeParked()
    if (resume !== undefined) {
      this.resumes.push(resume)
      this.bodies.push(body)
    }
    return fiber
  }

  readonly start = (): void => {
    const bodies = this.bodies
    const resumes = this.resumes
    for (let i = 0; i < resumes.length; i++) resumes[i](bodies[i])
  }
}

/** How and where a task of `owner` is being created by `parent`, for the observers. */
const creationOf = (
  owner: Owner,
  parent: Fiber.Fiber<unknown, unknown>,
  site: hooks.Site | undefined
): hooks.Creation => ({
  creator: parent.getRef(CurrentTask),
  owner: ownerName(owner, parent),
  group: owner._tag === "Group" ? owner.group.name : undefined,
  loop: loopOf(owner)?.name,
  parent,
  site
})

/**
 * `effect` as the body of `task`: its first step records the task in the fiber's context (so `currentTask` and
 * fibers forked inside it see it), and the cancel scope it runs in — its group's, else none: a task is not inside
 * the scopes of the code that created it. The fiber belongs to the task for its whole life, so the context is set
 * once and never restored — cheaper than `Effect.provideService`, which wraps the effect to restore it.
 */
const asTaskBody = <A, E, R>(effect: Effect.Effect<A, E, R>, task: TaskImpl<A, E>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    task.fiber = fiber as Fiber.Fiber<A, E>
    const owner = task.owner
    const scope = owner._tag === "Group" ? owner.group.scope : undefined
    let context = Context.add(fiber.context, CurrentTask, task as TaskImpl<unknown, unknown>)
    // Most tasks are created where the scope is already the one they run in (none for a loop's task, the group's
    // for a group's child, created in the group's body): one overlay then instead of two.
    if (fiber.getRef(CurrentScope) !== scope) context = Context.add(context, CurrentScope, scope)
    fiber.setContext(context)
    return effect
  })

/**
 * `createTask` behind every entry point that creates one (`createTask`, `Abort.createTask`): checks the effect and
 * the name — throwing, so call it inside the entry point's `validate.atCall` — and returns the effect that spawns
 * the task under the current owner. `site` is the caller's, captured by the public function.
 */
export const createTaskAt = <A, E, R>(
  call: string,
  effect: Effect.Effect<A, E, R>,
  name: unknown,
  site: hooks.Site | undefined,
  eagerStart: unknown = false
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  if (!Effect.isEffect(effect) || isTask(effect)) throw notAnEffect(call, effect)
  const checked = validate.taskName(call, name)
  const startImmediately = validate.boolean(call, eagerStart, "eagerStart", false)
  return Effect.withFiber((fiber) =>
    spawnFrom(fiber, effect, loopOwner(ownerLoop(call, fiber)), { name: checked, site, startImmediately })
  )
}

/**
 * Resolves an awaitable argument to a task: a task is used as it is (so the same task passed twice is one task,
 * as in asyncio); any other effect becomes a new task — an effect is a description that may be run any number
 * of times, so the same effect passed twice runs twice (docs/semantics.md, G3). A new task starts when the creating
 * fiber next yields (asyncio's `ensure_future`).
 */
export const toTask = <A, E, R>(
  u: Effect.Effect<A, E, R>,
  loop: LoopImpl | undefined
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  const task = asTask(u)
  return task !== undefined ? Effect.succeed(task) : spawn(u, loopOwner(loop))
}
