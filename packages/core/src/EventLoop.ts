/**
 * The running event loop: asyncio's `get_running_loop()` and the loop object's methods, for code that needs the
 * loop itself — starting work from a foreign callback (a Node `'data'` event, a `process.on` handler, a library's
 * callback), scheduling callbacks (`callSoon`, `callLater`, `callAt`), signal handlers, the exception handler,
 * futures, `runForever`/`stop`.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 * import { EventEmitter } from "node:events"
 *
 * const handle = (chunk: string) => Effect.log(`handling ${chunk}`)
 *
 * const serve = (emitter: EventEmitter) =>
 *   Effect.gen(function*() {
 *     const loop = yield* asyncio.getRunningLoop()
 *     emitter.on("data", (chunk: string) => loop.createTask(handle(chunk))) // from any callback
 *   })
 * ```
 *
 * **The loop is a loop scope.** In asyncio every task belongs to the running loop; here to the innermost loop scope
 * (`run`, `Loop.scoped`, `Loop.layer`). {@link getRunningLoop} returns a handle on it, found in the calling fiber's
 * context; outside any loop scope it is a `RuntimeError` ("no running event loop"), as in Python.
 *
 * **Methods are plain synchronous calls**, safe from any callback — not effects: `loop.createTask(effect)` returns
 * the task at once. They are the only place in the library where that holds (everything else returns an `Effect`),
 * because their point is to be called from code that runs outside any fiber. A callback given to the loop
 * (`callSoon`, `callLater`, `callAt`) runs outside any task (`currentTask()` is `undefined`); if it returns an
 * `Effect`, that effect is run at once in a fiber of its own — so `loop.callSoon(() => event.set())` works.
 *
 * **Services.** A handle carries the context of the fiber that called `getRunningLoop` (its services, `Clock`,
 * logger): tasks it creates and effects its callbacks return run with them. `getRunningLoop<Db>()` types them.
 *
 * **What each loop scope can do.** Every handle can create tasks and futures, schedule callbacks and use the
 * exception handler. Signal handlers need a source of process signals: `run` (in `@effect-asyncio/node`) gives
 * Node's; `Loop.scoped`/`Loop.layer` take one as the `signals` option, and without one `addSignalHandler` is a
 * `RuntimeError`. A loop scope opened inside another one (a server's) shares the outer one's exception handler,
 * signals and `runForever`, since asyncio has one loop per thread.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { Defect, RuntimeError, TypeError, ValueError } from "./Errors.ts"
import { type Future, makeIn as makeFutureIn } from "./Future.ts"
import { consume } from "./internal/await.ts"
import {
  type Callback,
  checkCallback,
  closedError,
  delayMillis,
  HandleImpl,
  handleContext,
  queueOf,
  TimerHandleImpl,
  whenMillis
} from "./internal/eventLoop.ts"
import * as hooks from "./internal/hooks.ts"
import {
  handlerOf,
  hiddenTasks,
  callExceptionHandler as loopCallExceptionHandler,
  defaultExceptionHandler as loopDefaultExceptionHandler,
  onClose,
  rootOf,
  setHandler,
  signalsOf
} from "./internal/loopState.ts"
import { captureSite } from "./internal/observe.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { CurrentLoop, CurrentTask, type LoopImpl } from "./internal/owner.ts"
import { createTaskAt } from "./internal/spawn.ts"
import type { TaskImpl } from "./internal/task.ts"
import * as validate from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"
import type { CreateTaskOptions, Task } from "./Task.ts"

/**
 * A callback scheduled with `callSoon`. asyncio's `asyncio.Handle`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Handle {
  readonly _tag: "Handle" | "TimerHandle"
  /** Cancels the callback if it has not run yet (a no-op otherwise, but `cancelled()` becomes `true`, as in asyncio). */
  cancel(): void
  /** Whether `cancel()` was called. */
  cancelled(): boolean
  /** `<Handle tick(1)>`, `<Handle cancelled>`: Python's `repr(handle)`. */
  toString(): string
}

