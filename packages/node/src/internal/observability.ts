/**
 * What `run` adds to see a program: debug mode (asyncio's), the task registry with `pstree` on SIGUSR1 and on a
 * hang, task spans, and timelines. Everything here is off unless an option (or `EFFECT_ASYNCIO_DEBUG` /
 * `PYTHONASYNCIODEBUG`) asks for it; off, `run` installs nothing and the task machinery pays nothing.
 */
import { writeFileSync } from "node:fs"
import * as Debug from "@effect-asyncio/core/Debug"
import * as Inspect from "@effect-asyncio/core/Inspect"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Tracing from "@effect-asyncio/core/Tracing"
import * as Effect from "effect/Effect"
import { describeError } from "./report.ts"
import { debugFromEnvironment } from "./runOptions.ts"

/**
 * The observability options of `run`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ObservabilityOptions {
  /**
   * asyncio's debug mode (default: off, unless the environment variable `EFFECT_ASYNCIO_DEBUG` is set to anything
   * but `""`, `0` or `false`, or `PYTHONASYNCIODEBUG` is set to a non-empty string; `debug: false` wins over the
   * environment, as `asyncio.run(debug=False)` does). Writes to stderr:
   *
   * - `Executing <Task …> took 0.213 seconds` for a step of a task that held the event loop longer than
   *   `slowCallbackDuration`, and `The event loop was blocked for … seconds` for a block no single step
   *   accounts for (a real-time monitor of the event loop sees it);
   * - the tasks still pending when the loop shuts down, with what each awaits and where it was created, before
   *   they are cancelled;
   * - `Task exception was never retrieved` for every task that failed and whose error nobody consumed, when the
   *   run ends.
   *
   * It also turns the task registry on (see `inspect`).
   *
   * **asyncio** `asyncio.run(main, debug=True)` / `PYTHONASYNCIODEBUG=1`. asyncio reports a never-retrieved
   * exception when the task is garbage-collected; we report it when the run ends (deterministically).
   */
  readonly debug?: boolean | undefined
  /** Seconds a single step may hold the event loop in debug mode before it is reported (default 0.1, asyncio's). */
  readonly slowCallbackDuration?: number | undefined
  /**
   * Turns the task registry on (state, owner, creator, creation site, what each task awaits, cancel reasons) for
   * `Inspect.ps()` / `Inspect.pstree()`, and prints the `pstree` to stderr when the process receives **SIGUSR1**
   * (`kill -USR1 <pid>`; Node's default action for SIGUSR1, starting the inspector, is replaced while `run`
   * runs). Default off; on with `debug` and `hangTimeout`.
   */
  readonly inspect?: boolean | undefined
  /**
   * Seconds without progress (no task created, started, resumed or finished) after which the `pstree` is printed
   * to stderr, once per stall — for programs that are stuck. Real time. Turns the registry on.
   */
  readonly hangTimeout?: number | undefined
  /** Every task is a span of the current tracer (see `Tracing` in `@effect-asyncio/core`). Default off. */
  readonly tracing?: boolean | undefined
  /**
   * Records the run's timeline (`Timeline` in `@effect-asyncio/core`): `true` prints the Gantt chart to stderr
   * when the run ends (Unicode and colour on a TTY, ASCII otherwise); a path writes it there (SVG for `.svg`,
   * the ASCII chart otherwise); a function receives it. A path that cannot be written or a function that throws
   * is reported (`run: could not write the timeline to …`); the run's result and exit code are unchanged. The
   * recording lasts the whole run but is bounded: it keeps text, not tasks or results, and at most
   * `Timeline.DEFAULT_MAX_EVENTS` (100,000) events, then says what it dropped.
   */
  readonly timeline?: boolean | string | ((timeline: Timeline.Timeline) => void) | undefined
  /**
   * Where the text of debug warnings, listings and timelines goes (default: `process.stderr`). For tests and
   * for applications that route diagnostics elsewhere. If it throws, the fault is reported once on stderr and
   * what it fails to take goes to stderr; the run's result and exit code are unchanged.
   */
  readonly diagnostics?: ((text: string) => void) | undefined
}

const useColor = (stream: NodeJS.WriteStream): boolean =>
  stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb"

const stderr = (text: string): void => {
  process.stderr.write(text)
}

/**
 * The `diagnostics` option, guarded: diagnostics are written from inside the run (a fiber's step, a signal
 * handler, a timer, the end of the run), where a throw would change the outcome or leave `run` unsettled. A
 * callback that throws is reported once on stderr, and each text it fails to take goes to stderr instead.
 */
const guardedDiagnostics = (diagnostics: ((text: string) => void) | undefined): ((text: string) => void) => {
  if (diagnostics === undefined) return stderr
  let faulted = false
  return (text) => {
    try {
      diagnostics(text)
      return
    } catch (error) {
      if (!faulted) {
        faulted = true
        stderr(
          `run: the diagnostics callback threw ${describeError(error)}; what it fails to take goes to stderr\n`
        )
      }
    }
    stderr(text)
  }
}

