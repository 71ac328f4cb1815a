/**
 * Timelines: record how the tasks of a program unfold — created, started, suspended on what, cancelled by whom
 * and why, finished how — and draw it, as a Gantt chart for the terminal or as SVG.
 *
 * ```
 * timeline: 2 tasks, 1.2 s (one column ≈ 0.020339 s)
 *               0s        0.2s      0.4s       0.6s      0.8s      1s        1.2s
 *               |---------+---------+----------+---------+---------+---------+
 * #1 main       |------------------------------------------------------------o  returned
 * #2 download   |-------------------------------------------------^~~~~~~~~~x  cancelled: cancel 'stop': …
 * ```
 *
 * Events are stamped with the Effect `Clock` of the recorded effect: virtual time under `TestClock` (every
 * render of a deterministic program is identical), real time otherwise. Recording is off unless asked for; off,
 * it costs nothing (the task machinery checks one array length).
 *
 * Only tasks created inside the recorded effect are recorded (by any fiber of it), so concurrent recordings do not
 * see each other's tasks.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as gantt from "./internal/gantt.ts"
import * as internal from "./internal/timeline.ts"
import * as validate from "./internal/validate.ts"

export type { SvgOptions, TextOptions } from "./internal/gantt.ts"
export type { Dropped, Event, Outcome, Segment, Timeline, Track } from "./internal/timeline.ts"

/**
 * Options of {@link record}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RecordOptions {
  /**
   * The most events the recording keeps (default {@link DEFAULT_MAX_EVENTS}, 100,000: about 11 MiB). Once it is
   * reached, tasks created later are not recorded and recorded tasks keep only how they end; `timeline.dropped`
   * counts what was left out and the renders print a `dropped: …` line.
   */
  readonly maxEvents?: number | undefined
}

/**
 * The default limit of a recording, in events (100,000). A task makes 2–6 events (more if it waits often).
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_MAX_EVENTS: number = internal.DEFAULT_MAX_EVENTS

/**
 * Runs `effect` while recording the lifecycle of every task created inside it, and returns how it ended together
 * with the timeline. Never fails: the effect's failure is in the `Exit`.
 *
 * The recording keeps names, times, what tasks waited on and how they ended — as text and numbers, never the
 * tasks or their results — and at most `maxEvents` events (see {@link RecordOptions}), so recording a whole
 * program (`run(main, { timeline: true })`) is safe.
 *
 * **Example** (Record a program, print its Gantt chart)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Console, Effect } from "effect"
 *
 * const main = asyncio.gather(asyncio.sleep(1, "a"), asyncio.sleep(2, "b"))
 *
 * const program = Effect.gen(function*() {
 *   const [exit, timeline] = yield* asyncio.Timeline.record(asyncio.Loop.scoped(main))
 *   yield* Console.log(asyncio.Timeline.toText(timeline))
 * })
 * ```
 *
 * @category recording
 * @since 0.1.0
 */
export function record<Arg extends Effect.Effect<unknown, unknown, unknown> | RecordOptions = RecordOptions>(
  effectOrOptions: Arg,
  options?: RecordOptions
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<readonly [Exit.Exit<_A, _E>, internal.Timeline], never, _R>
  : <A, E, R>(
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<readonly [Exit.Exit<A, E>, internal.Timeline], never, R>
export function record(...args: ReadonlyArray<unknown>): unknown {
  return validate.selfOrOptions(args, (effect, options) =>
    recordImpl(effect as Effect.Effect<unknown, unknown, unknown>, options as RecordOptions | undefined)
  )
}

const recordImpl = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: RecordOptions | undefined
): Effect.Effect<readonly [Exit.Exit<A, E>, internal.Timeline], never, R> =>
  validate.atCall(() => {
    validate.effect("Timeline.record", effect)
    const { maxEvents } = validate.options("Timeline.record", options, ["maxEvents"])
    if (maxEvents !== undefined) validate.integer("Timeline.record", maxEvents, "maxEvents", 0)
    return recording(effect, maxEvents)
  })

const recording = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  maxEvents: number | undefined
): Effect.Effect<readonly [Exit.Exit<A, E>, internal.Timeline], never, R> =>
  Effect.withFiber((fiber) => {
    const recorder = new internal.Recorder(fiber.getRef(Clock.Clock), maxEvents)
    const uninstall = internal.install(recorder)
    const recorded = Effect.provideService(effect, internal.Recording, [
      ...fiber.getRef(internal.Recording),
      recorder
    ])
    return Effect.ensuring(
      Effect.map(Effect.exit(recorded), (exit) => [exit, recorder.timeline()] as const),
      Effect.sync(uninstall)
    )
  })

/**
 * The Gantt chart of a timeline for a terminal: one row per task, time from left to right, marks for start, end,
 * failure and cancellation, each row followed by how the task ended (with the cancel reason). ASCII by default;
 * `{ style: "unicode", color: true }` for a TTY.
 *
 * @category rendering
 * @since 0.1.0
 */
export const toText: (timeline: internal.Timeline, options?: gantt.TextOptions) => string = gantt.toText

/**
 * The timeline as a standalone SVG document: one row per task (`<g class="task">`), coloured segments (running,
 * waiting, not started, cleaning up after a cancel request), marks for start, cancel request, return, failure and
 * cancellation, captions with the outcome and cancel reason, tooltips (`<title>`) on everything, a legend.
 *
 * @category rendering
 * @since 0.1.0
 */
export const toSvg: (timeline: internal.Timeline, options?: gantt.SvgOptions) => string = gantt.toSvg