/**
 * A callback scheduled with `callLater`/`callAt`. asyncio's `asyncio.TimerHandle`.
 *
 * @category models
 * @since 0.1.0
 */
export interface TimerHandle extends Handle {
  readonly _tag: "TimerHandle"
  /** When it is due, in seconds on the loop's clock (`loop.time()`). */
  when(): number
}

/**
 * What an exception handler receives: asyncio's context dictionary. `message` says what happened; the other keys
 * depend on it:
 *
 * - `"Exception in callback <handle>"`: a callback (`callSoon`, `callLater`, `callAt`, a signal handler) threw, or
 *   the Effect it returned failed — `exception`, `handle`;
 * - `"Task exception was never retrieved"` / `"Future exception was never retrieved"`: a task or future of the loop
 *   ended with an error nobody awaited or read — `exception` (a `Defect` for a defect, as `task.exception()` gives),
 *   `future` (the task or future, as in asyncio);
 * - `"unhandled exception during loop shutdown"`: a task left when the loop scope ended raised while being
 *   cancelled — `exception`, `task`;
 * - anything a program passes to `callExceptionHandler`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ExceptionContext {
  readonly message?: string | undefined
  readonly exception?: unknown
  readonly task?: Task<unknown, unknown> | undefined
  readonly future?: Task<unknown, unknown> | undefined
  readonly handle?: Handle | undefined
  readonly [key: string]: unknown
}

/**
 * A loop's exception handler: called with the loop and the context, asyncio's `handler(loop, context)`. It may
 * return an Effect, which is run at once (with the services of the handle that installed it). A handler that throws,
 * or whose Effect fails, is reported by the default handler ("Unhandled error in exception handler").
 *
 * @category models
 * @since 0.1.0
 */
export type ExceptionHandler = (loop: Loop, context: ExceptionContext) => unknown

/**
 * A handle on the running loop scope, for code that runs outside any fiber. asyncio's event loop object. Every method
 * is a plain synchronous call; see the module documentation.
 *
 * @category models
 * @since 0.1.0
 */