/** The observability of one run: wrap the loop scope, start before it, stop when the run has ended. */
export interface Observability {
  /** Applied to the loop scope (`Loop.scoped(main)`), inside the run. */
  readonly wrap: <A, E>(loop: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /** Installs the process handlers (SIGUSR1, monitors). */
  readonly start: () => void
  /** Removes them, ends the debug session (reporting exceptions never retrieved). Idempotent. */
  readonly stop: () => void
}

const nothing: Observability = {
  wrap: (loop) => loop,
  start: () => {},
  stop: () => {}
}

export const makeObservability = (options: ObservabilityOptions | undefined): Observability => {
  const debug = options?.debug ?? debugFromEnvironment()
  const hangTimeout = options?.hangTimeout
  const inspect = debug || options?.inspect === true || hangTimeout !== undefined
  const tracing = options?.tracing === true
  const timeline = options?.timeline ?? false
  if (!debug && !inspect && !tracing && timeline === false) return nothing

  const write = guardedDiagnostics(options?.diagnostics)
  const threshold = options?.slowCallbackDuration ?? 0.1
  const session = debug
    ? Debug.makeSessionUnsafe({
        slowCallbackDuration: threshold,
        onWarning: (warning) => write(`${Debug.format(warning)}\n`)
      })
    : undefined
  const cleanups: Array<() => void> = []

  // Guarded: the timeline is delivered inside the run, after main has ended; a callback that throws or a path that
  // cannot be written is reported and changes nothing else.
  const deliver = (recorded: Timeline.Timeline): void => {
    if (typeof timeline === "function") {
      try {
        timeline(recorded)
      } catch (error) {
        write(
          `run: the timeline callback threw ${describeError(error)}; the program's outcome is unchanged\n`
        )
      }
      return
    }
    if (typeof timeline === "string") {
      try {
        writeFileSync(
          timeline,
          timeline.endsWith(".svg") ? Timeline.toSvg(recorded) : Timeline.toText(recorded)
        )
      } catch (error) {
        write(`run: could not write the timeline to ${timeline}: ${describeError(error)}\n`)
        return
      }
      write(`run: timeline written to ${timeline}\n`)
      return
    }
    const color = options?.diagnostics === undefined && useColor(process.stderr)
    write(Timeline.toText(recorded, { style: color ? "unicode" : "ascii", color }))
  }

  const wrap = <A, E>(loop: Effect.Effect<A, E>): Effect.Effect<A, E> => {
    let wrapped: Effect.Effect<A, E> = loop
    if (timeline !== false) {
      wrapped = Effect.flatMap(Timeline.record(wrapped), ([exit, recorded]) => {
        deliver(recorded)
        return exit
      })
    }
    if (tracing) wrapped = Tracing.withTaskSpans(wrapped)
    if (session !== undefined) wrapped = session.run(wrapped)
    return wrapped
  }

  const pstree = (why: string): void => {
    write(`run: ${why}; the tasks:\n${Inspect.formatTree(Inspect.tasksUnsafe())}`)
  }

  const start = (): void => {
    if (inspect) {
      cleanups.push(Inspect.acquireUnsafe())
      const onUsr1 = (): void => pstree("received SIGUSR1")
      process.on("SIGUSR1", onUsr1)
      cleanups.push(() => void process.off("SIGUSR1", onUsr1))
    }
    if (hangTimeout !== undefined && hangTimeout > 0) {
      const hangMs = hangTimeout * 1000
      let seen = Inspect.progressUnsafe()
      let since = performance.now()
      let reported = false
      const timer = setInterval(
        () => {
          const now = performance.now()
          const progress = Inspect.progressUnsafe()
          if (progress !== seen) {
            seen = progress
            since = now
            reported = false
          } else if (!reported && now - since >= hangMs) {
            reported = true
            pstree(`no task made progress for ${hangTimeout} s`)
          }
        },
        Math.max(10, Math.min(1000, hangMs / 4))
      )
      timer.unref()
      cleanups.push(() => clearInterval(timer))
    }
    if (session !== undefined) {
      // A real-time monitor of the event loop: a tick that comes late by more than the threshold means the loop
      // was blocked. If a step of a fiber was reported meanwhile, that step was the block; otherwise report it here.
      const thresholdMs = threshold * 1000
      const period = Math.max(10, Math.min(100, thresholdMs / 2))
      let last = performance.now()
      const check = (): void => {
        const now = performance.now()
        const lag = now - last - period
        const previous = last
        last = now
        if (lag >= thresholdMs && session.lastSlowStepAt() <= previous) {
          session.report({ _tag: "BlockedLoop", seconds: lag / 1000, lastTask: session.lastTask() })
        }
      }
      const timer = setInterval(check, period)
      timer.unref()
      cleanups.push(() => {
        clearInterval(timer)
        check() // a block just before the run ended has had no tick yet
      })
    }
  }

  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    for (const cleanup of cleanups.splice(0).reverse()) cleanup()
    session?.close()
  }

  return { wrap, start, stop }
}
