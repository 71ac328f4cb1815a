/**
 * Debug mode: asyncio's debug mode (`asyncio.run(main, debug=True)`, `PYTHONASYNCIODEBUG=1`), for Effect fibers.
 *
 * While a debug session runs:
 *
 * - **slow steps**: every step of every fiber is timed; one that holds the thread longer than
 *   `slowCallbackDuration` (default 0.1 s, asyncio's `loop.slow_callback_duration`) is reported with the task
 *   that ran it — `Executing <Task running name='parse' id=4 created at app.ts:12:5> took 0.213 seconds`. Steps
 *   are timed on the session's `Clock`, as asyncio times callbacks with `loop.time()`: real time with Effect's own
 *   clock; under a `TestClock` virtual time, on which a step takes no time (so tests see no slow step however
 *   loaded the machine is);
 * - **exceptions never retrieved**: a task that failed and whose error nobody consumed (by awaiting it, calling
 *   `result()`/`exception()`, or through `gather`, plain `asCompleted` iteration, a `TaskGroup`, or a loop's
 *   shutdown report) is reported when the session ends — `Task exception was never retrieved`;
 * - **pending at shutdown**: when a loop scope (`run`, `Loop.scoped`) ends with tasks still pending, they are
 *   listed — state, what each awaits, where it was created — before the loop cancels them.
 *
 * The task registry ({@link Inspect}) is on during a session, for the reports. `run` in `@effect-asyncio/node`
 * turns a session on with `debug: true` or the environment variable `EFFECT_ASYNCIO_DEBUG=1` (or
 * `PYTHONASYNCIODEBUG=1`), and adds a real-time monitor of the event loop.
 *
 * Costs: the step timing reads the clock twice per effect step, and each `createTask` captures three stack frames
 * for its creation site (formatted only when a report shows it): about 5× the CPU per task of debug mode off for
 * `createTask` + `gather` (`npm run bench -- --workload gather-debug`). Memory is bounded: a session keeps no
 * finished task, the error objects of at most 32 recent failures not yet retrieved, and text for at most
 * `maxNeverRetrieved` older ones (the rest are counted). Debug mode is for development, like asyncio's.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Tracer from "effect/Tracer"
import { repr, type TaskInfo } from "./Inspect.ts"
import { describeError, indent, prettyCause } from "./internal/format.ts"
import * as hooks from "./internal/hooks.ts"
import { CurrentTask } from "./internal/owner.ts"
import * as registry from "./internal/registry.ts"
import * as validate from "./internal/validate.ts"

/**
 * What debug mode reports.
 *
 * @category models
 * @since 0.1.0
 */
export type Warning =
  /** One step of a fiber held the thread for `seconds`; `task` ran it (`undefined` for a fiber outside tasks). */
  | {
      readonly _tag: "SlowCallback"
      readonly seconds: number
      readonly task: TaskInfo | undefined
      readonly fiberId: number
    }
  /**
   * `task` failed and nobody retrieved its exception. Kept as text, not as the error object, so that debug mode
   * does not keep what failed tasks hold: `error` is `Name: message`, `traceback` the failure with its stack
   * (`Cause.pretty`, without interruptions; at most {@link TRACEBACK_CHARS} characters).
   */
  | {
      readonly _tag: "NeverRetrieved"
      readonly task: TaskInfo
      readonly error: string
      readonly traceback: string
    }
  /**
   * `count` more tasks failed and nobody retrieved their exceptions; debug mode keeps the details of at most
   * `maxNeverRetrieved` of them (an option), so that a program that forgets many tasks does not fill its memory.
   */
  | { readonly _tag: "NeverRetrievedOmitted"; readonly count: number; readonly kept: number }
  /** The loop scope `loop` ended with `tasks` still pending; it is about to cancel them. */
  | { readonly _tag: "PendingAtShutdown"; readonly loop: string; readonly tasks: ReadonlyArray<TaskInfo> }
  /**
   * The event loop was blocked for `seconds` without one step accounting for it (reported by a runtime's real-time
   * monitor, e.g. `run`'s); `lastTask` is the task of the last step that ran before it.
   */
  | { readonly _tag: "BlockedLoop"; readonly seconds: number; readonly lastTask: TaskInfo | undefined }

/**
 * Options of a debug session.
 *
 * @category models
 * @since 0.1.0
 */
export interface DebugOptions {
  /** Seconds a single step may hold the thread before it is reported (default 0.1, asyncio's). */
  readonly slowCallbackDuration?: number | undefined
  /**
   * Where warnings go (default: `console.warn` of {@link format}). Called synchronously, from inside the runtime.
   * If it throws, the fault is reported once (`console.error`) and the warning goes to `console.warn`; the program
   * is not affected.
   */
  readonly onWarning?: ((warning: Warning) => void) | undefined
  /**
   * How many exceptions never retrieved are reported in full when the session ends (default 100); beyond that,
   * one `NeverRetrievedOmitted` warning gives the count. Memory stays bounded whatever the program forgets.
   */
  readonly maxNeverRetrieved?: number | undefined
}