export interface Loop<R = never> {
  /** The loop scope's name (`loop-<n>`, or the `name` option of `Loop.scoped`/`Loop.layer`). */
  readonly name: string
  /**
   * The loop's clock in seconds: the `Clock` of the handle's context (virtual under `TestClock`), the time base of
   * `callAt`, `Timeout.time` and `timeoutAt`. Python's `loop.time()`.
   */
  time(): number
  /**
   * Starts `effect` as a new task owned by this loop scope and returns it at once. Python's `loop.create_task(coro,
   * name=…)`; `eagerStart` is Python 3.14's. A `RuntimeError` once the loop scope has closed.
   */
  createTask<A, E = never>(effect: Effect.Effect<A, E, R>, options?: CreateTaskOptions): Task<A, E>
  /**
   * Schedules `callback(...args)` to run soon — in a later scheduler turn, after the callbacks scheduled before it.
   * Python's `loop.call_soon(callback, *args)` (and `call_soon_threadsafe`: every method is safe from any callback of
   * this thread).
   */
  callSoon<Args extends ReadonlyArray<unknown>>(callback: (...args: Args) => unknown, ...args: Args): Handle
  /**
   * Schedules `callback(...args)` after `delay` seconds (or an Effect duration). A negative number is a deadline in
   * the past (it runs soon, in deadline order). Python's `loop.call_later(delay, callback, *args)`.
   */
  callLater<Args extends ReadonlyArray<unknown>>(
    delay: Seconds,
    callback: (...args: Args) => unknown,
    ...args: Args
  ): TimerHandle
  /** Schedules `callback(...args)` at `when` seconds on `loop.time()`. Python's `loop.call_at(when, callback, *args)`. */
  callAt<Args extends ReadonlyArray<unknown>>(
    when: number,
    callback: (...args: Args) => unknown,
    ...args: Args
  ): TimerHandle
  /**
   * Runs `effect` as a task of this loop scope and returns a `Promise` of its result, for code outside any fiber
   * (`async` functions, promise callbacks). The promise rejects with the task's typed error, its defect, or a
   * `CancelledError` if it was cancelled. Python's `asyncio.run_coroutine_threadsafe(coro, loop)`, whose
   * `concurrent.futures.Future` is a `Promise` here; there are no other threads sharing this loop (a worker thread
   * has its own).
   */
  runCoroutineThreadsafe<A, E = never>(
    effect: Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Promise<A>
  /**
   * Installs the loop's exception handler (`null`/`undefined`: back to the default). Python's
   * `loop.set_exception_handler(handler)`. It receives, at these points (asyncio's are the same, except the second,
   * which asyncio reaches at garbage collection):
   *
   * 1. a callback that throws (or whose returned Effect fails): when it does;
   * 2. a task (or future) of the loop that ended with an error nobody retrieved: **one loop iteration after it
   *    ended, once its done callbacks have run**, unless by then something has awaited it or read its outcome
   *    (`yield* task`, `result()`, `exception()`, `gather`, `asCompleted`, `wait`, `waitFor`, `shield`, a task group,
   *    a `runCoroutineThreadsafe` promise). So a service notices a crashed consumer task at once. A task awaited
   *    only later is reported too — asyncio would not report it, since it is still referenced — and awaiting it still
   *    raises its error. Without a handler installed these are not reported (debug mode reports the ones never
   *    retrieved when its session ends, docs/observability.md);
   * 3. an error raised by a task cancelled at the loop scope's shutdown: in place of `onShutdownError`'s report.
   *
   * The handler is the outermost loop scope's (one per program, as asyncio's one loop per thread).
   */
  setExceptionHandler(handler: ExceptionHandler | null | undefined): void
  /** The installed exception handler, or `undefined` for the default. Python's `loop.get_exception_handler()`. */
  getExceptionHandler(): ExceptionHandler | undefined
  /**
   * Calls the installed exception handler — or the default one — with `context`, as the loop does. Python's
   * `loop.call_exception_handler(context)`.
   */
  callExceptionHandler(context: ExceptionContext): void
  /**
   * The default handler: logs (`Effect.logError`, with the handle's logger) the message — "Unhandled exception in
   * event loop" when there is none —, a `key: value` line for each other key, and the exception as the cause.
   * Python's `loop.default_exception_handler(context)`; a custom handler may call it.
   */
  defaultExceptionHandler(context: ExceptionContext): void
  /**
   * Runs `callback(...args)` — as a loop callback, soon after — each time the process receives `signal`
   * (`"SIGTERM"`), replacing the handler this loop had for it. While it is installed, `run`'s own handling of that
   * signal (cancel main, exit 130/143) is off. Python's `loop.add_signal_handler(sig, callback, *args)`.
   *
   * Needs a signal source (`run` gives Node's; `Loop.scoped`'s `signals` option): without one, a `RuntimeError`.
   * A signal name that is not a string is a `TypeError`, an unknown one a `ValueError`, one that cannot be caught
   * (`SIGKILL`, `SIGSTOP`) a `RuntimeError`, as in Python. Handlers are removed when the loop scope closes.
   */
  addSignalHandler<Args extends ReadonlyArray<unknown>>(
    signal: string,
    callback: (...args: Args) => unknown,
    ...args: Args
  ): void
  /**
   * Removes the handler of `signal`; `true` if there was one. `run`'s own handling of it is back. Python's
   * `loop.remove_signal_handler(sig)`.
   */
  removeSignalHandler(signal: string): boolean
  /**
   * Waits until {@link Loop.stop} is called: Python's `loop.run_forever()`, for programs built around it. While it
   * waits, the task running it is not listed by `allTasks()` — Python's `run_forever` runs no task — so a shutdown
   * routine that cancels "every task but the current one" and then calls `loop.stop()` does not cancel it. If
   * `stop()` was called while nothing waited, it returns after one scheduler turn (Python runs one iteration). One
   * `runForever` at a time per loop (a second one is a `RuntimeError`, "This event loop is already running").
   * Cancelling the task that runs it cancels the wait.
   */
  runForever(): Effect.Effect<void>
  /**
   * Makes `runForever()` return (on the next scheduler turn, after the current callback). Python's `loop.stop()`.
   */
  stop(): void
  /**
   * A pending future of this loop scope: an exception set on it that nobody retrieves goes to the loop's exception
   * handler. Python's `loop.create_future()`; see `Future.make`.
   */
  createFuture<A, E = never>(): Future<A, E>
  /** `true` until the loop scope has closed (a running loop scope is always running). Python's `is_running()`. */
  isRunning(): boolean
  /** Whether the loop scope has shut down. Python's `is_closed()`. */
  isClosed(): boolean
}

/** The implementation of {@link Loop}: the loop scope plus the context of the fiber that asked for it. */
class LoopHandle<R> implements Loop<R> {
  readonly loop: LoopImpl
  readonly context: Context.Context<never>

