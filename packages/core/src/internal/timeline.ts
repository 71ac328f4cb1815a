/**
 * The timeline model and recorder behind `Timeline.ts`: an observer that stamps every lifecycle event of the
 * tasks created inside a recorded effect with the clock of that effect (virtual under `TestClock`), and the
 * replay that turns the events into per-task tracks of segments.
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import type { CancelReason } from "../Errors.ts"
import { describeError } from "./describe.ts"
import * as hooks from "./hooks.ts"
import { describeTarget } from "./registry.ts"
import { outcomeOf } from "./task.ts"

/** How a task ended. */
export type Outcome =
  | { readonly _tag: "Returned" }
  | { readonly _tag: "Failed"; readonly error: string }
  | { readonly _tag: "Cancelled"; readonly reason: CancelReason }

/** One recorded lifecycle event; `at` is seconds since the recording started. */
export type Event =
  | {
      readonly _tag: "Created"
      readonly at: number
      readonly task: number
      readonly name: string
      readonly owner: string
      readonly creator: number | undefined
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
  | { readonly _tag: "Done"; readonly at: number; readonly task: number; readonly outcome: Outcome }

/** A stretch of a task's life in one state. */
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

/** One task's row. Times are seconds since the recording started. */
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

/** A finished recording. */
export interface Timeline {
  /** Seconds from the start to the end of the recording. */
  readonly duration: number
  /** One track per task, in creation order. */
  readonly tasks: ReadonlyArray<Track>
  /** Every event, in order. */
  readonly events: ReadonlyArray<Event>
}

/** Which recorders the current fiber records for (a task is recorded if its creator's fiber has the recorder). */
export const Recording = Context.Reference<ReadonlyArray<Recorder>>("effect-asyncio/Timeline/Recording", {
  defaultValue: () => []
})

const outcome = (exit: Exit.Exit<unknown, unknown>): Outcome => {
  const o = outcomeOf(exit)
  switch (o._tag) {
    case "Result":
      return { _tag: "Returned" }
    case "Exception":
      return { _tag: "Failed", error: describeError(o.error) }
    case "Cancelled":
      return { _tag: "Cancelled", reason: o.error.reason }
  }
}

export class Recorder {
  readonly clock: Clock.Clock
  readonly start: number
  readonly events: Array<Event> = []
  private readonly tasks = new Map<number, hooks.TaskLike>()
  private readonly creators = new Map<number, string | undefined>()
  readonly observer: hooks.Observer

  constructor(clock: Clock.Clock) {
    this.clock = clock
    this.start = clock.currentTimeMillisUnsafe()
    const known = (task: hooks.TaskLike): boolean => this.tasks.has(task.id)
    this.observer = {
      name: "Timeline.record",
      created: (task, creation) => {
        if (!creation.parent.getRef(Recording).includes(this)) return
        this.tasks.set(task.id, task)
        this.creators.set(task.id, creation.creator?.name)
        this.events.push({
          _tag: "Created",
          at: this.now(),
          task: task.id,
          name: task.name,
          owner: creation.owner,
          creator: creation.creator?.id
        })
      },
      started: (task) => {
        if (known(task)) this.events.push({ _tag: "Started", at: this.now(), task: task.id })
      },
      waiting: (task, target) => {
        if (known(task))
          this.events.push({ _tag: "Waiting", at: this.now(), task: task.id, on: describeTarget(target) })
      },
      resumed: (task) => {
        if (known(task)) this.events.push({ _tag: "Resumed", at: this.now(), task: task.id })
      },
      cancelRequested: (task, reason) => {
        if (known(task)) this.events.push({ _tag: "CancelRequested", at: this.now(), task: task.id, reason })
      },
      scopeCancelled: (task, reason) => {
        if (known(task)) this.events.push({ _tag: "ScopeCancelled", at: this.now(), task: task.id, reason })
      },
      done: (task, exit) => {
        if (known(task))
          this.events.push({ _tag: "Done", at: this.now(), task: task.id, outcome: outcome(exit) })
      }
    }
  }

  /** Seconds since the start, rounded to the microsecond (no float noise in renders). */
  now(): number {
    return Math.round((this.clock.currentTimeMillisUnsafe() - this.start) * 1000) / 1e6
  }

  /** The timeline so far. */
  timeline(): Timeline {
    const duration = this.now()
    return {
      duration,
      tasks: replay(this.events, this.tasks, this.creators, duration),
      events: this.events.slice()
    }
  }
}

interface Building {
  id: number
  name: string
  owner: string
  creator: string | undefined
  created: number
  started: number | undefined
  ended: number | undefined
  outcome: Outcome | undefined
  cancelRequested: { at: number; reason: CancelReason } | undefined
  scopeCancellations: Array<{ at: number; reason: CancelReason }>
  segments: Array<Segment>
  /** The open segment. */
  state: Segment["state"]
  since: number
  waits: Array<string>
}

const close = (b: Building, at: number): void => {
  b.segments.push({
    from: b.since,
    to: at,
    state: b.state,
    on: b.state === "waiting" ? b.waits[b.waits.length - 1] : undefined,
    cancelling: b.cancelRequested !== undefined && b.cancelRequested.at <= b.since
  })
  b.since = at
}

const replay = (
  events: ReadonlyArray<Event>,
  tasks: ReadonlyMap<number, hooks.TaskLike>,
  creators: ReadonlyMap<number, string | undefined>,
  duration: number
): Array<Track> => {
  const building = new Map<number, Building>()
  for (const event of events) {
    if (event._tag === "Created") {
      building.set(event.task, {
        id: event.task,
        name: tasks.get(event.task)?.name ?? event.name,
        owner: event.owner,
        creator: creators.get(event.task),
        created: event.at,
        started: undefined,
        ended: undefined,
        outcome: undefined,
        cancelRequested: undefined,
        scopeCancellations: [],
        segments: [],
        state: "pending",
        since: event.at,
        waits: []
      })
      continue
    }
    const b = building.get(event.task)
    if (b === undefined || b.ended !== undefined) continue
    switch (event._tag) {
      case "Started":
        close(b, event.at)
        b.started = event.at
        b.state = b.waits.length > 0 ? "waiting" : "running"
        break
      case "Waiting":
        close(b, event.at)
        b.waits.push(event.on)
        if (b.started !== undefined) b.state = "waiting"
        break
      case "Resumed":
        close(b, event.at)
        b.waits.pop()
        if (b.started !== undefined) b.state = b.waits.length > 0 ? "waiting" : "running"
        break
      case "CancelRequested":
        if (b.cancelRequested === undefined) {
          close(b, event.at)
          b.cancelRequested = { at: event.at, reason: event.reason }
        }
        break
      case "ScopeCancelled":
        b.scopeCancellations.push({ at: event.at, reason: event.reason })
        break
      case "Done":
        close(b, event.at)
        b.ended = event.at
        b.outcome = event.outcome
        break
    }
  }
  return Array.from(building.values(), (b): Track => {
    if (b.ended === undefined) close(b, duration)
    return {
      id: b.id,
      name: b.name,
      owner: b.owner,
      creator: b.creator,
      created: b.created,
      started: b.started,
      ended: b.ended,
      outcome: b.outcome,
      cancelRequested: b.cancelRequested,
      scopeCancellations: b.scopeCancellations,
      // Zero-length pieces carry no information in a chart; keep them only for a task that lived no time at all.
      segments: b.segments.filter((s, i, all) => s.to > s.from || (all.length === 1 && i === 0))
    }
  })
}

export const install = (recorder: Recorder): (() => void) => hooks.install(recorder.observer)
