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
 * it costs nothing (the task machinery asks whether an observer is installed).
 *
 * Only tasks created inside the recorded effect are recorded (by any fiber of it), so concurrent recordings do not
 * see each other's tasks.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type { CancelReason } from "./Errors.ts"
import * as gantt from "./internal/gantt.ts"
import * as internal from "./internal/timeline.ts"
import * as validate from "./internal/validate.ts"

/**
 * How a task ended.
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Returned" }
  | { readonly _tag: "Failed"; readonly error: string }
  | { readonly _tag: "Cancelled"; readonly reason: CancelReason }

/**
 * One recorded lifecycle event; `at` is seconds since the recording started.
 *
 * @category models
 * @since 0.1.0
 */
export type Event =
  | {
      readonly _tag: "Created"
      readonly at: number
      readonly task: number
      readonly name: string
      readonly owner: string
      readonly creator: number | undefined
      /** The creator's name when the task was created. */
      readonly creatorName: string | undefined
    }
  | { readonly _tag: "Started"; readonly at: number; readonly task: number }
  | { readonly _tag: "Waiting"; readonly at: number; readonly task: number; readonly on: string }
  | { readonly _tag: "Resumed"; readonly at: number; readonly task: number }
  | {
      readonly _tag: "CancelRequested"
      readonly at: number
      readonly task: number
      readonly reason: CancelReason
    }
  | {
      readonly _tag: "ScopeCancelled"
      readonly at: number
      readonly task: number
      readonly reason: CancelReason
    }
  | {
      readonly _tag: "Done"
      readonly at: number
      readonly task: number
      /** The task's name when it ended (a task can be renamed). */
      readonly name: string
      readonly outcome: Outcome
    }

/**
 * A stretch of a task's life in one state.
 *
 * @category models
 * @since 0.1.0
 */
export interface Segment {
  readonly from: number
  readonly to: number
  /** `pending`: created, not started; `running`: started, not known to be suspended; `waiting`: suspended. */
  readonly state: "pending" | "running" | "waiting"
  /** What it waits on, for `waiting`. */
  readonly on: string | undefined
  /** Whether a cancellation had been requested (the task is cleaning up). */
  readonly cancelling: boolean
}

/**
 * One task's row. Times are seconds since the recording started.
 *
 * @category models
 * @since 0.1.0
 */
export interface Track {
  readonly id: number
  readonly name: string
  readonly owner: string
  /** The name of the task that created it. */
  readonly creator: string | undefined
  readonly created: number
  readonly started: number | undefined
  /** When it finished; `undefined` if it was still running when the recording ended. */
  readonly ended: number | undefined
  readonly outcome: Outcome | undefined
  /** The first cancellation request. */
  readonly cancelRequested: { readonly at: number; readonly reason: CancelReason } | undefined
  /**
   * Cancellations of work *inside* the task that did not cancel the task: a timeout scope's deadline expiring on
   * its body, a task group it runs cancelling its body.
   */
  readonly scopeCancellations: ReadonlyArray<{ readonly at: number; readonly reason: CancelReason }>
  readonly segments: ReadonlyArray<Segment>
}

/**
 * What a recording left out once it reached its limit (`maxEvents`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Dropped {
  /** Tasks created after the limit was reached: not recorded at all. */
  readonly tasks: number
  /** Events of recorded tasks after the limit (waits, resumes, cancel requests); how each ended is always kept. */
  readonly events: number
  /** When the limit was reached (seconds since the start); `undefined` if it was not. */
  readonly at: number | undefined
  /** The limit: the most events the recording keeps before it drops (how recorded tasks end is kept beyond it). */
  readonly maxEvents: number
}

/**
 * A finished recording.
 *
 * @category models
 * @since 0.1.0
 */
export interface Timeline {
  /** Seconds from the start to the end of the recording. */
  readonly duration: number
  /** One track per task, in creation order. */
  readonly tasks: ReadonlyArray<Track>
  /** Every event, in order. */
  readonly events: ReadonlyArray<Event>
  /** What the recording left out once it reached its limit (all zero when it did not). */
  readonly dropped: Dropped
}

/**
 * Options of the terminal renderer.
 *
 * @category models
 * @since 0.1.0
 */
export interface TextOptions {
  /** Columns of the time axis (default 60). */
  readonly width?: number | undefined
  /** `unicode` (box drawing, blocks) or `ascii` (default, safe for any output). */
  readonly style?: "unicode" | "ascii" | undefined
  /** ANSI colours (default `false`). */
  readonly color?: boolean | undefined
  /** Print the legend under the chart (default `true`). */
  readonly legend?: boolean | undefined
  /** A title line above the chart. */
  readonly title?: string | undefined
}

/**
 * Options of the SVG renderer.
 *
 * @category models
 * @since 0.1.0
 */
export interface SvgOptions {
  /** Width of the picture in pixels (default 960). */
  readonly width?: number | undefined
  /** The title drawn above the chart (and the picture's `<title>`). */
  readonly title?: string | undefined
}

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
  ? Effect.Effect<readonly [Exit.Exit<_A, _E>, Timeline], never, _R>
  : <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<readonly [Exit.Exit<A, E>, Timeline], never, R>
export function record(...args: ReadonlyArray<unknown>): unknown {
  return validate.selfOrOptions(args, (effect, options) =>
    recordImpl(effect as Effect.Effect<unknown, unknown, unknown>, options as RecordOptions | undefined)
  )
}

const recordImpl = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: RecordOptions | undefined
): Effect.Effect<readonly [Exit.Exit<A, E>, Timeline], never, R> =>
  validate.atCall(() => {
    validate.effect("Timeline.record", effect)
    const { maxEvents } = validate.options("Timeline.record", options, ["maxEvents"])
    if (maxEvents !== undefined) validate.integer("Timeline.record", maxEvents, "maxEvents", 0)
    return recording(effect, maxEvents)
  })

const recording = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  maxEvents: number | undefined
): Effect.Effect<readonly [Exit.Exit<A, E>, Timeline], never, R> =>
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
export const toText: (timeline: Timeline, options?: TextOptions) => string = gantt.toText

/**
 * The timeline as a standalone SVG document: one row per task (`<g class="task">`), coloured segments (running,
 * waiting, not started, cleaning up after a cancel request), marks for start, cancel request, return, failure and
 * cancellation, captions with the outcome and cancel reason, tooltips (`<title>`) on everything, a legend.
 *
 * @category rendering
 * @since 0.1.0
 */
export const toSvg: (timeline: Timeline, options?: SvgOptions) => string = gantt.toSvg