  constructor(loop: LoopImpl, context: Context.Context<never>) {
    this.loop = loop
    this.context = context
  }

  get name(): string {
    return this.loop.name
  }

  time(): number {
    return Context.get(this.context, Clock.Clock).currentTimeMillisUnsafe() / 1000
  }

  createTask<A, E = never>(effect: Effect.Effect<A, E, R>, options?: CreateTaskOptions): Task<A, E> {
    const site = hooks.observers.length !== 0 ? captureSite(this.createTask) : undefined
    return this.spawn("loop.createTask", effect, options, site)
  }

  private spawn<A, E>(
    call: string,
    effect: Effect.Effect<A, E, R>,
    options: CreateTaskOptions | undefined,
    site: hooks.Site | undefined
  ): TaskImpl<A, E> {
    if (this.loop.state === "closed") throw closedError(call, this.loop)
    const checked = validate.options(call, options, createTaskKeys)
    const spawn = createTaskAt(call, effect, checked.name, site, checked.eagerStart)
    // The spawn itself is synchronous: run it now, in a fiber with the handle's context.
    const fiber = Effect.runForkWith(this.context)(spawn as Effect.Effect<TaskImpl<A, E>>)
    const exit = fiber.pollUnsafe()
    if (exit === undefined)
      throw new RuntimeError(`${call}: the task could not be created in ${this.loop.name}`)
    if (exit._tag === "Failure") throw Cause.squash(exit.cause)
    return exit.value
  }

  callSoon<Args extends ReadonlyArray<unknown>>(callback: (...args: Args) => unknown, ...args: Args): Handle {
    const checked = checkCallback("loop.callSoon", callback)
    const queue = queueOf(this.loop)
    const handle = new HandleImpl(queue, checked, args, this.context)
    queue.schedule(handle, "loop.callSoon")
    return handle
  }

  callLater<Args extends ReadonlyArray<unknown>>(
    delay: Seconds,
    callback: (...args: Args) => unknown,
    ...args: Args
  ): TimerHandle {
    const ms = delayMillis("loop.callLater", delay)
    return this.schedule("loop.callLater", this.time() * 1000 + ms, callback, args)
  }

  callAt<Args extends ReadonlyArray<unknown>>(
    when: number,
    callback: (...args: Args) => unknown,
    ...args: Args
  ): TimerHandle {
    return this.schedule("loop.callAt", whenMillis("loop.callAt", when), callback, args)
  }

  private schedule(
    call: string,
    whenMs: number,
    callback: unknown,
    args: ReadonlyArray<unknown>
  ): TimerHandle {
    const checked: Callback = checkCallback(call, callback)
    const queue = queueOf(this.loop)
    const handle = new TimerHandleImpl(queue, whenMs, checked, args, this.context)
    queue.schedule(handle, call)
    return handle
  }

  runCoroutineThreadsafe<A, E = never>(
    effect: Effect.Effect<A, E, R>,
    options?: CreateTaskOptions
  ): Promise<A> {
    const task = this.spawn("loop.runCoroutineThreadsafe", effect, options, undefined)
    return new Promise<A>((resolve, reject) => {
      task.fiber.addObserver((exit) => {
        // The promise hands the outcome over: nobody is to be told it was never retrieved.
        const outcome = outcomeOf(consume(task, exit))
        if (outcome._tag === "Result") resolve(outcome.value)
        else if (outcome._tag === "Cancelled") reject(outcome.error)
        else reject(outcome.error instanceof Defect ? outcome.error.defect : outcome.error)
      })
    })
  }

