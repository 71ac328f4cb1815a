/**
 * `gather`: run awaitables concurrently and collect their results in argument order. asyncio's
 * `asyncio.gather(*aws, return_exceptions=False)`.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { CancelledError, Defect } from "./Errors.ts"
import { cancelAllAndAwait, markRetrieved } from "./internal/await.ts"
import * as hooks from "./internal/hooks.ts"
import { observeWait } from "./internal/observe.ts"
import { settledValue } from "./internal/outcome.ts"
import { CurrentTask, ownerLoop } from "./internal/owner.ts"
import { forwardedReason } from "./internal/reason.ts"
import { callSoon, DoneCallbacks, twoTurns } from "./internal/soon.ts"
import { spawnAll, toTask } from "./internal/spawn.ts"
import { notAnEffect, type TaskImpl } from "./internal/task.ts"
import * as validate from "./internal/validate.ts"

/**
 * Options of {@link gather}, given as the last argument.
 *
 * @category models
 * @since 0.1.0
 */
export interface GatherOptions {
  /**
   * `false` (default): the first failure (in completion order) fails the gather at once; the other children keep
   * running. `true`: wait for every child and put each failure in the result list — the typed error, a `Defect`
   * for a defect, a `CancelledError` for a cancelled child.
   */
  readonly returnExceptions?: boolean | undefined
}

type AnyEffect = Effect.Effect<unknown, unknown, unknown>

/** Result list of a fail-fast gather: each element's success type, in order. */
export type Results<T extends ReadonlyArray<AnyEffect>> = { -readonly [K in keyof T]: Effect.Success<T[K]> }

/** Result list of `returnExceptions: true`: each element's success, error, `Defect` or `CancelledError`. */
export type Settled<T extends ReadonlyArray<AnyEffect>> = {
  -readonly [K in keyof T]: Effect.Success<T[K]> | Effect.Error<T[K]> | Defect | CancelledError
}

const optionKeys = ["returnExceptions"]

/**
 * The trailing options of `gather`, checked: a plain object in last position is always options (an Effect never
 * is one), so a misspelt key is named instead of being taken for an awaitable.
 */
const readOptions = (call: string, u: GatherOptions | undefined): boolean =>
  validate.boolean(call, validate.options(call, u, optionKeys).returnExceptions, "returnExceptions", false)