/**
 * The longest traceback kept for an exception never retrieved, in characters; a longer one is cut, with a note.
 *
 * @category models
 * @since 0.1.0
 */
export const TRACEBACK_CHARS = 4000

const seconds = (s: number): string => s.toFixed(3)

/**
 * A warning as asyncio words it (`Executing <Task …> took 0.213 seconds`, `Task exception was never retrieved`),
 * one or more lines, without a trailing newline.
 *
 * @category formatting
 * @since 0.1.0
 */
export const format = (warning: Warning): string => {
  switch (warning._tag) {
    case "SlowCallback":
      return `Executing ${warning.task === undefined ? `<fiber #${warning.fiberId}>` : repr(warning.task)} took ${seconds(warning.seconds)} seconds`
    case "NeverRetrieved": {
      const task = repr({ ...warning.task, state: "unknown" }).replace("<Task unknown ", "<Task finished ")
      return (
        `Task exception was never retrieved\n` +
        `future: ${task.slice(0, -1)} exception=${warning.error}>` +
        (warning.traceback === "" ? "" : `\n${indent(warning.traceback)}`)
      )
    }
    case "NeverRetrievedOmitted":
      return (
        `… and ${warning.count} more task${warning.count === 1 ? "" : "s"} whose exception was never retrieved ` +
        `(debug mode keeps the details of ${warning.kept})`
      )
    case "PendingAtShutdown": {
      const n = warning.tasks.length
      return [
        `${warning.loop} is shutting down with ${n} pending task${n === 1 ? "" : "s"}; cancelling ${n === 1 ? "it" : "them"}:`,
        ...warning.tasks.map((task) => `  ${repr(task)}`)
      ].join("\n")
    }
    case "BlockedLoop":
      return (
        `The event loop was blocked for ${seconds(warning.seconds)} seconds` +
        (warning.lastTask === undefined
          ? " outside any task"
          : ` (no single step took that long; the last task that ran: ${repr(warning.lastTask)})`)
      )
  }
}

/** Fibers whose tasks this session reports (set on the fibers it runs). */
const CurrentSession = Context.Reference<Session | undefined>("effect-asyncio/Debug/Session", {
  defaultValue: () => undefined
})

const EVALUATE = "~effect/Effect/evaluate"

/** Effect's own clock (the default of the `Clock` reference): real time. */
const liveClock = Context.getUnsafe(Context.empty(), Clock.Clock)

/**
 * Milliseconds on `clock`'s monotonic time, for timing steps: `performance.now()` for Effect's own clock (cheaper
 * than its bigint nanoseconds, on every step), the clock's own reading for any other (a `TestClock`: virtual time).
 */
const stepTimer = (clock: Clock.Clock): (() => number) =>
  clock === liveClock ? () => performance.now() : () => Number(clock.monotonicTimeNanosUnsafe()) / 1e6

/**
 * A debug session, for runtimes that drive one by hand (`run` does). Applications use {@link debug}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Session {
  /**
   * Runs `effect` inside the session: its tasks are watched and every step of its fibers is timed, on the `Clock` of
   * the fiber that calls `run` (see the module documentation).
   */
  readonly run: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** `performance.now()` when the last slow step was reported (0 if none): monitors use it to avoid duplicates. */
  readonly lastSlowStepAt: () => number
  /** The task of the last step that ran (for attributing a blocked loop). */
  readonly lastTask: () => TaskInfo | undefined
  /** Reports a warning found outside the session (a runtime's event-loop monitor). */
  readonly report: (warning: Warning) => void
  /** Ends the session: reports the exceptions never retrieved, removes the observers. Idempotent. */
  readonly close: () => void
}

/** What a session keeps of a task it watches, from its creation (not the creating fiber, nor the creator task). */
interface Watched {
  readonly owner: string
  readonly group: string | undefined
  readonly loop: string | undefined
  readonly creator: { readonly id: number; readonly name: string } | undefined
  readonly site: hooks.Site | undefined
}

/**
 * A failure not retrieved yet, as it was: most are retrieved moments later (an awaiter, a `gather`), so they are
 * kept as objects only while they are among the most recent {@link RECENT_FAILURES}, and turned into text after.
 */
interface Failed {
  readonly task: hooks.TaskLike
  readonly info: TaskInfo
  readonly exit: Exit.Exit<unknown, unknown>
}

