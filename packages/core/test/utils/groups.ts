/**
 * Test helpers for the TaskGroup and Timeout suites: a timeline of virtual-time events, asyncio's stock
 * coroutines (sleeper, crasher, "raise in finally"), and readers that describe an `ExceptionGroup` as plain
 * data (member tags and task names, nested groups as nested arrays) so a test can compare whole shapes.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { failureOf } from "./exits.ts"
import { now } from "./virtual.ts"

/** A timeline: `mark("x")` records `"<virtual seconds> x"`; `marks` are the events without their times. */
export const timeline = () => {
  const log: Array<string> = []
  const events: Array<string> = []
  const mark = (event: string): Effect.Effect<void> =>
    Effect.flatMap(now, (t) =>
      Effect.sync(() => {
        log.push(`${t} ${event}`)
        events.push(event)
      })
    )
  return { log, events, mark }
}

/** asyncio's `sleeper(d, v)`: sleeps `d` seconds, then returns `v`. */
export const sleeper = <A>(delay: number, value: A): Effect.Effect<A> => asyncio.sleep(delay, value)

/** asyncio's `crasher(d, E)`: sleeps `d` seconds, then fails with `error`. */
export const crasher = <E>(delay: number, error: E): Effect.Effect<never, E> =>
  Effect.andThen(asyncio.sleep(delay), Effect.fail(error))

/** `try: <self> finally: raise error` — the error is raised by the clean-up, whatever `self` did. */
export const raiseInFinally = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  error: E2
): Effect.Effect<A, E | E2, R> => Effect.onExit(self, () => Effect.fail(error))

/** The `ExceptionGroup` a failed exit carries; dies (failing the test) if there is none. */
export const groupOf = <A, E>(exit: Exit.Exit<A, E>): Effect.Effect<asyncio.ExceptionGroup<unknown>> => {
  const error = failureOf(exit)
  return error instanceof asyncio.ExceptionGroup
    ? Effect.succeed(error as asyncio.ExceptionGroup<unknown>)
    : Effect.die(new Error(`expected an ExceptionGroup, got ${JSON.stringify(exit)}`))
}

/** A member's `_tag` (or its constructor name). */
const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error
    ? String((error as { readonly _tag: unknown })._tag)
    : typeof error === "object" && error !== null
      ? error.constructor.name
      : typeof error

/** Shape of a group: member tags in order; a nested group is a nested array. */
export type Shape = ReadonlyArray<string | Shape>

/** The tags of a group's members, in order, nested groups as nested arrays. */
export const shapeOf = (group: asyncio.ExceptionGroup<unknown>): Shape =>
  group.members.map((member) =>
    member.error instanceof asyncio.ExceptionGroup
      ? shapeOf(member.error as asyncio.ExceptionGroup<unknown>)
      : tagOf(member.error)
  )

/** The task names of a group's members, in order, nested groups as `[name, nested names]`. */
export type Names = ReadonlyArray<string | readonly [string, Names]>

/** Which task raised each member, in order; for a nested group `[task, its own members' tasks]`. */
export const tasksOf = (group: asyncio.ExceptionGroup<unknown>): Names =>
  group.members.map((member) =>
    member.error instanceof asyncio.ExceptionGroup
      ? ([member.task, tasksOf(member.error as asyncio.ExceptionGroup<unknown>)] as const)
      : member.task
  )