const isPlainObject = (u: unknown): u is GatherOptions => {
  if (typeof u !== "object" || u === null || Effect.isEffect(u)) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/**
 * Runs every awaitable concurrently (effects become new tasks, tasks are used as they are) and succeeds with
 * their results in argument order.
 *
 * **When to use** To wait for several independent results at once — concurrency without structure. If a
 * failure should cancel the others, use a `TaskGroup`.
 *
 * **Details**
 * - Fail-fast (default): the first child to fail — or to end cancelled — fails the gather with that child's
 *   cause at once (a cancelled child arrives as an interruption, Python's `CancelledError`). **The other children
 *   are not cancelled**: they keep running under their owner (the loop scope, or the calling fiber).
 * - `{ returnExceptions: true }` as the last argument: waits for all children and reports failures as values.
 * - A task passed twice is one task; its result appears at every position. An effect passed twice runs twice
 *   (an effect is a description; see `docs/semantics.md`).
 * - Children are created in argument order and start on a later scheduler turn, in argument order, after the
 *   tasks that were already ready (asyncio's `ensure_future`); the caller suspends in the gather first.
 * - Interrupting the fiber awaiting the gather cancels every child that is not done, and waits for them.
 * - The result type is a precise tuple: `gather(a, b)` with `a: Effect<number, E1>` and `b: Effect<string, E2>`
 *   is `Effect<[number, string], E1 | E2>`.
 *
 * **asyncio** `await asyncio.gather(*aws, return_exceptions=…)`. Differences: children are created when the
 * gather effect runs (Python: when `gather()` is called); a cancelled gather waits for *all* its children's
 * clean-up, where Python's fail-fast gather returns after the first child's (see `docs/semantics.md`).
 *
 * **Example** (Ordered results)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 *
 * // ["A", "B"] after 2 seconds, not 3
 * const both = asyncio.gather(asyncio.sleep(2, "A"), asyncio.sleep(1, "B"))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export function gather<const T extends ReadonlyArray<AnyEffect>>(
  ...aws: T
): Effect.Effect<Results<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
export function gather<const T extends ReadonlyArray<AnyEffect>>(
  ...args: [...aws: T, options: { readonly returnExceptions: true }]
): Effect.Effect<Settled<T>, never, Effect.Services<T[number]>>
export function gather<const T extends ReadonlyArray<AnyEffect>>(
  ...args: [...aws: T, options: { readonly returnExceptions?: false | undefined }]
): Effect.Effect<Results<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
export function gather<const T extends ReadonlyArray<AnyEffect>>(
  ...args: [...aws: T, options: GatherOptions]
): Effect.Effect<Results<T> | Settled<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
export function gather(...args: ReadonlyArray<unknown>): Effect.Effect<Array<unknown>, unknown, unknown> {
  // An overload implementation returns a wider type than each overload, and the Effect language service compares
  // the body with an overload.
  // @effect-diagnostics-next-line missingEffectContext:off missingEffectError:off
  return validate.atCall<Array<unknown>, unknown, unknown>(() => {
    const last = args[args.length - 1]
    const hasOptions = args.length > 0 && isPlainObject(last)
    const returnExceptions = hasOptions ? readOptions("gather", last) : false
    const aws = hasOptions ? args.slice(0, -1) : args
    for (const aw of aws) {
      if (!Effect.isEffect(aw)) throw notAnEffect("gather", aw)
    }
    return gatherEach(aws, returnExceptions)
  })
}

/**
 * {@link gather} over an iterable instead of arguments: `gatherAll(effects)` is `gather(...effects)`, with the
 * results as an array. For large inputs: JavaScript cannot spread more than roughly 120,000 arguments into a call,
 * where Python's `gather(*aws)` takes any number.
 *
 * @category combinators
 * @since 0.1.0
 */
export function gatherAll<T extends AnyEffect>(
  aws: Iterable<T>
): Effect.Effect<Array<Effect.Success<T>>, Effect.Error<T>, Effect.Services<T>>
export function gatherAll<T extends AnyEffect>(
  aws: Iterable<T>,
  options: { readonly returnExceptions: true }
): Effect.Effect<
  Array<Effect.Success<T> | Effect.Error<T> | Defect | CancelledError>,
  never,
  Effect.Services<T>
>
export function gatherAll<T extends AnyEffect>(
  aws: Iterable<T>,
  options?: GatherOptions
): Effect.Effect<
  Array<Effect.Success<T> | Effect.Error<T> | Defect | CancelledError>,
  Effect.Error<T>,
  Effect.Services<T>
>
export function gatherAll(
  aws: Iterable<unknown>,
  options?: GatherOptions
): Effect.Effect<Array<unknown>, unknown, unknown> {
  // An overload implementation returns a wider type than each overload, and the Effect language service compares
  // the body with an overload.
  // @effect-diagnostics-next-line missingEffectContext:off missingEffectError:off
  return validate.atCall<Array<unknown>, unknown, unknown>(() => {
    validate.iterable("gatherAll", aws, "aws", "an iterable of effects or tasks")
    const returnExceptions = readOptions("gatherAll", options)
    // The iterable is read when the effect runs (an effect is a description).
    return Effect.suspend(() => {
      const all = Array.from(aws)
      for (const aw of all) {
        if (!Effect.isEffect(aw)) return Effect.die(notAnEffect("gatherAll", aw))
      }
      return gatherEach(all, returnExceptions)
    })
  })
}

const gatherEach = (
  aws: ReadonlyArray<unknown>,
  returnExceptions: boolean
): Effect.Effect<Array<unknown>, unknown, unknown> =>
  Effect.withFiber((fiber) => {
    if (aws.length === 0) return Effect.succeed([])
    const loop = ownerLoop("gather", fiber)
    const effects = aws as ReadonlyArray<AnyEffect>
    // asyncio's `ensure_future` per child: created in argument order, each first step scheduled on this fiber's
    // dispatcher, behind what is already there. Under a loop scope, with nothing observing, in batches, one step each.
    const tasks =
      loop !== undefined && !hooks.active()
        ? spawnAll(effects, loop)
        : Effect.forEach(effects, (aw) => toTask(aw, loop))
    // Creating the children is one atomic step in asyncio; ours yields between batches (and between `forEach`
    // steps), so the creation is uninterruptible: a cancellation arriving meanwhile lands when the gather starts
    // waiting, with every child created — and if it lands before the wait is registered, the children are
    // cancelled here, as the wait's canceller would have.
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(tasks, (tasks) => {
        const state = { waiting: false }
        const waited = observeWait(awaitAll(tasks, returnExceptions, state), {
          _tag: "tasks",
          what: "gather",
          count: tasks.length
        })
        return Effect.onInterrupt(restore(waited), () =>
          state.waiting ? Effect.void : cancelAllAndAwait(tasks, fiber.id, cancelledGather(fiber))
        )
      })
    )
  })

