/**
 * Test helpers for the Task, WaitFor, Shield and Sleep suites: read a task's state through its public methods
 * (the way asyncio code inspects a task), read an `Exit` in asyncio's terms, and record the timers that the
 * `Clock` hands out so a test can see whether a sleep's timer fired or was released.
 */
import type * as asyncio from "@effect-asyncio/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** What a task's public accessors report, asyncio's four states. */
export type TaskState<A, E> =
  | { readonly _tag: "Pending" }
  | { readonly _tag: "Result"; readonly value: A }
  | { readonly _tag: "Exception"; readonly error: E | asyncio.Defect }
  | { readonly _tag: "Cancelled"; readonly error: asyncio.CancelledError }

/** Reads `task`'s state with `done()`, `cancelled()`, `exception()` and `result()` only. */
export const stateOf = <A, E>(task: asyncio.Task<A, E>): Effect.Effect<TaskState<A, E>> =>
  Effect.gen(function* () {
    if (!(yield* task.done())) return { _tag: "Pending" } as const
    if (yield* task.cancelled()) {
      const error = yield* Effect.orDie(Effect.flip(task.result()))
      return { _tag: "Cancelled", error: error as asyncio.CancelledError } as const
    }
    const error = yield* Effect.orDie(task.exception())
    if (error !== undefined) return { _tag: "Exception", error } as const
    return { _tag: "Result", value: yield* Effect.orDie(task.result()) } as const
  })

/** The `CancelledError` a cancelled task reports from `result()`; dies if the task was not cancelled. */
export const cancelledErrorOf = <A, E>(task: asyncio.Task<A, E>): Effect.Effect<asyncio.CancelledError> =>
  Effect.flatMap(stateOf(task), (state) =>
    state._tag === "Cancelled"
      ? Effect.succeed(state.error)
      : Effect.die(new Error(`expected ${task.name} to be cancelled, it is ${state._tag}`))
  )

export { defectOf, failureOf, isInterrupted } from "./exits.ts"

/** One timer handed out by the recording clock. */
export interface TimerRecord {
  /** Requested duration in seconds. */
  readonly seconds: number
  /** Virtual seconds when the timer was requested. */
  readonly at: number
  /** `pending` until the timer fires (`fired`) or its sleep is interrupted and the timer released (`released`). */
  state: "pending" | "fired" | "released"
  /** Virtual seconds when it fired or was released. */
  endedAt?: number
}

/**
 * Runs `effect` with a `Clock` that delegates to the current (test) clock and records every timer it hands out,
 * and returns the records (live: they keep changing while timers fire or are released).
 */
export const recordingTimers = <A, E, R>(
  effect: (timers: ReadonlyArray<TimerRecord>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.flatMap(Clock.clockWith(Effect.succeed), (clock) => {
    const timers: Array<TimerRecord> = []
    const seconds = () => clock.currentTimeMillisUnsafe() / 1000
    const recording: Clock.Clock = {
      currentTimeMillisUnsafe: () => clock.currentTimeMillisUnsafe(),
      currentTimeMillis: clock.currentTimeMillis,
      currentTimeNanosUnsafe: () => clock.currentTimeNanosUnsafe(),
      currentTimeNanos: clock.currentTimeNanos,
      monotonicTimeNanosUnsafe: () => clock.monotonicTimeNanosUnsafe(),
      monotonicTimeNanos: clock.monotonicTimeNanos,
      sleep: (duration: Duration.Duration) =>
        Effect.suspend(() => {
          const record: TimerRecord = {
            seconds: Duration.toSeconds(duration),
            at: seconds(),
            state: "pending"
          }
          timers.push(record)
          return clock.sleep(duration).pipe(
            Effect.onExit((exit) =>
              Effect.sync(() => {
                record.state = exit._tag === "Success" ? "fired" : "released"
                record.endedAt = seconds()
              })
            )
          )
        })
    }
    return Effect.provideService(effect(timers), Clock.Clock, recording)
  })
