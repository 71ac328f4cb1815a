/**
 * `staggeredRace`: start attempts one after another, a little apart, and keep the first that succeeds —
 * "happy eyeballs" (RFC 8305). asyncio's `asyncio.staggered.staggered_race(coro_fns, delay)`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { CancelledError, Defect } from "./Errors.ts"
import { TypeError } from "./Errors.ts"
import { cancelAllAndAwait, consume } from "./internal/await.ts"
import { outcomeOf } from "./internal/outcome.ts"
import { ownerLoop } from "./internal/owner.ts"
import { forwardedReason } from "./internal/reason.ts"
import { whenDone } from "./internal/soon.ts"
import { spawn } from "./internal/spawn.ts"
import type { TaskImpl } from "./internal/task.ts"
import { delayToMillis } from "./internal/time.ts"
import * as validate from "./internal/validate.ts"
import { show } from "./internal/validate.ts"
import type { Seconds } from "./Sleep.ts"

/**
 * What {@link staggeredRace} returns, as Python's tuple: the winner's value (or `undefined`), its index (or
 * `undefined` when every attempt failed), and one entry per *started* attempt in index order — its error, a
 * `CancelledError` for an attempt cancelled because another won, `undefined` for the winner.
 *
 * @category models
 * @since 0.1.0
 */
export type StaggeredResult<A, E> = readonly [
  winner: A | undefined,
  index: number | undefined,
  exceptions: ReadonlyArray<E | Defect | CancelledError | undefined>
]

