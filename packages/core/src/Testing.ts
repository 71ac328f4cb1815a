/**
 * Testing asyncio-style programs: run them on virtual time with a clock that jumps from timer to timer, check that
 * no task outlives a test, and read an `Exit` in asyncio's terms.
 *
 * ```ts
 * import * as Testing from "@effect-asyncio/core/Testing"
 * ```
 *
 * A separate module, not part of `@effect-asyncio/core`'s main import. It works with `@effect/vitest` and without
 * it: `Effect.runPromise(Testing.runVirtual(program))` works in any test runner.
 *
 * **Why virtual time** A program that sleeps 3 s should take microseconds to test, and its timings should be
 * exact: `elapsed` is 3, not 3.004. {@link virtualClock} jumps from timer to timer and, after each jump, lets what
 * the timers woke run until everything has suspended again, so one adjustment replays a whole program in order —
 * Trio's *autojump clock*. Timers due at the same instant are woken together, in the order they were set, as
 * asyncio's loop does (effect's own `TestClock` wakes them one at a time and lets each settle first, which prints
 * some programs in another order than Python). What a clock cannot see is the start-up phase before the first
 * sleep is registered; {@link settle} lets the scheduler run first.
 *
 * **Which clock** {@link runVirtual} runs the program on the current clock if it is a {@link virtualClock}, else on a
 * new one — also under `it.effect`, whose `TestClock` it leaves alone. A fiber the test forks *outside* the run
 * sleeps on the test's clock, which nothing advances: fork it inside, or provide {@link virtualClock} to the whole
 * test (`Effect.provide(Testing.virtualClock)`), which `runVirtual` then drives.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { TestClock } from "effect/testing"
import { type CancelReason, RuntimeError, ValueError } from "./Errors.ts"
import { reasonOf } from "./internal/reason.ts"
import { delayToMillis } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"
import * as VirtualClock from "./internal/virtualClock.ts"
import * as Loop from "./Loop.ts"
import type { Seconds } from "./Sleep.ts"
import { allTasks, currentTask } from "./Task.ts"

/**
 * What {@link runVirtual} reports: how the program ended, and the virtual seconds it took.
 *
 * @category models
 * @since 0.1.0
 */
export interface VirtualRun<A, E> {
  readonly exit: Exit.Exit<A, E>
  /** Virtual seconds from the start to the moment the program ended, rounded to the microsecond. */
  readonly elapsed: number
}

/**
 * Options of {@link runVirtual}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunVirtualOptions {
  /**
   * The most virtual time the program may take (default 3600 s). A program still running then is interrupted, and
   * its exit says so: a hung program fails its test in microseconds instead of hanging the test runner.
   */
  readonly limit?: Seconds | undefined
}

/**
 * A virtual clock that jumps from timer to timer the way asyncio's event loop does, as the current `Clock` (and the
 * scheduler that lets it see when the program has settled). {@link runVirtual} runs every program on a new one.
 *
 * **Details** It is effect's `TestClock` (`effect/testing`) with one difference: timers due at the same instant are
 * woken together, in the order they were set, and only then does what they set off run — asyncio moves every due
 * timer to the ready queue in one loop iteration. `TestClock.adjust` wakes one sleeper and lets everything it sets
 * off run before it wakes the next, even at the same instant, so a `sleep(1)` and a `timeout(1)` that end together
 * print in a different order than in Python. It implements the `TestClock` interface: `TestClock.adjust`,
 * `TestClock.setTime` and `TestClock.withLive` drive it when it is the current clock. Its time starts at 0.
 *
 * **Example** (asyncio's clock under `@effect/vitest`)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as Testing from "@effect-asyncio/core/Testing"
 * import { Effect } from "effect"
 * import { TestClock } from "effect/testing"
 *
 * const check = Effect.gen(function* () {
 *   const task = yield* asyncio.createTask(asyncio.sleep(1, "done"))
 *   yield* TestClock.adjust("1 second")
 *   return yield* task
 * }).pipe(asyncio.Loop.scoped, Effect.provide(Testing.virtualClock))
 * ```
 *
 * @category virtual time
 * @since 0.1.0
 */
export const virtualClock: Layer.Layer<never> = VirtualClock.layer

/**
 * Lets every fiber that is ready run until it suspends (a bounded number of scheduler turns).
 *
 * @category virtual time
 * @since 0.1.0
 */
