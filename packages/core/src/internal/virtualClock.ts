/**
 * The virtual clock of `Testing.runVirtual`: effect's `TestClock` (`effect/testing`) with asyncio's rule for timers
 * due at the same instant.
 *
 * Both clocks jump from timer to timer and, after waking a timer, wait until everything the wake-up set off has
 * suspended before going on (Trio's autojump clock). They differ in what one wake-up is:
 *
 * - effect's `TestClock.adjust` wakes **one** sleeper at a time, and lets it settle before it wakes the next, even
 *   when the next is due at the same instant: the first sleeper's whole reaction (the tasks it wakes, the deadline
 *   it cancels) runs before the second sleeper takes its step.
 * - asyncio's loop moves **every** timer that is due to the ready queue in one iteration (`_run_once`), in the order
 *   they were scheduled, and only then runs what they set off. A `sleep(1)` and a `timeout(1)` that end at the same
 *   instant both fire before either reaction runs.
 *
 * This clock does what asyncio does: it wakes every sleeper due at the earliest instant in one batch, in
 * registration order, and waits for that batch to settle. Everything else is effect's `TestClock` as written in
 * effect 4.1 — the sleep registry sorted by instant, the tracking scheduler that tells when a wake-up has settled,
 * the busy-fiber warning — minus the "not advancing the clock" warning, which only `TestClock`'s own users need.
 * It implements the `TestClock` interface, so `TestClock.adjust`, `TestClock.setTime` and `TestClock.withLive`
 * drive it when it is the current clock. (The differential harness against CPython, docs/differential.md, found the
 * difference: class `clock-settles-each-timer`.)
 */
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import * as Scheduler from "effect/Scheduler"
import * as Semaphore from "effect/Semaphore"
import type { TestClock } from "effect/testing"

/** One sleeping fiber: the instant it is due and the latch that wakes it. */
interface Sleeper {
  readonly timestamp: number
  readonly latch: Latch.Latch
}

/** Counts the work a wake-up scheduled that has not run yet; `onIdle` is called when it drops to zero. */
interface WakeTracker {
  pending: number
  onIdle: (() => void) | undefined
}

const busyWarning =
  "A fiber woken by the virtual clock is still running without suspending, so the clock stopped waiting for it. " +
  "Sleeps it starts later may be scheduled relative to a later time."

/** How long (real time) the clock waits for a wake-up to settle before it warns and goes on. */
const busyDelay = Duration.seconds(1)

const nanosPerMilli = BigInt(1_000_000)

const millisToNanos = (millis: number): bigint => {
  const whole = Math.floor(millis)
  return BigInt(whole) * nanosPerMilli + BigInt(Math.floor((millis - whole) * 1_000_000))
}

/** The clock; see the module comment. */
export class VirtualClock implements TestClock.TestClock {
  /** Sleepers sorted by descending instant (equal instants: the later registered first), so `pop` is the next. */
  private readonly sleepers: Array<Sleeper> = []
  private readonly runLock = Semaphore.makeUnsafe(1)
  private currentTimestamp = 0
  private wallNanos = BigInt(0)
  private monotonicNanos = BigInt(0)
  /** The wake-up whose work is running now, if any (read by the {@link TrackingScheduler}). */
  tracker: WakeTracker | undefined = undefined
  readonly scheduler: Scheduler.Scheduler
  private readonly liveClock: Clock.Clock
  private readonly liveConsole: Console.Console

  constructor(liveClock: Clock.Clock, liveConsole: Console.Console, parent: Scheduler.Scheduler) {
    this.liveClock = liveClock
    this.liveConsole = liveConsole
    this.scheduler = new TrackingScheduler(this, parent)
  }

  readonly currentTimeMillisUnsafe = (): number => this.currentTimestamp
  readonly currentTimeNanosUnsafe = (): bigint => this.wallNanos
  readonly monotonicTimeNanosUnsafe = (): bigint => this.monotonicNanos
  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(this.currentTimeMillisUnsafe)
  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(this.currentTimeNanosUnsafe)
  readonly monotonicTimeNanos: Effect.Effect<bigint> = Effect.sync(this.monotonicTimeNanosUnsafe)

