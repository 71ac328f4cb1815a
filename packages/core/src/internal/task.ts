/**
 * The machinery behind `Task`: the task object, the registries that own tasks (loop scopes), the reference
 * that tells a fiber which task it belongs to, and the mapping from an Effect `Exit` to asyncio's three
 * outcomes (result, exception, cancelled).
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import {
  CancelledError,
  type CancelReason,
  Defect,
  InvalidStateError,
  RuntimeError,
  TypeError
} from "../Errors.ts"
import { describeError, text } from "./describe.ts"
import * as hooks from "./hooks.ts"
import * as validate from "./validate.ts"

// ---------------------------------------------------------------------------------------------------------
// Cancellation reasons travel as annotations on Effect's own `Interrupt` reasons
// ---------------------------------------------------------------------------------------------------------

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
  if (hooks.observers.length !== 0) {
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
  if (hooks.observers.length !== 0) hooks.emitCancelRequested(task, reason)
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

// ---------------------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------------------

/**
 * How a task ended, in asyncio's terms. A cause with any failure or defect is a failure, even if it also holds
 * interrupts: as in Python, a task that raised while being cancelled ends with that exception.
 */
export type Outcome<A, E> =
  | { readonly _tag: "Result"; readonly value: A }
  | { readonly _tag: "Exception"; readonly error: E | Defect }
  | { readonly _tag: "Cancelled"; readonly error: CancelledError }

/** The error value asyncio would report for a failed cause (first typed failure, else first defect). */
export const errorOf = <E>(cause: Cause.Cause<E>): E | Defect | undefined => {
  let defect: Cause.Die | undefined
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail") return reason.error
    if (reason._tag === "Die" && defect === undefined) defect = reason
  }
  return defect === undefined ? undefined : new Defect(defect.defect)
}

/**
 * The error of a failed exit if it holds a typed failure or a defect; `undefined` for a success or a pure
 * cancellation. Cheaper than {@link outcomeOf} on hot paths: builds no `CancelledError`.
 */
export const exceptionOf = <A, E>(exit: Exit.Exit<A, E>): E | Defect | undefined =>
  exit._tag === "Success" ? undefined : errorOf(exit.cause)

export const outcomeOf = <A, E>(exit: Exit.Exit<A, E>): Outcome<A, E> => {
  if (exit._tag === "Success") return { _tag: "Result", value: exit.value }
  const error = errorOf(exit.cause)
  if (error !== undefined) return { _tag: "Exception", error }
  return { _tag: "Cancelled", error: new CancelledError(reasonOf(exit.cause)) }
}

/** The value `gather(…, { returnExceptions: true })` puts in its list for one child. */
export const settledValue = <A, E>(exit: Exit.Exit<A, E>): A | E | Defect | CancelledError => {
  if (exit._tag === "Success") return exit.value
  const outcome = outcomeOf(exit)
  return outcome._tag === "Result" ? outcome.value : outcome.error
}

// ---------------------------------------------------------------------------------------------------------
// Registries: who owns a task
// ---------------------------------------------------------------------------------------------------------

/**
 * The set of live tasks created under one owner, in creation order. A task leaves it when it finishes (an exit
 * observer on its fiber), so after a burst the owner holds no finished task — nor, through it, its result.
 */
export class Registry {
  private readonly tasks = new Set<TaskImpl<unknown, unknown>>()
  /**
   * Called when a task of this owner ends with a failure (a loop scope reports the ones nobody retrieved to its
   * exception handler: `EventLoop.ts`). Only failures pay for it.
   */
  onTaskFailed: ((task: TaskImpl<unknown, unknown>) => void) | undefined = undefined