  runForever(): Effect.Effect<void> {
    return Effect.withFiber((fiber) => {
      const state = foreverOf(this.loop)
      if (state.waiting !== undefined) {
        return Effect.die(
          new RuntimeError(
            `loop.runForever: ${this.loop.name} is already running forever (Python: "This event loop is already running")`
          )
        )
      }
      if (state.stopping) {
        state.stopping = false
        return Effect.yieldNow
      }
      const task = fiber.getRef(CurrentTask)
      const forget = (): void => {
        state.waiting = undefined
        if (task !== undefined) hiddenTasks.delete(task)
      }
      return Effect.ensuring(
        Effect.callback<void>((resume) => {
          // Resumed through a yield: the code after runForever() runs in a later turn, not inside stop().
          state.waiting = () => resume(Effect.yieldNow)
          if (task !== undefined) hiddenTasks.add(task)
        }),
        Effect.sync(forget)
      )
    })
  }

  setExceptionHandler(handler: ExceptionHandler | null | undefined): void {
    if (handler === null || handler === undefined) {
      setHandler(this.loop, undefined)
      return
    }
    if (typeof handler !== "function") {
      throw new TypeError(
        `loop.setExceptionHandler: handler must be a function (loop, context) or null, got ${validate.show(handler)}`
      )
    }
    const context = this.context
    setHandler(this.loop, {
      user: handler,
      call: (exceptionContext) => {
        const result: unknown = handler(this, exceptionContext)
        if (!Effect.isEffect(result)) return
        const fiber = Effect.runForkWith(context)(result as Effect.Effect<unknown, unknown>)
        const report = (exit: Exit.Exit<unknown, unknown>): void => {
          if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) return
          loopDefaultExceptionHandler(
            {
              message: "Unhandled error in exception handler",
              exception: Cause.squash(exit.cause),
              context: exceptionContext
            },
            context
          )
        }
        const exit = fiber.pollUnsafe()
        if (exit !== undefined) report(exit)
        else fiber.addObserver(report)
      }
    })
  }

  getExceptionHandler(): ExceptionHandler | undefined {
    const installed = handlerOf(this.loop)
    return installed === undefined ? undefined : (installed.user as ExceptionHandler)
  }

  callExceptionHandler(context: ExceptionContext): void {
    checkContext("loop.callExceptionHandler", context)
    loopCallExceptionHandler(this.loop, context, this.context)
  }

  defaultExceptionHandler(context: ExceptionContext): void {
    checkContext("loop.defaultExceptionHandler", context)
    loopDefaultExceptionHandler(context, this.context)
  }

  addSignalHandler<Args extends ReadonlyArray<unknown>>(
    signal: string,
    callback: (...args: Args) => unknown,
    ...args: Args
  ): void {
    const call = "loop.addSignalHandler"
    checkSignal(call, signal)
    const checked = checkCallback(call, callback)
    if (this.loop.state === "closed") throw closedError(call, this.loop)
    const source = signalsOf(this.loop)
    if (source === undefined) {
      throw new RuntimeError(
        `${call}: the loop scope ${this.loop.name} has no signal source (run() in @effect-asyncio/node gives Node's; ` +
          "Loop.scoped and Loop.layer take one as the signals option)"
      )
    }
    // Run as callbacks of the outermost loop scope: signal handlers belong to the loop, not to an inner owner.
    const root = rootOf(this.loop)
    const queue = queueOf(root)
    const context = this.context
    const listener = (): void => {
      if (queue.closed) return
      queue.schedule(new HandleImpl(queue, checked, args, context), call)
    }
    let unsubscribe: () => void
    try {
      unsubscribe = source(signal, listener)
    } catch (error) {
      throw prefixed(call, error)
    }
    const handlers = signalHandlersOf(root)
    handlers.get(signal)?.()
    handlers.set(signal, unsubscribe)
  }

