/**
 * The machinery behind `EventLoop.ts`: callback handles, the per-loop-scope callback queue that runs them (asyncio's
 * ready queue and timer heap, driven by one fiber), and the loop handle whose methods are plain synchronous calls.
 *
 * **The callback queue** keeps asyncio's order: `callSoon` callbacks run in the order they were scheduled, in a
 * later scheduler turn than the call; timers fire in the order of their deadline (creation order among equal
 * deadlines), all those due at one instant in the same turn, before the callbacks scheduled meanwhile. One fiber
 * (the *driver*) runs them: it sleeps until the next deadline on the loop's `Clock` (virtual under `TestClock`), and
 * is restarted when something is scheduled before that. A callback runs outside any task; an exception it throws
 * goes to the loop's exception handler ("Exception in callback …"), as in asyncio. A callback that returns an Effect
 * has it run at once in a fiber of its own (not a task), with the services of the handle that scheduled it; its
 * failure is reported the same way. When the loop scope has shut down, pending callbacks are dropped (asyncio's
 * closed loop never runs them), running effects are interrupted, and scheduling is a `RuntimeError`.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { RuntimeError, TypeError } from "../Errors.ts"
import type { Seconds } from "../Sleep.ts"
import { text } from "./format.ts"
import { callExceptionHandler, onClose } from "./loopState.ts"
import { CurrentTask, type LoopImpl } from "./owner.ts"
import { Heap } from "./queueStore.ts"
import * as validate from "./validate.ts"

/** A callback as the loop methods take it: any function; an Effect it returns is run. */
export type Callback = (...args: ReadonlyArray<never>) => unknown

const nameOf = (callback: Callback): string => callback.name || "(anonymous)"

/** A scheduled callback: asyncio's `Handle`. */
export class HandleImpl {
  readonly _tag: "Handle" | "TimerHandle" = "Handle"
  private _cancelled = false
  private readonly callback: Callback
  private readonly args: ReadonlyArray<unknown>
  /** The context of the loop handle that scheduled it: services for an Effect the callback returns. */
  readonly context: Context.Context<never>
  readonly queue: CallbackQueue

  constructor(
    queue: CallbackQueue,
    callback: Callback,
    args: ReadonlyArray<unknown>,
    context: Context.Context<never>
  ) {
    this.queue = queue
    this.callback = callback
    this.args = args
    this.context = context
  }

  /** Python's `handle.cancel()`: a callback that has not run yet never will. Idempotent. */
  cancel(): void {
    this._cancelled = true
  }

  /** Python's `handle.cancelled()`: whether `cancel()` was called (also after the callback ran, as in asyncio). */
  cancelled(): boolean {
    return this._cancelled
  }

  /** Runs the callback now (the driver calls it). */
  run(): void {
    if (this._cancelled) return
    let result: unknown
    try {
      result = Reflect.apply(this.callback, undefined, this.args)
    } catch (error) {
      this.report(error)
      return
    }
    if (Effect.isEffect(result)) this.queue.runEffect(this, result)
  }

  /** asyncio's report of a failing callback: `{ message: "Exception in callback …", exception, handle }`. */
  report(exception: unknown): void {
    callExceptionHandler(
      this.queue.loop,
      { message: `Exception in callback ${this.describe()}`, exception, handle: this },
      this.context
    )
  }

  /** `name(args)`, as asyncio's handle repr shows the callback. */
  describe(): string {
    return `${nameOf(this.callback)}(${this.args.map((arg) => validate.show(arg)).join(", ")})`
  }

  /** Python's `repr(handle)`: `<Handle tick()>`, `<Handle cancelled>`. */
  toString(): string {
    return this._cancelled ? "<Handle cancelled>" : `<Handle ${this.describe()}>`
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString()
  }
}

/** A callback scheduled for a time: asyncio's `TimerHandle`. */
export class TimerHandleImpl extends HandleImpl {
  override readonly _tag = "TimerHandle"
  /** When it is due, in milliseconds on the loop's clock (`Infinity`: never). */
  readonly whenMs: number

  constructor(
    queue: CallbackQueue,
    whenMs: number,
    callback: Callback,
    args: ReadonlyArray<unknown>,
    context: Context.Context<never>
  ) {
    super(queue, callback, args, context)
    this.whenMs = whenMs
  }

  /** Python's `timer.when()`: the time it is due, in seconds on the loop's clock (`loop.time()`). */
  when(): number {
    return this.whenMs / 1000
  }

  override toString(): string {
    const when = `when=${text(this.when())}`
    return this.cancelled() ? `<TimerHandle cancelled ${when}>` : `<TimerHandle ${when} ${this.describe()}>`
  }
}

const byDeadline = (a: TimerHandleImpl, b: TimerHandleImpl): number =>
  a.whenMs < b.whenMs ? -1 : a.whenMs > b.whenMs ? 1 : 0

/** The callbacks of one loop scope: a ready list, a timer heap and the fiber that runs them. */
export class CallbackQueue {
  readonly loop: LoopImpl
  private ready: Array<HandleImpl> = []
  private readonly timers = new Heap<TimerHandleImpl>(byDeadline)
  /** The driver fiber, when one is running or sleeping. */
  private driver: Fiber.Fiber<void> | undefined = undefined
  /** While the driver sleeps: until when (ms; `Infinity` parked on a timer that never fires). */
  private sleepingUntil: number | undefined = undefined
  /** The context the driver runs in (its clock and scheduler): that of the first handle that scheduled. */
  private context: Context.Context<never> | undefined = undefined
  /** Effects returned by callbacks, still running. */
  private readonly effects = new Set<Fiber.Fiber<unknown, unknown>>()
  closed = false