export const settle: Effect.Effect<void> = Effect.repeat(Effect.yieldNow, { times: 64 })

/** Virtual seconds on the current clock. */
const now: Effect.Effect<number> = Effect.map(Clock.currentTimeMillis, (ms) => ms / 1000)

/**
 * Makes one throw-away `TestClock` sleep: call it at the start of a test that drives effect's own `TestClock` by hand
 * (`TestClock.adjust` under `it.effect`). {@link virtualClock} has no such warning fiber and needs none.
 *
 * **Why** effect 4.1.0's `TestClock` starts its "a test is using time but not advancing the clock" warning fiber,
 * inside an interruptible region, at the first sleep of a test. If that first sleep happens in a finalizer of an
 * interrupted fiber (clean-up that takes virtual time), the pending interrupt gets through, the finalizer is
 * abandoned half-way and `Fiber.interrupt` returns without waiting for it. A first sleep outside any finalizer
 * avoids it.
 *
 * @category virtual time
 * @since 0.1.0
 */
export const primeTestClock: Effect.Effect<void> = Effect.gen(function* () {
  const fiber = yield* Effect.forkChild(Effect.sleep("1 millis"), { startImmediately: true })
  yield* Fiber.interrupt(fiber)
})

const limitMillis = (limit: Seconds | undefined): number => {
  if (limit === undefined) return 3_600_000
  const delay = validate.delay("Testing.runVirtual", limit, "limit")
  if (delay._tag !== "Finite") {
    throw new ValueError(
      `Testing.runVirtual: limit must be a positive, finite time, got ${validate.show(limit)}`
    )
  }
  return delayToMillis(delay)
}

const drive = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  limit: number
): Effect.Effect<VirtualRun<A, E>, never, R> =>
  Effect.gen(function* () {
    const start = yield* now
    let end = start
    let clock: Fiber.Fiber<void> | undefined
    const fiber = yield* Effect.forkChild(
      Effect.onExit(effect, () =>
        Effect.map(now, (t) => {
          end = t
          clock?.interruptUnsafe()
        })
      )
    )
    yield* settle
    if (fiber.pollUnsafe() === undefined) {
      clock = yield* Effect.forkChild(TestClock.adjust(limit))
      yield* Fiber.await(clock)
      yield* settle
    }
    if (fiber.pollUnsafe() === undefined) yield* Fiber.interrupt(fiber)
    const exit = yield* Fiber.await(fiber)
    return { exit, elapsed: Math.round((end - start) * 1e6) / 1e6 }
  })

/**
 * Runs `effect` to its end on virtual time and returns its exit and the virtual seconds it took.
 *
 * **Details** The clock jumps from timer to timer and **stops when `effect` ends**: timers of tasks that outlive it
 * have not fired, and `elapsed` is the time `effect` ended. It is the current clock if that is a
 * {@link virtualClock}; otherwise a new one, starting at 0 (see the module comment). `limit` bounds the virtual time (a program still running then is
 * interrupted). `runVirtual` never fails: the outcome is in `exit` (read it with {@link failureOf},
 * {@link defectOf}, {@link isCancelled}).
 *
 * **Example** (Three seconds of work, tested in microseconds)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as Testing from "@effect-asyncio/core/Testing"
 * import { Effect } from "effect"
 *
 * const program = asyncio.gather(asyncio.sleep(3, "a"), asyncio.sleep(1, "b"))
 *
 * const check = Effect.gen(function* () {
 *   const { exit, elapsed } = yield* Testing.runVirtual(program)
 *   // exit: Success(["a", "b"]), elapsed: 3
 *   return elapsed
 * })
 * ```
 *
 * @category virtual time
 * @since 0.1.0
 */
export function runVirtual<
  Arg extends Effect.Effect<unknown, unknown, unknown> | RunVirtualOptions = RunVirtualOptions
>(
  effectOrOptions: Arg,
  options?: RunVirtualOptions
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<VirtualRun<_A, _E>, never, _R>
  : <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<VirtualRun<A, E>, never, R>
export function runVirtual(...args: ReadonlyArray<unknown>): unknown {
  return validate.selfOrOptions(args, (effect, options) =>
    runVirtualImpl(
      effect as Effect.Effect<unknown, unknown, unknown>,
      options as RunVirtualOptions | undefined
    )
  )
}

const runVirtualImpl = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: RunVirtualOptions | undefined
): Effect.Effect<VirtualRun<A, E>, never, R> =>
  validate.atCall(() => {
    validate.effect("Testing.runVirtual", effect)
    const limit = limitMillis(validate.options("Testing.runVirtual", options, ["limit"]).limit)
    const run = drive(effect, limit)
    return Effect.clockWith((clock) =>
      clock instanceof VirtualClock.VirtualClock ? run : Effect.provide(run, VirtualClock.layer)
    )
  })