  removeSignalHandler(signal: string): boolean {
    checkSignal("loop.removeSignalHandler", signal)
    const handlers = signalHandlersOf(rootOf(this.loop))
    const unsubscribe = handlers.get(signal)
    if (unsubscribe === undefined) return false
    handlers.delete(signal)
    unsubscribe()
    return true
  }

  stop(): void {
    const state = foreverOf(this.loop)
    const waiting = state.waiting
    if (waiting === undefined) {
      state.stopping = true
      return
    }
    state.waiting = undefined
    waiting()
  }

  createFuture<A, E = never>(): Future<A, E> {
    if (this.loop.state === "closed") throw closedError("loop.createFuture", this.loop)
    return makeFutureIn<A, E>(this.context)
  }

  isRunning(): boolean {
    return this.loop.state !== "closed"
  }

  isClosed(): boolean {
    return this.loop.state === "closed"
  }

  toString(): string {
    return `<Loop ${this.loop.name} ${this.loop.state === "closed" ? "closed" : "running"}>`
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString()
  }
}

const createTaskKeys = ["name", "eagerStart"]

/** An exception context must be an object (its `message`, when present, a string). */
const checkContext = (call: string, context: unknown): void => {
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw new TypeError(
      `${call}: context must be an object ({ message, exception, … }), got ${validate.show(context)}`
    )
  }
  const message: unknown = Reflect.get(context, "message")
  if (message !== undefined && typeof message !== "string") {
    throw new TypeError(`${call}: context.message must be a string, got ${validate.show(message)}`)
  }
}

/** A signal is named as Node names it (`"SIGTERM"`); Python's numbers are not accepted. */
const checkSignal = (call: string, signal: unknown): void => {
  if (typeof signal !== "string") {
    throw new TypeError(
      `${call}: signal must be a signal name such as "SIGTERM", got ${validate.show(signal)}${
        typeof signal === "number" ? ' (Node names signals; signal.SIGTERM is "SIGTERM")' : ""
      }`
    )
  }
  if (!/^SIG[A-Z0-9]+$/.test(signal)) {
    throw new ValueError(
      `${call}: invalid signal ${validate.show(signal)} (Node's names: "SIGINT", "SIGTERM", …)`
    )
  }
}

/** A library error thrown by a signal source, with the call in front of its message. */
const prefixed = (call: string, error: unknown): unknown =>
  error instanceof TypeError
    ? new TypeError(`${call}: ${error.message}`)
    : error instanceof ValueError
      ? new ValueError(`${call}: ${error.message}`)
      : error instanceof RuntimeError
        ? new RuntimeError(`${call}: ${error.message}`)
        : error

/** The installed signal handlers of a root loop scope: signal → unsubscribe. Removed when it closes. */
const signalHandlers = new WeakMap<LoopImpl, Map<string, () => void>>()

const signalHandlersOf = (root: LoopImpl): Map<string, () => void> => {
  let handlers = signalHandlers.get(root)
  if (handlers === undefined) {
    const made = new Map<string, () => void>()
    handlers = made
    signalHandlers.set(root, made)
    onClose(
      root,
      Effect.sync(() => {
        for (const unsubscribe of made.values()) unsubscribe()
        made.clear()
      })
    )
  }
  return handlers
}

/** `runForever`/`stop` of a loop scope's root: who waits, and whether `stop()` came first. */
interface Forever {
  waiting: (() => void) | undefined
  stopping: boolean
}

const forevers = new WeakMap<LoopImpl, Forever>()

const foreverOf = (loop: LoopImpl): Forever => {
  const root = rootOf(loop)
  let state = forevers.get(root)
  if (state === undefined) {
    state = { waiting: undefined, stopping: false }
    forevers.set(root, state)
  }
  return state
}