/** How many failures not yet retrieved a session keeps as objects before it turns the oldest into text. */
const RECENT_FAILURES = 32

/** The first error of a failed exit and its cause without interruptions, or `undefined`. */
const failureOf = (
  exit: Exit.Exit<unknown, unknown>
): { error: unknown; cause: Cause.Cause<unknown> } | undefined => {
  if (exit._tag === "Success") return undefined
  const reasons = exit.cause.reasons.filter((r) => r._tag !== "Interrupt")
  const first = reasons.find((r) => r._tag === "Fail") ?? reasons.find((r) => r._tag === "Die")
  if (first === undefined) return undefined
  return { error: first._tag === "Fail" ? first.error : first.defect, cause: Cause.fromReasons(reasons) }
}

const isFailure = (exit: Exit.Exit<unknown, unknown>): boolean =>
  exit._tag === "Failure" && exit.cause.reasons.some((r) => r._tag !== "Interrupt")

/** The warning for a failure, as text: what a session keeps of it once it is no longer recent. */
const neverRetrieved = (failed: Failed): Warning => {
  const failure = failureOf(failed.exit)
  const traceback = failure === undefined ? "" : prettyCause(failure.cause).trimEnd()
  return {
    _tag: "NeverRetrieved",
    task: failed.info,
    error: failure === undefined ? "" : describeError(failure.error),
    traceback:
      traceback.length <= TRACEBACK_CHARS
        ? traceback
        : `${traceback.slice(0, TRACEBACK_CHARS)}\n… (${traceback.length - TRACEBACK_CHARS} more characters)`
  }
}

const defaultWarning = (warning: Warning): void => {
  globalThis.console.warn(format(warning))
}

/**
 * `onWarning`, guarded: warnings are delivered from inside the runtime (a fiber's step, its exit, a loop's
 * shutdown), where a throw would change the program's outcome. A callback that throws is reported once on
 * `console.error`; each warning it fails to take goes to `console.warn` instead, so none is lost.
 */
const guardedWarning = (
  onWarning: ((warning: Warning) => void) | undefined
): ((warning: Warning) => void) => {
  if (onWarning === undefined) return defaultWarning
  let faulted = false
  return (warning) => {
    try {
      onWarning(warning)
      return
    } catch (error) {
      if (!faulted) {
        faulted = true
        globalThis.console.error(
          `effect-asyncio: Debug's onWarning callback threw ${describeError(error)}; the warnings it fails to ` +
            `take go to console.warn instead`
        )
      }
    }
    defaultWarning(warning)
  }
}

/**
 * Starts a debug session (see {@link Session}). The caller must `close` it.
 *
 * @category sessions
 * @since 0.1.0
 */
