/**
 * `wait`: wait until some condition holds over a set of tasks and partition them into done and pending.
 * asyncio's `asyncio.wait(aws, timeout=None, return_when=ALL_COMPLETED)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { TypeError, ValueError } from "./Errors.ts"
import { markWaitedOn } from "./internal/await.ts"
import { observeWait } from "./internal/observe.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { callSoon, twoTurns, whenDone } from "./internal/soon.ts"
import { isTask } from "./internal/task.ts"
import * as validate from "./internal/validate.ts"
import { show } from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"
import type { Task } from "./Task.ts"

/**
 * Return when any task finishes (however it ends).
 *
 * @category constants
 * @since 0.1.0
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED" as const
/**
 * Return when any task fails with an error (a cancellation does not count), or when all are done.
 *
 * @category constants
 * @since 0.1.0
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION" as const
/**
 * Return when every task is done (the default).
 *
 * @category constants
 * @since 0.1.0
 */
export const ALL_COMPLETED = "ALL_COMPLETED" as const

/**
 * @category models
 * @since 0.1.0
 */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED

/**
 * Options of {@link wait}.
 *
 * @category models
 * @since 0.1.0
 */
export interface WaitOptions {
  readonly returnWhen?: ReturnWhen | undefined
  /** Seconds (or an Effect duration); when it elapses `wait` returns whatever is done. */
  readonly timeout?: Seconds | null | undefined
}

/**
 * The two sets `wait` returns, partitioning its input by whether each task was done at return time.
 *
 * @category models
 * @since 0.1.0
 */
export interface WaitResult<T> {
  readonly done: Set<T>
  readonly pending: Set<T>
}

/** The tasks of `aws`, de-duplicated (Python turns its argument into a set); misuse throws. */
const tasksOf = <T>(aws: Iterable<T>): ReadonlyArray<T> => {
  const tasks = Array.from(new Set(aws))
  if (tasks.length === 0) throw new ValueError("wait: the set of tasks is empty")
  for (const u of tasks) {
    if (isTask(u)) {
      // What `wait` returns is read by its caller: no "exception never retrieved" for a task it waited on.
      markWaitedOn(u)
      continue
    }
    throw Effect.isEffect(u)
      ? new TypeError("wait: passing effects is forbidden, use tasks explicitly (createTask)")
      : new TypeError(`wait: expected a task, got ${show(u)}`)
  }
  return tasks
}

const returnWhens: ReadonlyArray<unknown> = [FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]

const waitKeys = ["returnWhen", "timeout"]

const isException = (exit: Exit.Exit<unknown, unknown>): boolean =>
  exit._tag === "Failure" && outcomeOf(exit)._tag === "Exception"

/**
 * Waits for the tasks in `aws` until `returnWhen` holds or `timeout` elapses, and returns `{ done, pending }`.
 *
 * **When to use** To react to the first finished (or failed) task of several while keeping the others, or to
 * wait with a time limit without raising.
 *
 * **Details** `wait` never fails with the tasks' errors, never fails on timeout and **never cancels** anything:
 * tasks still pending at return keep running — cancel them yourself if you no longer need them. Interrupting the
 * waiting fiber only stops the waiting. Duplicates collapse.
 *
 * **asyncio** `done, pending = await asyncio.wait(aws, timeout=…, return_when=…)`. As in Python 3.11+, passing
 * effects (coroutines) instead of tasks is refused; so are an empty input and an unknown `returnWhen` — each a
 * defect carrying `TypeError`/`ValueError`.
 *
 * **Example** (First one wins, the rest keep running)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const a = yield* asyncio.createTask(asyncio.sleep(10))
 *   const b = yield* asyncio.createTask(asyncio.sleep(0.1))
 *   const { done, pending } = yield* asyncio.wait([a, b], { returnWhen: asyncio.FIRST_COMPLETED })
 *   // done = {b}, pending = {a}
 * })
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const wait = <T extends Task<unknown, unknown>>(
  aws: Iterable<T>,
  options?: WaitOptions
): Effect.Effect<WaitResult<T>> =>
  validate.atCall(() => {
    validate.iterable("wait", aws, "aws", "an iterable of tasks")
    const checkedOptions = validate.options("wait", options, waitKeys)
    const returnWhen = checkedOptions.returnWhen ?? ALL_COMPLETED
    if (!returnWhens.includes(returnWhen)) {
      throw new ValueError(`wait: invalid returnWhen value: ${show(returnWhen)}`)
    }
    // asyncio's `call_later(timeout, _release_waiter, waiter)`: the timer fires, sets the waiter, and that wakes the
    // caller a turn later. For a timeout of 0 both turns are counted (the timer fires a turn after the call, behind
    // what was ready); for a positive one the caller resumes as the timer fires (the harness's `expiry-same-turn`:
    // a turn later, it would meet a same-instant deadline's cancellation, which lands at once here, row C4).
    let timer: Effect.Effect<void> | undefined
    if (checkedOptions.timeout !== undefined && checkedOptions.timeout !== null) {
      const delay = validate.delay("wait", checkedOptions.timeout, "timeout")
      timer =
        delay._tag === "Finite"
          ? Effect.sleep(delay.duration)
          : delay._tag === "Infinite"
            ? undefined
            : twoTurns
    }
    // The iterable is read when the effect runs (an effect is a description); a bad element dies then.
    return Effect.suspend(() => waitOn(tasksOf(aws), returnWhen, timer))
  })

const waitOn = <T extends Task<unknown, unknown>>(
  tasks: ReadonlyArray<T>,
  returnWhen: ReturnWhen,
  timer: Effect.Effect<void> | undefined
): Effect.Effect<WaitResult<T>> => {
  // asyncio's hops: each task's end schedules `_on_completion` (also for a task already done, so `wait` always
  // suspends), which sets the waiter future when the condition is met, and that wakes the caller a turn later.
  const waiting = Effect.withFiber((fiber) =>
    Effect.callback<void>((resume) => {
      let counter = tasks.length
      let finished = false
      const removers: Array<() => void> = []
      const finish = () => {
        finished = true
        for (const remove of removers) remove()
      }
      const onCompletion = (exit: Exit.Exit<unknown, unknown>): void => {
        if (finished) return
        counter--
        if (
          counter <= 0 ||
          returnWhen === FIRST_COMPLETED ||
          (returnWhen === FIRST_EXCEPTION && isException(exit))
        ) {
          finish()
          callSoon(() => resume(Effect.void), fiber)
        }
      }
      for (const task of tasks) removers.push(whenDone(task, onCompletion))
      return Effect.sync(finish)
    })
  )
  const partition = Effect.sync(() => {
    const done = new Set<T>()
    const pending = new Set<T>()
    for (const task of tasks) {
      ;(task.fiber.pollUnsafe() === undefined ? pending : done).add(task)
    }
    return { done, pending }
  })
  const waited = timer === undefined ? waiting : Effect.raceFirst(waiting, timer)
  return Effect.andThen(
    observeWait(waited, { _tag: "tasks", what: `wait(${returnWhen})`, count: tasks.length }),
    partition
  )
}