  register(task: TaskImpl<unknown, unknown>): void {
    // A task that already finished (a gather child that returned at once) needs no owner any more.
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) {
      if (exit._tag === "Failure" && this.onTaskFailed !== undefined) this.onTaskFailed(task)
      return
    }
    const tasks = this.tasks
    tasks.add(task)
    task.fiber.addObserver((exit) => {
      tasks.delete(task)
      if (exit._tag === "Failure" && this.onTaskFailed !== undefined) this.onTaskFailed(task)
    })
  }

  /** The tasks that are not done, in creation order. */
  live(): Array<TaskImpl<unknown, unknown>> {
    const live: Array<TaskImpl<unknown, unknown>> = []
    for (const task of this.tasks) if (task.fiber.pollUnsafe() === undefined) live.push(task)
    return live
  }

  /** How many tasks the owner holds (live ones only; for tests and the soak). */
  retained(): number {
    return this.tasks.size
  }
}

/** Tasks created where no loop scope is installed; they are children of the fiber that created them. */
export const globalRegistry = new Registry()

/**
 * A loop scope: asyncio's event loop as an owner. Tasks created under it are detached from the fiber that
 * created them (so they outlive it, as in Python) and are cancelled and awaited when the loop scope ends.
 */
export class LoopImpl extends Registry {
  state: "open" | "closing" | "closed" = "open"
  readonly name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

export const CurrentLoop = Context.Reference<LoopImpl | undefined>("effect-asyncio/CurrentLoop", {
  defaultValue: () => undefined
})

/**
 * The loop scope that will own a task created now by `fiber` (`undefined`: none, the fiber owns it). Creating a
 * task in a loop scope that has ended is misuse, as Python's `create_task` on a closed loop raises
 * `RuntimeError("Event loop is closed")`; a loop scope that is still shutting down cancels it at once instead.
 */
export const ownerLoop = (call: string, fiber: Fiber.Fiber<unknown, unknown>): LoopImpl | undefined => {
  const loop = fiber.getRef(CurrentLoop)
  if (loop !== undefined && loop.state === "closed") {
    throw new RuntimeError(`${call}: the loop scope ${loop.name} is closed (Python: "Event loop is closed")`)
  }
  return loop
}

export const CurrentTask = Context.Reference<TaskImpl<unknown, unknown> | undefined>(
  "effect-asyncio/CurrentTask",
  { defaultValue: () => undefined }
)

// ---------------------------------------------------------------------------------------------------------
// The task object
// ---------------------------------------------------------------------------------------------------------

let taskCounter = 0

export const TaskTypeId = "~effect-asyncio/Task" as const

export type DoneCallback<A, E> = (task: TaskImpl<A, E>) => Effect.Effect<void>

/**
 * A task: one fiber, a name, and asyncio's task methods. It is an `Effect`: running it (`yield* task`) awaits
 * the task, and if the awaiting fiber is cancelled meanwhile the task is cancelled too and awaited (Python's
 * cancellation forwarding through `await task`).
 */
export class TaskImpl<A, E> extends Effectable.Class<A, E> {
  readonly [TaskTypeId] = TaskTypeId
  readonly _tag = "Task"
  declare fiber: Fiber.Fiber<A, E>
  private _name: string | undefined
  private readonly _number: number
  cancelRequests = 0
  /**
   * Whether something has awaited the task or read its outcome (or waits for it: a `gather`, `wait`, a group),
   * so a loop's exception handler is not told that its exception was never retrieved.
   */
  retrieved = false
  /** The reason of the cancellation requested through this library, if any (an interrupt is final). */
  pendingReason: CancelReason | undefined = undefined
  private callbacks:
    | Array<{ readonly cb: DoneCallback<A, E>; readonly context: Context.Context<never> }>
    | undefined

  readonly owner: Registry

  /** `numbered: false` (a `Future`): no number of the `Task-<n>` sequence is used up. */
  constructor(name: string | undefined, owner: Registry, numbered = true) {
    super()
    this.owner = owner
    this._name = name
    this._number = numbered ? ++taskCounter : 0
  }

  /** The task's number (the `n` of `Task-<n>`), unique in the process. */
  get id(): number {
    return this._number
  }

  get name(): string {
    if (this._name === undefined) this._name = `Task-${this._number}`
    return this._name
  }
  set name(name: string) {
    this._name = name
  }