/**
 * Runs `effect` as the main task of a new loop scope, like `Loop.scoped`, and fails if any task created in it is
 * still pending when `effect` ends: those tasks are cancelled and awaited (so nothing outlives the test), and the
 * result is a defect carrying `RuntimeError` that names them — after `effect`'s own failure, if it failed.
 *
 * **When to use** Around the program under test, to check that it cleans up after itself: every task it starts is
 * awaited, cancelled or owned by a `TaskGroup` that ended.
 *
 * **Example** (A forgotten background task fails the test)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as Testing from "@effect-asyncio/core/Testing"
 * import { Effect } from "effect"
 *
 * const leaky = Effect.gen(function* () {
 *   yield* asyncio.createTask(asyncio.sleep(10), { name: "poller" })
 *   return "done"
 * })
 * // dies with RuntimeError("Testing.strictLoop: 1 task outlived the program: poller")
 * const checked = Testing.runVirtual(Testing.strictLoop(leaky))
 * ```
 *
 * @category leaks
 * @since 0.1.0
 */
export function strictLoop<
  Arg extends Effect.Effect<unknown, unknown, unknown> | Loop.LoopOptions = Loop.LoopOptions
>(
  effectOrOptions: Arg,
  options?: Loop.LoopOptions
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<_A, _E, _R>
  : <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
export function strictLoop(...args: ReadonlyArray<unknown>): unknown {
  return validate.selfOrOptions(args, (effect, options) =>
    strictLoopImpl(
      effect as Effect.Effect<unknown, unknown, unknown>,
      options as Loop.LoopOptions | undefined
    )
  )
}

const strictLoopImpl = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: Loop.LoopOptions | undefined
): Effect.Effect<A, E, R> =>
  validate.atCall(() => {
    validate.effect("Testing.strictLoop", effect)
    let leftover: ReadonlyArray<string> = []
    const checked = Effect.onExit(effect, () =>
      Effect.flatMap(currentTask, (main) =>
        Effect.map(allTasks, (tasks) => {
          leftover = Array.from(tasks).flatMap((task) => (task === main ? [] : [task.name]))
        })
      )
    )
    return Loop.scoped(checked, options).pipe(
      Effect.exit,
      Effect.flatMap((exit) => {
        if (leftover.length === 0) return exit
        const error = new RuntimeError(
          `Testing.strictLoop: ${leftover.length} task${leftover.length === 1 ? "" : "s"} outlived the program: ${leftover.join(", ")}`
        )
        const leak = Cause.die(error)
        return Effect.failCause(exit._tag === "Failure" ? Cause.combine(exit.cause, leak) : leak)
      })
    )
  })

/**
 * The typed error a failed exit carries (the first one), or `undefined` for a success or a failure without one.
 *
 * @category exits
 * @since 0.1.0
 */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  exit._tag === "Failure" ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined

/**
 * The defect a failed exit carries (the first one), or `undefined`. Misuse of the library is a defect carrying its
 * `TypeError`, `ValueError` or `RuntimeError`: `defectOf(exit)` is that error.
 *
 * @category exits
 * @since 0.1.0
 */
export const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown => {
  if (exit._tag === "Success") return undefined
  const found = Cause.findDefect(exit.cause)
  return Result.isSuccess(found) ? found.success : undefined
}

/**
 * Whether the exit is a cancellation: a failure made of interruptions only (asyncio: the awaited work was
 * cancelled, or the program itself).
 *
 * @category exits
 * @since 0.1.0
 */
export const isCancelled = <A, E>(exit: Exit.Exit<A, E>): boolean =>
  exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)

/**
 * Why a cancelled exit was cancelled — `kind`, `message` and `detail` of its {@link CancelReason} — or `undefined`
 * if the exit is not a cancellation.
 *
 * @category exits
 * @since 0.1.0
 */
export const cancelReasonOf = <A, E>(exit: Exit.Exit<A, E>): CancelReason | undefined =>
  isCancelled(exit) && exit._tag === "Failure" ? reasonOf(exit.cause) : undefined
