/**
 * The timeline model and recorder behind `Timeline.ts`: an observer that stamps every lifecycle event of the
 * tasks created inside a recorded effect with the clock of that effect (virtual under `TestClock`), and the
 * replay that turns the events into per-task tracks of segments.
 *
 * Memory: the recorder keeps text and numbers (names, times, what a task waited on, outcomes as text, cancel
 * reasons with their message as text), never a task, its fiber or its result; and at most `maxEvents` events
 * (then later tasks are dropped, and the events of recorded tasks except how they ended), counted in
 * `Timeline.dropped`.
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import type { CancelReason } from "../Errors.ts"
import type { Event, Outcome, Segment, Timeline, Track } from "../Timeline.ts"
import { describeError, text } from "./format.ts"
import * as hooks from "./hooks.ts"
import { outcomeOf } from "./outcome.ts"
import { describeTarget } from "./registry.ts"

/**
 * The default limit of a recording: 100,000 events (about 11 MiB, measured by `npm run soak`; a task makes 2–6 events, more if it waits often).
 * Beyond it, later tasks are not recorded and recorded tasks keep only how they end; the renders say how much was
 * dropped.
 */
export const DEFAULT_MAX_EVENTS = 100_000

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
      return { _tag: "Cancelled", reason: asText(o.error.reason) }
  }
}

/** A cancel reason with its message as text: a recording keeps no user object alive. */
const asText = (reason: CancelReason): CancelReason =>
  reason.message === undefined || typeof reason.message === "string"
    ? reason
    : { kind: reason.kind, message: text(reason.message), detail: reason.detail }

export class Recorder {
  readonly clock: Clock.Clock
  readonly start: number
  readonly maxEvents: number
  readonly events: Array<Event> = []
  /** The recorded tasks that have not ended, for their current name (a live task is referenced anyway). */
  private readonly live = new Map<number, hooks.TaskLike>()
  private droppedTasks = 0
  private droppedEvents = 0
  private droppedAt: number | undefined = undefined
  readonly observer: hooks.Observer

  constructor(clock: Clock.Clock, maxEvents = DEFAULT_MAX_EVENTS) {
    this.clock = clock
    this.start = clock.currentTimeMillisUnsafe()
    this.maxEvents = maxEvents
    /** Records `event` of a recorded task unless the limit is reached (then it is counted). */
    const push = (task: hooks.TaskLike, event: () => Event): void => {
      if (!this.live.has(task.id)) return
      if (this.full()) this.droppedEvents++
      else this.events.push(event())
    }
    this.observer = {
      name: "Timeline.record",
      created: (task, creation) => {
        if (!creation.parent.getRef(Recording).includes(this)) return
        if (this.full()) {
          this.droppedTasks++
          return
        }
        this.live.set(task.id, task)
        this.events.push({
          _tag: "Created",
          at: this.now(),
          task: task.id,
          name: task.name,
          owner: creation.owner,
          creator: creation.creator?.id,
          creatorName: creation.creator?.name
        })
      },
      started: (task) => push(task, () => ({ _tag: "Started", at: this.now(), task: task.id })),
      waiting: (task, target) =>
        push(task, () => ({ _tag: "Waiting", at: this.now(), task: task.id, on: describeTarget(target) })),
      resumed: (task) => push(task, () => ({ _tag: "Resumed", at: this.now(), task: task.id })),
      cancelRequested: (task, reason) =>
        push(task, () => ({
          _tag: "CancelRequested",
          at: this.now(),
          task: task.id,
          reason: asText(reason)
        })),
      scopeCancelled: (task, reason) =>
        push(task, () => ({ _tag: "ScopeCancelled", at: this.now(), task: task.id, reason: asText(reason) })),
      done: (task, exit) => {
        // How a recorded task ended is kept even beyond the limit (at most one event per recorded task).
        if (!this.live.delete(task.id)) return
        this.events.push({
          _tag: "Done",
          at: this.now(),
          task: task.id,
          name: task.name,
          outcome: outcome(exit)
        })
      }
    }
  }

  /** Whether the limit is reached (and notes when it first was). */
  private full(): boolean {
    if (this.events.length < this.maxEvents) return false
    this.droppedAt ??= this.now()
    return true
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
      tasks: replay(this.events, this.live, duration),
      events: this.events.slice(),
      dropped: {
        tasks: this.droppedTasks,
        events: this.droppedEvents,
        at: this.droppedAt,
        maxEvents: this.maxEvents
      }
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
  live: ReadonlyMap<number, hooks.TaskLike>,
  duration: number
): Array<Track> => {
  const building = new Map<number, Building>()
  for (const event of events) {
    if (event._tag === "Created") {
      building.set(event.task, {
        id: event.task,
        name: live.get(event.task)?.name ?? event.name,
        owner: event.owner,
        creator: event.creatorName,
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
        b.name = event.name
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
