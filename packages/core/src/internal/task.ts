/**
 * The task object: one fiber, a name, and asyncio's task methods (`cancel`, `cancelling`, `done`, `result`,
 * `exception`, done callbacks, Python's `repr`). Awaiting it is `await.ts`'s, creating it `spawn.ts`'s.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import {
  type CancelledError,
  type CancelReason,
  type Defect,
  InvalidStateError,
  TypeError
} from "../Errors.ts"
import { awaitTask, consume, markRetrieved } from "./await.ts"
import { errorRepr, pyRepr } from "./format.ts"
import { exceptionOf, outcomeOf } from "./outcome.ts"
import { CurrentTask, type Owner } from "./owner.ts"
import { exitWithReason, interruptTask } from "./reason.ts"
import * as validate from "./validate.ts"

let taskCounter = 0

export const TaskTypeId = "~effect-asyncio/Task" as const

export type DoneCallback<A, E> = (task: TaskImpl<A, E>) => Effect.Effect<void>

/**
 * A task: one fiber, a name, and asyncio's task methods. It is an `Effect`: running it (`yield* task`) awaits
 * the task, and if the awaiting fiber is cancelled meanwhile the task is cancelled too and awaited (Python's
 * cancellation forwarding through `await task`).
 */
export class TaskImpl<A, E> extends Effectable.Class<A, E> {
  // Constants, on the prototype (below) rather than in each of what may be a million tasks: 16 B each (issue 16).
  declare readonly [TaskTypeId]: typeof TaskTypeId
  declare readonly _tag: "Task"
  declare fiber: Fiber.Fiber<A, E>
  private _name: string | undefined
  private readonly _number: number
  cancelRequests = 0
  /**
   * Whether the task's outcome was handed over to somebody (set by `markRetrieved`, `await.ts`), so a loop's
   * exception handler is not told that its exception was never retrieved.
   */
  retrieved = false
  /** The reason of the cancellation requested through this library, if any (an interrupt is final). */
  pendingReason: CancelReason | undefined = undefined
  private callbacks:
    | Array<{ readonly cb: DoneCallback<A, E>; readonly context: Context.Context<never> }>
    | undefined

  /** Who owns the task (see {@link Owner}). */
  readonly owner: Owner
  /** @internal links of the owner's registry of live tasks (`owner.ts`), while the task is not done */
  liveNext: TaskImpl<unknown, unknown> | undefined = undefined
  /** @internal */
  livePrev: TaskImpl<unknown, unknown> | undefined = undefined

  /** `numbered: false` (a `Future`): no number of the `Task-<n>` sequence is used up. */
  constructor(name: string | undefined, owner: Owner, numbered = true) {
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
    // Run when the task is awaited (each `yield* task`): a done task hands over its exit at once, as
    // `Fiber.join` does, without the step `awaitTask` takes to read the awaiting fiber.
    const exit = this.fiber.pollUnsafe()
    return exit === undefined ? awaitTask(this) : consume(this, exit)
  }

  /** The exit if done (a cancellation through this library carrying its reason). */
  poll(): Exit.Exit<A, E> | undefined {
    const exit = this.fiber.pollUnsafe()
    return exit === undefined ? undefined : exitWithReason(this, exit)
  }

  cancel(message?: unknown): Effect.Effect<boolean> {
    if (message === null) message = undefined // Python's cancel(None) is cancel()
    return Effect.withFiber((current) => {
      if (this.fiber.pollUnsafe() !== undefined) {
        // Python's `cancel()` of a done task clears its "exception was never retrieved" flag.
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
      const outcome = outcomeOf(consume(this, exit))
      if (outcome._tag === "Cancelled") return Effect.fail(outcome.error)
      return exit
    })
  }

  exception(): Effect.Effect<E | Defect | undefined, CancelledError | InvalidStateError> {
    return Effect.suspend((): Effect.Effect<E | Defect | undefined, CancelledError | InvalidStateError> => {
      const exit = this.fiber.pollUnsafe()
      if (exit === undefined) return Effect.fail(new InvalidStateError("Exception is not set."))
      const outcome = outcomeOf(consume(this, exit))
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
    const exit = this.fiber === undefined ? undefined : this.poll()
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

Object.defineProperties(TaskImpl.prototype, {
  [TaskTypeId]: { value: TaskTypeId },
  _tag: { value: "Task" }
})

export const isTask = (u: unknown): u is TaskImpl<unknown, unknown> => u instanceof TaskImpl

/** The task behind an awaitable, keeping its types, or `undefined` for a plain effect. */
export const asTask = <A, E, R>(u: Effect.Effect<A, E, R>): TaskImpl<A, E> | undefined =>
  u instanceof TaskImpl ? (u as TaskImpl<A, E>) : undefined

/** The message asyncio gives for a bad `create_task` argument, adapted; a task is named (it is awaited, not run). */
export const notAnEffect = (what: string, u: unknown): TypeError =>
  isTask(u)
    ? new TypeError(
        `${what}: an Effect was expected, got ${
          u.toString().startsWith("<Future") ? `the future ${u.toString()}` : `the Task ${u.name}`
        }`
      )
    : validate.notAnEffect(what, u)