/** The reason given to the children of a gather whose awaiter `fiber` was cancelled. */
const cancelledGather = (fiber: Fiber.Fiber<unknown, unknown>) =>
  forwardedReason(
    fiber,
    "gather",
    `the gather awaited by ${fiber.getRef(CurrentTask)?.name ?? "a fiber"} was cancelled`
  )

/**
 * Waits for `tasks` (one done callback per position) and resumes once: with the first failure when fail-fast,
 * otherwise when every task is done. If the waiting fiber is interrupted, cancels and awaits the rest.
 *
 * The hops are asyncio's: a child's end schedules gather's `_done_callback` (`whenDone`, also for a child already
 * done), which sets the outer future when the gather is decided, and that wakes the awaiter a turn later
 * (`callSoon`) — two scheduler turns after the deciding child ended.
 */
const awaitAll = (
  tasks: ReadonlyArray<TaskImpl<unknown, unknown>>,
  returnExceptions: boolean,
  state: { waiting: boolean }
): Effect.Effect<Array<unknown>, unknown> =>
  Effect.withFiber((fiber) =>
    Effect.callback<Array<unknown>, unknown>((resume) => {
      state.waiting = true
      const n = tasks.length
      const results = new Array<unknown>(n)
      let remaining = n
      let finished = false
      const wake = (effect: Effect.Effect<Array<unknown>, unknown>): void =>
        callSoon(() => resume(effect), fiber)
      const onExit = (index: number, exit: Exit.Exit<unknown, unknown>): void => {
        // As in Python, gather consumes every child's outcome, even one that ends after the gather returned.
        markRetrieved(tasks[index])
        if (finished) return
        if (exit._tag === "Success") {
          results[index] = exit.value
        } else if (returnExceptions) {
          results[index] = settledValue(exit)
        } else {
          finished = true
          wake(Effect.failCause(exit.cause as Cause.Cause<unknown>))
          return
        }
        if (--remaining === 0) {
          finished = true
          wake(Effect.succeed(results))
        }
      }
      // One queue of done callbacks for all positions: no closure per hop (a gather may have a million children).
      const callbacks = new DoneCallbacks<number>((i) => onExit(i, tasks[i].poll()!))
      // On the gathering fiber's dispatcher when a child's end runs outside any fiber: the same one in a loop scope
      // (one ready queue), and one dispatcher for all the children instead of one each outside it.
      for (let i = 0; i < n; i++) callbacks.watch(tasks[i].fiber, i, fiber)
      return Effect.suspend(() => {
        // Effect also runs this canceller when `resume` is given a cause holding an interrupt (a child that ended
        // cancelled): the gather is then already finished and must leave the other children alone.
        if (finished) return Effect.void
        finished = true
        // asyncio: the last child's end schedules `_done_callback`, which cancels the outer future, which wakes
        // the awaiter a turn later — two turns after the children have finished.
        return Effect.andThen(cancelAllAndAwait(tasks, fiber.id, cancelledGather(fiber)), twoTurns)
      })
    })
  )