  getName(): Effect.Effect<string> {
    return Effect.sync(() => this.name)
  }

  setName(name: string): Effect.Effect<void> {
    return validate.atCall(() => {
      // Python's set_name(value) stores str(value); None is the string "None" there, here a misuse.
      const checked = validate.taskName("task.setName", name)
      if (checked === undefined) {
        throw new TypeError(`task.setName: a name was expected, got ${validate.show(name)}`)
      }
      return Effect.sync(() => {
        this.name = checked
      })
    })
  }

  asEffect(): Effect.Effect<A, E> {
    return awaitTask(this)
  }

  /** The exit if done. */
  poll(): Exit.Exit<A, E> | undefined {
    return this.fiber.pollUnsafe()
  }

  cancel(message?: unknown): Effect.Effect<boolean> {
    if (message === null) message = undefined // Python's cancel(None) is cancel()
    return Effect.withFiber((current) => {
      if (this.fiber.pollUnsafe() !== undefined) {
        // As in Python, cancel() on a task that is done silences "exception was never retrieved".
        markRetrieved(this)
        return Effect.succeed(false)
      }
      const by = current.getRef(CurrentTask)
      const reason: CancelReason = {
        kind: "cancel",
        message,
        detail: by === undefined ? `${this.name} was cancelled` : `${this.name} was cancelled by ${by.name}`
      }
      // Delivered at once: a suspended task is interrupted now, so a waiter woken but not yet resumed gives
      // its wake-up back (as a Python waiter does when the CancelledError reaches it). Clean-up that needs no
      // suspension therefore runs inside this call; see docs/semantics.md ("cancel() delivers at once").
      interruptTask(this, current.id, reason)
      return Effect.succeed(true)
    })
  }

  cancelling(): Effect.Effect<number> {
    return Effect.sync(() => this.cancelRequests)
  }

  done(): Effect.Effect<boolean> {
    return Effect.sync(() => this.fiber.pollUnsafe() !== undefined)
  }

  cancelled(): Effect.Effect<boolean> {
    return Effect.sync(() => {
      const exit = this.fiber.pollUnsafe()
      return exit !== undefined && exit._tag === "Failure" && exceptionOf(exit) === undefined
    })
  }

  result(): Effect.Effect<A, E | CancelledError | InvalidStateError> {
    return Effect.suspend((): Effect.Effect<A, E | CancelledError | InvalidStateError> => {
      const exit = this.fiber.pollUnsafe()
      if (exit === undefined) return Effect.fail(new InvalidStateError("Result is not set."))
      markRetrieved(this)
      const outcome = outcomeOf(exit)
      if (outcome._tag === "Cancelled") return Effect.fail(outcome.error)
      return exit
    })
  }

  exception(): Effect.Effect<E | Defect | undefined, CancelledError | InvalidStateError> {
    return Effect.suspend((): Effect.Effect<E | Defect | undefined, CancelledError | InvalidStateError> => {
      const exit = this.fiber.pollUnsafe()
      if (exit === undefined) return Effect.fail(new InvalidStateError("Exception is not set."))
      markRetrieved(this)
      const outcome = outcomeOf(exit)
      switch (outcome._tag) {
        case "Result":
          return Effect.succeed(undefined)
        case "Exception":
          return Effect.succeed(outcome.error)
        case "Cancelled":
          return Effect.fail(outcome.error)
      }
    })
  }

  addDoneCallback(cb: DoneCallback<A, E>): Effect.Effect<void> {
    if (typeof cb !== "function") {
      return Effect.die(
        new TypeError(`task.addDoneCallback: callback must be a function, got ${validate.show(cb)}`)
      )
    }
    return Effect.contextWith((context: Context.Context<never>) =>
      Effect.sync(() => {
        if (this.callbacks === undefined) {
          this.callbacks = []
          this.fiber.addObserver(() => this.runCallbacks())
        }
        this.callbacks.push({ cb, context })
        if (this.fiber.pollUnsafe() !== undefined) this.runCallbacks()
      })
    )
  }