export const makeSessionUnsafe = (options?: DebugOptions): Session => {
  validate.debugOptions("Debug", options)
  const thresholdMs = (options?.slowCallbackDuration ?? 0.1) * 1000
  const warn = guardedWarning(options?.onWarning)
  const maxKept = options?.maxNeverRetrieved ?? 100
  const releaseRegistry = registry.acquire()
  /** The live tasks this session watches. */
  const watched = new Map<number, Watched>()
  /** Failures not retrieved yet: the most recent as objects, older ones as text, the rest only counted. */
  const recent = new Map<number, Failed>()
  const kept = new Map<number, Warning>()
  const omitted = new WeakSet<hooks.TaskLike>()
  let omittedCount = 0
  let lastFiber: Fiber.Fiber<unknown, unknown> | undefined
  let lastSlowAt = 0
  let reports = 0
  let closed = false

  const taskInfo = (fiber: Fiber.Fiber<unknown, unknown>): TaskInfo | undefined => {
    const task = fiber.getRef(CurrentTask)
    return task === undefined ? undefined : (registry.infoOf(task.id) ?? minimalInfo(task))
  }

  const session: Session = {
    run: (effect) =>
      Effect.withFiber((fiber) => {
        const inner = fiber.getRef(Tracer.Tracer)
        const innerContext = inner.context
        const now = stepTimer(fiber.getRef(Clock.Clock))
        const timed = Tracer.make({
          span: (spanOptions) => inner.span(spanOptions),
          // Called for every step of every fiber that runs with this tracer: time it.
          context: (primitive, stepFiber) => {
            lastFiber = stepFiber
            const before = reports
            const start = now()
            const result =
              innerContext === undefined ? primitive[EVALUATE](stepFiber) : innerContext(primitive, stepFiber)
            const took = now() - start
            // A nested step (a fiber run synchronously inside another's step) reports first; the outer one then
            // stays silent, so a block is reported once, for the innermost fiber that caused it.
            if (took >= thresholdMs && reports === before && !closed) {
              reports++
              lastSlowAt = performance.now()
              warn({
                _tag: "SlowCallback",
                seconds: took / 1000,
                task: taskInfo(stepFiber),
                fiberId: stepFiber.id
              })
            }
            return result
          }
        })
        return Effect.provideService(
          Effect.provideService(effect, Tracer.Tracer, timed),
          CurrentSession,
          session
        )
      }),
    lastSlowStepAt: () => lastSlowAt,
    lastTask: () => (lastFiber === undefined ? undefined : taskInfo(lastFiber)),
    report: (warning) => {
      if (!closed) warn(warning)
    },
    close: () => {
      if (closed) return
      closed = true
      uninstall()
      for (const warning of kept.values()) warn(warning)
      for (const failed of recent.values()) {
        if (kept.size < maxKept) warn(neverRetrieved(failed))
        else omittedCount++
      }
      if (omittedCount > 0) warn({ _tag: "NeverRetrievedOmitted", count: omittedCount, kept: maxKept })
      kept.clear()
      recent.clear()
      releaseRegistry()
    }
  }

  const uninstall = hooks.install({
    name: "Debug",
    created: (task, creation) => {
      if (creation.parent.getRef(CurrentSession) !== session) return
      const creator = creation.creator
      watched.set(task.id, {
        owner: creation.owner,
        group: creation.group,
        loop: creation.loop,
        creator: creator === undefined ? undefined : { id: creator.id, name: creator.name },
        site: creation.site
      })
    },
    done: (task, exit) => {
      const entry = watched.get(task.id)
      if (entry === undefined) return
      watched.delete(task.id)
      if (!isFailure(exit)) return
      const info: TaskInfo = {
        ...minimalInfo(task),
        owner: entry.owner,
        group: entry.group,
        loop: entry.loop,
        creator: entry.creator,
        site: entry.site?.location
      }
      recent.set(task.id, { task, info, exit })
      if (recent.size <= RECENT_FAILURES) return
      // The oldest recent failure was not retrieved meanwhile: keep it as text, or only count it.
      const [id, oldest] = recent.entries().next().value!
      recent.delete(id)
      if (kept.size < maxKept) kept.set(id, neverRetrieved(oldest))
      else {
        omitted.add(oldest.task)
        omittedCount++
      }
    },
    retrieved: (task) => {
      if (recent.delete(task.id) || kept.delete(task.id)) return
      if (omitted.delete(task)) omittedCount--
    },
    shutdown: (loop, pending) => {
      const tasks = pending.filter((task) => watched.has(task.id))
      if (tasks.length === 0) return
      warn({
        _tag: "PendingAtShutdown",
        loop,
        tasks: tasks.map((task) => registry.infoOf(task.id) ?? minimalInfo(task))
      })
    }
  })
  return session
}

const minimalInfo = (task: hooks.TaskLike): TaskInfo => ({
  id: task.id,
  name: task.name,
  state: "unknown",
  awaiting: undefined,
  owner: "?",
  group: undefined,
  loop: undefined,
  creator: undefined,
  age: Number.NaN,
  site: undefined,
  cancelReason: undefined
})

/**
 * Runs `effect` in debug mode (see the module documentation): slow steps are reported as they happen, tasks left
 * pending at a loop's shutdown when it happens, exceptions never retrieved when `effect` ends.
 *
 * **Example** (A forgotten failing task)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = asyncio.Debug.debug(
 *   asyncio.Loop.scoped(
 *     Effect.gen(function*() {
 *       yield* asyncio.createTask(Effect.fail("boom"), { name: "forgotten" })
 *       yield* asyncio.sleep(1)
 *     })
 *   )
 * )
 * // at the end: "Task exception was never retrieved / future: <Task finished name='forgotten' …"
 * ```
 *
 * @category sessions
 * @since 0.1.0
 */
export function debug<Arg extends Effect.Effect<unknown, unknown, unknown> | DebugOptions = DebugOptions>(
  effectOrOptions: Arg,
  options?: DebugOptions
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<_A, _E, _R>
  : <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
export function debug(...args: ReadonlyArray<unknown>): unknown {
  return validate.selfOrOptions(args, (effect, options) =>
    debugImpl(effect as Effect.Effect<unknown, unknown, unknown>, options as DebugOptions | undefined)
  )
}

const debugImpl = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: DebugOptions | undefined
): Effect.Effect<A, E, R> =>
  !Effect.isEffect(effect)
    ? Effect.die(validate.notAnEffect("Debug.debug", effect))
    : Effect.acquireUseRelease(
        Effect.sync(() => makeSessionUnsafe(options)),
        (session) => session.run(effect),
        (session) => Effect.sync(session.close)
      )