/**
 * Runs the attempts produced by `fns`, starting attempt `i + 1` when attempt `i` fails or `delay` after attempt
 * `i` started, whichever comes first (`delay` `null`: only on failure, i.e. strictly one after another). The
 * first attempt to **succeed** wins: every other running attempt is cancelled (reason: another attempt won) and
 * awaited, and no further attempt starts.
 *
 * **When to use** Connecting to the first of several equivalent endpoints without hammering all of them at
 * once; trying a fast path and falling back to slower ones.
 *
 * **Details** Attempts run as tasks of the current loop scope. If the caller is interrupted, every running
 * attempt is cancelled and awaited before the interruption propagates (Python 3.14 behaviour). Attempts that
 * are thunks (`() => Effect`) so that later ones are not even built until they start.
 *
 * **asyncio** `winner, index, exceptions = await staggered_race(coro_fns, delay)`. Same result shape. If two
 * attempts succeed at the same instant, the first to finish wins and the other, already finished, is reported
 * as `undefined` (it did not fail), where Python may report it cancelled.
 *
 * **Example** (Happy eyeballs)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * declare const connect: (host: string) => Effect.Effect<string, Error>
 *
 * const program = Effect.gen(function*() {
 *   // Try the second address if the first has not answered within 0.25 s, and so on.
 *   const [conn, index, errors] = yield* asyncio.staggeredRace(
 *     ["10.0.0.1", "10.0.0.2"].map((host) => () => connect(host)),
 *     0.25
 *   )
 *   return conn === undefined ? `all failed: ${errors.length} errors` : `connected to #${index}`
 * })
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const staggeredRace = <A, E, R>(
  fns: Iterable<() => Effect.Effect<A, E, R>>,
  delay: Seconds | null | undefined
): Effect.Effect<StaggeredResult<A, E>, never, R> =>
  validate.atCall(() => {
    validate.iterable("staggeredRace", fns, "fns", "an iterable of functions returning Effects")
    const stagger =
      delay === null || delay === undefined ? Infinity : delayToMillis(validate.delay("staggeredRace", delay))
    return Effect.withFiber((parent) => race(fns, stagger, parent))
  })

const race = <A, E, R>(
  fns: Iterable<() => Effect.Effect<A, E, R>>,
  stagger: number,
  parent: Fiber.Fiber<unknown, unknown>
): Effect.Effect<StaggeredResult<A, E>, never, R> => {
  const loop = ownerLoop("staggeredRace", parent)
  const clock = parent.getRef(Clock.Clock)
  const iterator = fns[Symbol.iterator]()
  const attempts: Array<TaskImpl<A, E>> = []
  let exhausted = false
  let winner: { readonly index: number; readonly value: A } | undefined
  let latestStart = 0
  let signalled = false
  let wake: (() => void) | undefined
  const signal = (): void => {
    signalled = true
    const w = wake
    wake = undefined
    w?.()
  }
  /** Which attempts the race has heard have ended (a turn after each ended), and how many. */
  const heard: Array<boolean> = []
  let ended = 0
  const onDone = (index: number, exit: Exit.Exit<A, E>): void => {
    heard[index] = true
    ended++
    if (exit._tag === "Success" && winner === undefined) winner = { index, value: exit.value }
    signal()
  }
  const startNext: Effect.Effect<boolean, never, R> = Effect.suspend(() => {
    const next = iterator.next()
    if (next.done === true) {
      exhausted = true
      return Effect.succeed(false)
    }
    const fn = next.value
    const index = attempts.length
    // As in Python, a bad attempt (not a function, or not returning an Effect) is that attempt's exception.
    const attempt =
      typeof fn === "function"
        ? validate.callEffect(`staggeredRace: attempt ${index}`, fn)
        : Effect.die(new TypeError(`staggeredRace: attempt ${index} is not a function, got ${show(fn)}`))
    latestStart = clock.currentTimeMillisUnsafe()
    return Effect.map(spawn(attempt, { _tag: "Detached", loop }), (task) => {
      attempts.push(task)
      // The race consumes every attempt's outcome (Python's attempts catch their own exceptions and store them).
      // The race hears of an attempt's end a scheduler turn later, as an asyncio waiter does (`soon.ts`).
      whenDone(task, (exit) => onDone(index, consume(task, exit)))
      return true
    })
  })
  const event = (timeout: number): Effect.Effect<void> => {
    const wait = Effect.callback<void>((resume) => {
      if (signalled) {
        signalled = false
        return resume(Effect.void)
      }
      wake = () => {
        signalled = false
        resume(Effect.void)
      }
      return Effect.sync(() => {
        wake = undefined
      })
    })
    return timeout === Infinity
      ? wait
      : Effect.raceFirst(wait, Effect.sleep(Duration.millis(Math.max(0, timeout))))
  }
  const running = (): boolean => ended < attempts.length
  const race: Effect.Effect<void, never, R> = Effect.gen(function* () {
    yield* startNext
    while (winner === undefined) {
      // Everything is decided on what the race has heard (`ended`), not on the fibers' state.
      if (!exhausted && attempts.length > 0 && heard[attempts.length - 1] === true) {
        // The latest attempt failed: start the next one at once.
        yield* startNext
        continue
      }
      if (exhausted && !running()) return
      const untilNext = exhausted ? Infinity : latestStart + stagger - clock.currentTimeMillisUnsafe()
      if (untilNext <= 0) {
        yield* startNext
        continue
      }
      yield* event(untilNext)
    }
  })
  const stopOthers = (reason: string) =>
    cancelAllAndAwait(attempts as ReadonlyArray<TaskImpl<unknown, unknown>>, parent.id, {
      kind: "sibling",
      detail: reason
    })
  return Effect.onInterrupt(race, () =>
    Effect.suspend(() =>
      cancelAllAndAwait(
        attempts as ReadonlyArray<TaskImpl<unknown, unknown>>,
        parent.id,
        forwardedReason(parent, "cancel", "the caller of staggeredRace was cancelled")
      )
    )
  ).pipe(
    Effect.andThen(
      Effect.suspend(() =>
        winner === undefined ? Effect.void : stopOthers(`attempt ${winner.index} won the staggered race`)
      )
    ),
    Effect.andThen(
      Effect.sync((): StaggeredResult<A, E> => {
        const exceptions = attempts.map((task, index) => {
          if (index === winner?.index) return undefined
          const outcome = outcomeOf(task.poll()!)
          return outcome._tag === "Result" ? undefined : outcome.error
        })
        return [winner?.value, winner?.index, exceptions]
      })
    )
  )
}