  removeDoneCallback(cb: DoneCallback<A, E>): Effect.Effect<number> {
    return Effect.sync(() => {
      if (this.callbacks === undefined) return 0
      const before = this.callbacks.length
      this.callbacks = this.callbacks.filter((entry) => entry.cb !== cb)
      return before - this.callbacks.length
    })
  }

  /** Runs the registered callbacks once, each in its own fiber scheduled after the task finished. */
  private runCallbacks(): void {
    const callbacks = this.callbacks
    if (callbacks === undefined || callbacks.length === 0) return
    this.callbacks = []
    for (const { cb, context } of callbacks) {
      // A callback is not a task (Python's current_task() is None in a callback).
      Effect.runForkWith(Context.add(context, CurrentTask, undefined))(
        Effect.andThen(
          Effect.yieldNow,
          Effect.catchCause(
            validate.callEffect("task.addDoneCallback callback", () => cb(this)),
            (cause) => Effect.logError(`Exception in a done callback of ${this.name}`, cause)
          )
        )
      )
    }
  }

  /**
   * Python's `repr(task)`, without the coroutine: `<Task pending name='w'>`, `<Task cancelling name='w'>` (a cancel
   * was requested), `<Task finished name='w' result=42>`, `<Task finished name='w' exception=ValueError('bad')>`,
   * `<Task cancelled name='w'>`. Also what `console.log(task)` and `util.inspect` print.
   */
  override toString(): string {
    const name = `name=${pyRepr(this.name)}`
    const exit = this.fiber?.pollUnsafe()
    if (exit === undefined) return `<Task ${this.cancelRequests > 0 ? "cancelling" : "pending"} ${name}>`
    const outcome = outcomeOf(exit)
    switch (outcome._tag) {
      case "Result":
        return `<Task finished ${name} result=${pyRepr(outcome.value)}>`
      case "Exception":
        return `<Task finished ${name} exception=${errorRepr(outcome.error)}>`
      case "Cancelled":
        return `<Task cancelled ${name}>`
    }
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString()
  }
  override toJSON(): unknown {
    return { _id: "Task", name: this.name, done: this.fiber?.pollUnsafe() !== undefined }
  }
}

/** A value as Python's `repr` would show it, roughly: strings in single quotes, short forms for objects. */
const pyRepr = (u: unknown): string => {
  if (typeof u === "string") {
    const clipped = u.length > 60 ? `${u.slice(0, 59)}…` : u
    return `'${clipped.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`
  }
  if (typeof u === "bigint") return `${u}n`
  return u === null || typeof u !== "object" ? text(u) : validate.show(u)
}

/** `ValueError('bad')`: the error's Python name and its message, as Python's `repr` of an exception. */
const errorRepr = (error: unknown): string => {
  const described = describeError(error)
  const colon = described.indexOf(": ")
  return colon < 0 ? `${described}()` : `${described.slice(0, colon)}(${pyRepr(described.slice(colon + 2))})`
}

export const isTask = (u: unknown): u is TaskImpl<unknown, unknown> => u instanceof TaskImpl

/** The task behind an awaitable, keeping its types, or `undefined` for a plain effect. */
export const asTask = <A, E, R>(u: Effect.Effect<A, E, R>): TaskImpl<A, E> | undefined =>
  u instanceof TaskImpl ? (u as TaskImpl<A, E>) : undefined

// ---------------------------------------------------------------------------------------------------------
// Creating and awaiting
// ---------------------------------------------------------------------------------------------------------

/** The message asyncio gives for a bad `create_task` argument, adapted; a task is named (it is awaited, not run). */
export const notAnEffect = (what: string, u: unknown): TypeError =>
  isTask(u)
    ? new TypeError(
        `${what}: an Effect was expected, got ${
          u.toString().startsWith("<Future") ? `the future ${u.toString()}` : `the Task ${u.name}`
        }`
      )
    : validate.notAnEffect(what, u)

/**
 * Creates a task for `effect` under the current owner: the innermost loop scope (detached from the creating
 * fiber, cancelled when the loop ends) or, with no loop scope, the creating fiber (an ordinary child).
 * The task starts when the creating fiber next yields, like an asyncio task on the next loop iteration.
 * `detached` forks it with no parent fiber even without a loop scope (for `shield`).
 */
export const spawn = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  name: string | undefined,
  loop: LoopImpl | undefined,
  detached = false,
  group?: string,
  site?: hooks.Site,
  startImmediately = false,
  adopt?: (task: TaskImpl<unknown, unknown>) => void
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  if (hooks.observers.length !== 0) {
    return spawnObserved(effect, name, loop, detached, group, site, startImmediately, adopt)
  }
  const task = new TaskImpl<A, E>(name, loop ?? globalRegistry)
  return forkTask(task, asTaskBody(effect, task), loop, detached, startImmediately, adopt, undefined)
}