  readonly withLive = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, Clock.Clock, this.liveClock)

  readonly sleep = (duration: Duration.Duration): Effect.Effect<void> =>
    Effect.suspend(() => {
      const end = this.currentTimestamp + Duration.toMillis(duration)
      if (end <= this.currentTimestamp) return Effect.void
      return Effect.acquireUseRelease(
        Effect.sync(() => this.register(end)),
        (sleeper) => sleeper.latch.await,
        (sleeper) => Effect.sync(() => this.unregister(sleeper))
      )
    })

  private register(timestamp: number): Sleeper {
    const sleeper: Sleeper = { timestamp, latch: Latch.makeUnsafe() }
    // before the entries with an equal instant, so that equal instants wake in registration order
    const sleepers = this.sleepers
    let low = 0
    let high = sleepers.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (sleepers[mid].timestamp > timestamp) low = mid + 1
      else high = mid
    }
    sleepers.splice(low, 0, sleeper)
    return sleeper
  }

  /** A sleep that ended early (interrupted) leaves the registry; one that was woken has left it already. */
  private unregister(sleeper: Sleeper): void {
    const index = this.sleepers.indexOf(sleeper)
    if (index !== -1) this.sleepers.splice(index, 1)
  }

  readonly adjust = (input: Duration.Input): Effect.Effect<void> => {
    const duration = Duration.fromInputUnsafe(input)
    const millis = Duration.toMillis(duration)
    const nanos = Number.isFinite(millis) ? Duration.toNanosUnsafe(duration) : undefined
    return this.run((timestamp) => timestamp + millis, nanos)
  }

  readonly setTime = (timestamp: number): Effect.Effect<void> => this.run(() => timestamp)

  /** Runs `f` with `tracker` as the current wake-up: the work it schedules is counted in it. */
  runTracked(tracker: WakeTracker, f: () => void): void {
    const previous = this.tracker
    this.tracker = tracker
    try {
      f()
    } finally {
      this.tracker = previous
    }
  }

  /** Wakes every sleeper of `batch` in one go, in order, and waits until what they set off has suspended. */
  private wake(batch: ReadonlyArray<Sleeper>): Effect.Effect<void> {
    return Effect.suspend(() => {
      const tracker: WakeTracker = { pending: 0, onIdle: undefined }
      this.runTracked(tracker, () => {
        for (const sleeper of batch) sleeper.latch.openUnsafe()
      })
      if (tracker.pending === 0) return Effect.yieldNow
      return Effect.callback<void>((resume) => {
        if (tracker.pending === 0) return resume(Effect.void)
        tracker.onIdle = () => resume(Effect.void)
        return Effect.sync(() => {
          tracker.onIdle = undefined
        })
      }).pipe(
        Effect.timeoutOrElse({
          duration: busyDelay,
          orElse: () =>
            Effect.provideService(Effect.logWarning(busyWarning), Console.Console, this.liveConsole)
        }),
        this.withLive,
        Effect.andThen(Effect.yieldNow)
      )
    })
  }

  private advanceTo(timestamp: number): void {
    const delta = timestamp - this.currentTimestamp
    if (delta > 0 && Number.isFinite(delta)) this.monotonicNanos += BigInt(Math.round(delta * 1_000_000))
    if (Number.isFinite(timestamp)) this.wallNanos = millisToNanos(timestamp)
    this.currentTimestamp = timestamp
  }

  private run(step: (now: number) => number, adjustmentNanos?: bigint): Effect.Effect<void> {
    const self = this
    return this.runLock.withPermits(1)(
      Effect.gen(function* () {
        // let what is ready now run first (as effect's TestClock does)
        yield* Fiber.await(yield* Effect.forkChild(Effect.yieldNow))
        const initialWall = self.wallNanos
        const initialMonotonic = self.monotonicNanos
        const end = step(self.currentTimestamp)
        const sleepers = self.sleepers
        while (sleepers.length > 0) {
          const instant = sleepers[sleepers.length - 1].timestamp
          if (instant > end) break
          const batch: Array<Sleeper> = []
          while (sleepers.length > 0 && sleepers[sleepers.length - 1].timestamp === instant) {
            batch.push(sleepers.pop()!)
          }
          self.advanceTo(instant)
          yield* self.wake(batch)
        }
        self.advanceTo(end)
        if (adjustmentNanos !== undefined && Number.isFinite(end)) {
          self.wallNanos = initialWall + adjustmentNanos
          if (adjustmentNanos > BigInt(0)) self.monotonicNanos = initialMonotonic + adjustmentNanos
        }
      })
    )
  }

  toJSON(): unknown {
    return { _id: "VirtualClock", currentTimeMillis: this.currentTimestamp }
  }
}

/** The scheduler that counts, in the current wake-up's tracker, the work scheduled while that wake-up runs. */
class TrackingScheduler implements Scheduler.Scheduler {
  readonly executionMode: Scheduler.Scheduler["executionMode"]
  private readonly clock: VirtualClock
  private readonly parent: Scheduler.Scheduler
  constructor(clock: VirtualClock, parent: Scheduler.Scheduler) {
    this.clock = clock
    this.parent = parent
    this.executionMode = parent.executionMode
  }
  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return this.parent.shouldYield(fiber)
  }
  makeDispatcher(): Scheduler.SchedulerDispatcher {
    const clock = this.clock
    const dispatcher = this.parent.makeDispatcher()
    return {
      scheduleTask(task, priority) {
        const tracker = clock.tracker
        if (tracker === undefined) return dispatcher.scheduleTask(task, priority)
        tracker.pending++
        dispatcher.scheduleTask(() => {
          try {
            clock.runTracked(tracker, task)
          } finally {
            if (--tracker.pending === 0) tracker.onIdle?.()
          }
        }, priority)
      },
      flush() {
        dispatcher.flush()
      }
    }
  }
}

/** A new {@link VirtualClock} at instant 0, over the current scheduler, as the current clock and scheduler. */
export const layer: Layer.Layer<never> = Layer.effectContext(
  Effect.contextWith((context: Context.Context<never>) => {
    const clock = new VirtualClock(
      Clock.Clock.defaultValue(),
      Context.get(context, Console.Console),
      Context.get(context, Scheduler.Scheduler)
    )
    return Effect.succeed(
      Context.make(Clock.Clock, clock).pipe(Context.add(Scheduler.Scheduler, clock.scheduler))
    )
  })
)