/**
 * The running loop scope, as a {@link Loop} handle carrying the services of the calling fiber (`R`). A defect carrying
 * `RuntimeError` outside any loop scope ("no running event loop") or in one that has closed. asyncio's
 * `asyncio.get_running_loop()`.
 *
 * **Example** (Starting tasks from a Node callback)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 * import { EventEmitter } from "node:events"
 *
 * const handle = (line: string) => Effect.log(`got ${line}`)
 *
 * const program = Effect.gen(function*() {
 *   const loop = yield* asyncio.getRunningLoop()
 *   const input = new EventEmitter()
 *   input.on("line", (line: string) => loop.createTask(handle(line)))
 *   loop.callLater(0.5, () => input.emit("line", "hello"))
 *   yield* asyncio.sleep(1)
 * })
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const getRunningLoop = <R = never>(): Effect.Effect<Loop<R>, never, R> =>
  Effect.withFiber<Loop<R>, never, R>((fiber) => {
    const loop = fiber.getRef(CurrentLoop)
    if (loop === undefined) {
      return Effect.die(
        new RuntimeError(
          "getRunningLoop: no running event loop (run the program with run(), Loop.scoped or Loop.layer)"
        )
      )
    }
    if (loop.state === "closed") return Effect.die(closedError("getRunningLoop", loop))
    return Effect.succeed(new LoopHandle<R>(loop, handleContext(fiber.context)))
  })

/**
 * {@link getRunningLoop}, under Python's other name. In Python 3.12+ `get_event_loop()` inside a coroutine returns the
 * running loop, and without one raises `RuntimeError` (3.14) — here, too: there is no loop to make or set outside a
 * loop scope (use `run` or `Loop.scoped`).
 *
 * @category getters
 * @since 0.1.0
 */
export const getEventLoop: <R = never>() => Effect.Effect<Loop<R>, never, R> = getRunningLoop

/**
 * `loop.callSoon(callback, ...args)` on the running loop, as an effect. Python's
 * `asyncio.get_running_loop().call_soon(callback, *args)`.
 *
 * @category scheduling
 * @since 0.1.0
 */
export const callSoon = <Args extends ReadonlyArray<unknown>>(
  callback: (...args: Args) => unknown,
  ...args: Args
): Effect.Effect<Handle> =>
  validate.atCall(() => {
    checkCallback("callSoon", callback)
    return Effect.map(getRunningLoop(), (loop) => loop.callSoon(callback, ...args))
  })

/**
 * `loop.callLater(delay, callback, ...args)` on the running loop, as an effect. Python's
 * `asyncio.get_running_loop().call_later(delay, callback, *args)`.
 *
 * **Example** (A timer that reschedules itself)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const loop = yield* asyncio.getRunningLoop()
 *   const ticks: Array<number> = []
 *   const tick = (n: number): void => {
 *     ticks.push(n)
 *     if (n < 3) loop.callLater(1, tick, n + 1) // a callback schedules through the handle
 *   }
 *   yield* asyncio.callLater(1, tick, 1)
 *   yield* asyncio.sleep(3.5) // ticks: [1, 2, 3]
 * })
 * ```
 *
 * @category scheduling
 * @since 0.1.0
 */
export const callLater = <Args extends ReadonlyArray<unknown>>(
  delay: Seconds,
  callback: (...args: Args) => unknown,
  ...args: Args
): Effect.Effect<TimerHandle> =>
  validate.atCall(() => {
    delayMillis("callLater", delay)
    checkCallback("callLater", callback)
    return Effect.map(getRunningLoop(), (loop) => loop.callLater(delay, callback, ...args))
  })

/**
 * `loop.callAt(when, callback, ...args)` on the running loop, as an effect. Python's
 * `asyncio.get_running_loop().call_at(when, callback, *args)`.
 *
 * @category scheduling
 * @since 0.1.0
 */
export const callAt = <Args extends ReadonlyArray<unknown>>(
  when: number,
  callback: (...args: Args) => unknown,
  ...args: Args
): Effect.Effect<TimerHandle> =>
  validate.atCall(() => {
    whenMillis("callAt", when)
    checkCallback("callAt", callback)
    return Effect.map(getRunningLoop(), (loop) => loop.callAt(when, callback, ...args))
  })