const immediate = { startImmediately: true } as const

/**
 * Forks `body` as `task`'s fiber — a child of the creating fiber, or detached when a loop scope (or `detached`)
 * owns it — then registers the task with its owner, lets `observed` report it, lets a group `adopt` it, and
 * cancels it at once if its loop scope is already shutting down.
 */
const forkTask = <A, E, R>(
  task: TaskImpl<A, E>,
  body: Effect.Effect<A, E, R>,
  loop: LoopImpl | undefined,
  detached: boolean,
  startImmediately: boolean,
  adopt: ((task: TaskImpl<unknown, unknown>) => void) | undefined,
  observed: ((fiber: Fiber.Fiber<A, E>) => void) | undefined
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  const options = startImmediately ? immediate : undefined
  const fork =
    loop === undefined && !detached ? Effect.forkChild(body, options) : Effect.forkDetach(body, options)
  return Effect.map(fork, (fiber) => {
    task.fiber = fiber
    task.owner.register(task as TaskImpl<unknown, unknown>)
    if (observed !== undefined) observed(fiber)
    if (adopt !== undefined) {
      // A group reports every child's outcome.
      task.retrieved = true
      adopt(task as TaskImpl<unknown, unknown>)
    }
    if (loop !== undefined && loop.state !== "open") {
      interruptTask(task, undefined, shutdownReason(loop))
    }
    return task
  })
}

/**
 * `effect` as the body of `task`: its first step records the task in the fiber's context (so `currentTask` and
 * fibers forked inside it see it). The fiber belongs to the task for its whole life, so the context is set
 * once and never restored — cheaper than `Effect.provideService`, which wraps the effect to restore it.
 */
const asTaskBody = <A, E, R>(effect: Effect.Effect<A, E, R>, task: TaskImpl<A, E>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    task.fiber = fiber as Fiber.Fiber<A, E>
    fiber.setContext(Context.add(fiber.context, CurrentTask, task as TaskImpl<unknown, unknown>))
    return effect
  })

/** {@link spawn} with the lifecycle reported to the installed observers (see `hooks.ts`). */
const spawnObserved = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  name: string | undefined,
  loop: LoopImpl | undefined,
  detached: boolean,
  group: string | undefined,
  site: hooks.Site | undefined,
  startImmediately: boolean,
  adopt: ((task: TaskImpl<unknown, unknown>) => void) | undefined
): Effect.Effect<TaskImpl<A, E>, never, R> =>
  Effect.withFiber((parent) => {
    const task = new TaskImpl<A, E>(name, loop ?? globalRegistry)
    const creation: hooks.Creation = {
      creator: parent.getRef(CurrentTask),
      owner: group ?? loop?.name ?? (detached ? "detached" : `fiber #${parent.id}`),
      group,
      loop: loop?.name,
      parent,
      site
    }
    const started = Effect.sync(() => hooks.emitStarted(task))
    const body = asTaskBody(hooks.instrument(task, Effect.andThen(started, effect), creation), task)
    return forkTask(task, body, loop, detached, startImmediately, adopt, (fiber) => {
      hooks.emitCreated(task, creation)
      fiber.addObserver((exit) => hooks.emitDone(task, exit))
    })
  })