  constructor(loop: LoopImpl) {
    this.loop = loop
    onClose(loop, this.close)
  }

  schedule(handle: HandleImpl, call: string): void {
    if (this.closed || this.loop.state === "closed") throw closedError(call, this.loop)
    this.context ??= handle.context
    const timer = handle instanceof TimerHandleImpl ? handle : undefined
    if (timer === undefined) this.ready.push(handle)
    else this.timers.push(timer)
    if (this.driver === undefined) {
      this.start()
      return
    }
    // A sleeping driver wakes up for a callback to run soon or a deadline earlier than the one it sleeps to.
    if (this.sleepingUntil !== undefined && (timer === undefined || timer.whenMs < this.sleepingUntil)) {
      const driver = this.driver
      this.driver = undefined
      this.sleepingUntil = undefined
      driver.interruptUnsafe()
      this.start()
    }
  }

  private start(): void {
    this.driver = Effect.runForkWith(this.context!)(Effect.andThen(Effect.yieldNow, this.iteration))
  }

  /** One loop iteration: due timers join the ready callbacks, which all run; then sleep until the next deadline. */
  private readonly iteration: Effect.Effect<void> = Effect.suspend(() => {
    this.sleepingUntil = undefined
    const now = Context.get(this.context!, Clock.Clock).currentTimeMillisUnsafe()
    while (this.timers.size > 0 && this.timers.peek()!.whenMs <= now) {
      const timer = this.timers.pop()
      if (!timer.cancelled()) this.ready.push(timer)
    }
    const batch = this.ready
    this.ready = []
    for (const handle of batch) handle.run()
    if (this.ready.length > 0) return Effect.andThen(Effect.yieldNow, this.iteration)
    while (this.timers.size > 0 && this.timers.peek()!.cancelled()) this.timers.pop()
    const next = this.timers.peek()
    if (next === undefined) {
      this.driver = undefined
      return Effect.void
    }
    this.sleepingUntil = next.whenMs
    if (next.whenMs === Infinity) return Effect.never
    return Effect.andThen(Effect.sleep(Duration.millis(Math.max(0, next.whenMs - now))), this.iteration)
  })

  /** Runs the effect a callback returned, in a fiber of its own; its failure is the callback's exception. */
  runEffect(handle: HandleImpl, effect: Effect.Effect<unknown, unknown, unknown>): void {
    const fiber = Effect.runForkWith(handle.context)(effect as Effect.Effect<unknown, unknown>)
    const exit = fiber.pollUnsafe()
    if (exit !== undefined) {
      if (exit._tag === "Failure" && !Cause.hasInterruptsOnly(exit.cause))
        handle.report(Cause.squash(exit.cause))
      return
    }
    this.effects.add(fiber)
    fiber.addObserver((exit) => {
      this.effects.delete(fiber)
      if (exit._tag === "Failure" && !Cause.hasInterruptsOnly(exit.cause))
        handle.report(Cause.squash(exit.cause))
    })
  }

  /** The loop scope has shut down: pending callbacks are dropped, running effects interrupted and awaited. */
  private readonly close: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    this.ready = []
    this.timers.clear()
    const fibers = [...this.effects]
    this.effects.clear()
    if (this.driver !== undefined) fibers.push(this.driver)
    this.driver = undefined
    this.sleepingUntil = undefined
    return fibers.length === 0 ? Effect.void : Fiber.interruptAll(fibers)
  })
}

const queues = new WeakMap<LoopImpl, CallbackQueue>()

/** The callback queue of `loop`, made on first use. */
export const queueOf = (loop: LoopImpl): CallbackQueue => {
  let queue = queues.get(loop)
  if (queue === undefined) {
    queue = new CallbackQueue(loop)
    queues.set(loop, queue)
  }
  return queue
}

/** Python's `RuntimeError('Event loop is closed')`, naming the call and the loop scope. */
export const closedError = (call: string, loop: LoopImpl): RuntimeError =>
  new RuntimeError(`${call}: the loop scope ${loop.name} is closed (Python: "Event loop is closed")`)

/** The context callbacks and tasks of a handle start from: the caller's, outside any task. */
export const handleContext = (context: Context.Context<never>): Context.Context<never> =>
  Context.add(context, CurrentTask, undefined)

/** `callback` must be a function (an Effect is work for `createTask`, not a callback). */
export const checkCallback = (call: string, callback: unknown): Callback => {
  if (typeof callback === "function") return callback as Callback
  throw new TypeError(
    `${call}: callback must be a function, got ${validate.show(callback)}${
      Effect.isEffect(callback) ? " (to run an Effect, use createTask, or return it from a callback)" : ""
    }`
  )
}

/** A delay of `loop.callLater` in milliseconds: as Python, a negative number is a deadline in the past. */
export const delayMillis = (call: string, delay: Seconds): number => {
  const checked = validate.delay(call, delay)
  if (typeof delay === "number") return delay === Infinity ? Infinity : delay * 1000
  return checked._tag === "Finite"
    ? Duration.toMillis(checked.duration)
    : checked._tag === "Infinite"
      ? Infinity
      : 0
}

/** An absolute time of `loop.callAt`, in milliseconds on the loop's clock. */
export const whenMillis = (call: string, when: unknown): number => {
  if (when === null || when === undefined) {
    throw new TypeError(
      `${call}: when must be a time in seconds on loop.time() (a number), got ${validate.show(when)}`
    )
  }
  return validate.deadline(call, when) ?? Infinity
}