export const shutdownReason = (loop: LoopImpl): CancelReason => ({
  kind: "shutdown",
  detail: `the loop scope ${loop.name} was shutting down`
})

/**
 * Records that `task`'s outcome was consumed (awaited, `result()`, `exception()`, a combinator or group that reports
 * it), for a loop's exception handler and for the observers (debug mode's "never retrieved").
 */
export const markRetrieved = <A, E>(task: TaskImpl<A, E>): void => {
  task.retrieved = true
  if (hooks.observers.length !== 0) hooks.emitRetrieved(task)
}

/** Awaits `task`; if the awaiting fiber is cancelled, cancels the task and waits for it (Python's forwarding). */
export const awaitTask = <A, E>(task: TaskImpl<A, E>): Effect.Effect<A, E> =>
  Effect.withFiber((current) => {
    const exit = task.fiber.pollUnsafe()
    if (exit !== undefined) {
      markRetrieved(task)
      return exit
    }
    const awaiter = current.getRef(CurrentTask)
    if (awaiter === (task as TaskImpl<unknown, unknown>)) {
      return Effect.die(new RuntimeError("Task cannot await on itself"))
    }
    // Its outcome goes to this awaiter: nobody is to be told it was never retrieved.
    task.retrieved = true
    const join = hooks.observers.length === 0 ? Fiber.join(task.fiber) : observedJoin(task, awaiter)
    return Effect.onExit(join, (exit) => {
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
      const cancelled = cancelAndAwait(task, current.id, reason)
      const waited =
        hooks.observers.length === 0 || awaiter === undefined
          ? cancelled
          : Effect.ensuring(
              Effect.andThen(
                Effect.sync(() => hooks.emitWaiting(awaiter, { _tag: "task", task })),
                cancelled
              ),
              Effect.sync(() => hooks.emitResumed(awaiter))
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

/** `Fiber.join` reported to the observers: the awaiter waits on the task, and the outcome is retrieved. */
const observedJoin = <A, E>(
  task: TaskImpl<A, E>,
  awaiter: TaskImpl<unknown, unknown> | undefined
): Effect.Effect<A, E> => {
  const join = Effect.onExit(Fiber.join(task.fiber), () =>
    Effect.sync(() => {
      if (task.fiber.pollUnsafe() !== undefined) hooks.emitRetrieved(task)
    })
  )
  if (awaiter === undefined) return join
  return Effect.ensuring(
    Effect.andThen(
      Effect.sync(() => hooks.emitWaiting(awaiter, { _tag: "task", task })),
      join
    ),
    Effect.sync(() => hooks.emitResumed(awaiter))
  )
}

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
  const eager = validate.boolean(call, eagerStart, "eagerStart", false)
  return Effect.withFiber((fiber) =>
    spawn(effect, checked, ownerLoop(call, fiber), false, undefined, site, eager)
  )
}

/**
 * Resolves an awaitable argument to a task: a task is used as it is (so the same task passed twice is one task,
 * as in asyncio); any other effect becomes a new task — an effect is a description that may be run any number
 * of times, so the same effect passed twice runs twice (docs/semantics.md, G3). `startImmediately` runs the
 * new task's first steps right away (used by `gather`, whose caller suspends at once).
 */
export const toTask = <A, E, R>(
  u: Effect.Effect<A, E, R>,
  loop: LoopImpl | undefined,
  startImmediately = false
): Effect.Effect<TaskImpl<A, E>, never, R> => {
  const task = asTask(u)
  if (task !== undefined) {
    // The combinator that asked for it reports its outcome.
    task.retrieved = true
    return Effect.succeed(task)
  }
  return Effect.map(spawn(u, undefined, loop, false, undefined, undefined, startImmediately), (task) => {
    task.retrieved = true
    return task
  })
}
