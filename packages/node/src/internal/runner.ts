/**
 * The logic of `run`, as an Effect that does not touch the process: signals come from a {@link SignalSource}
 * and the outcome is returned as a {@link RunResult}. `Run.ts` is the thin Node glue around it (listeners on
 * `process`, the keep-alive timer, the report, exit codes). Because it is an ordinary Effect, the tests run it
 * on virtual time with a fake signal source.
 */
import type { CancelReason } from "@effect-asyncio/core/Errors"
import { CancelledError } from "@effect-asyncio/core/Errors"
import * as Loop from "@effect-asyncio/core/Loop"
import { cancelUnsafe, currentTask, type Task } from "@effect-asyncio/core/Task"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { KeyboardInterrupt, type Signal } from "../Errors.ts"
import { signalReason } from "./cancel.ts"
import { defaultSignals, overridingPort, type SignalSource } from "./processSignals.ts"

export type { SignalSource } from "./processSignals.ts"

export interface RunnerOptions {
  readonly mainName?: string | undefined
  readonly onShutdownError?: ((taskName: string, error: unknown) => Effect.Effect<void>) | undefined
  readonly signals: SignalSource
  /** The signals `run` handles itself (default SIGINT and SIGTERM): the `signals` option of `run`. */
  readonly defaultSignals?: ReadonlyArray<Signal> | undefined
  /**
   * Where the loop's `addSignalHandler` subscribes (Node: `process.on`, any signal). While a handler is installed for
   * a signal, `run`'s own handling of it is off.
   */
  readonly userSignals?: Loop.SignalSource | undefined
  /**
   * Runs after the loop scope has shut down, still inside the run: signals are still handled (a second one
   * forces the exit without waiting for it). `run` shuts its thread pool down here.
   */
  readonly afterLoop?: Effect.Effect<void> | undefined
  /** Wraps the loop scope (debug mode, task spans, timeline recording: see `observability.ts`). */
  readonly wrapLoop?: (<X, Y>(loop: Effect.Effect<X, Y>) => Effect.Effect<X, Y>) | undefined
}

/** How main ended, in asyncio's terms, before any signal is taken into account. */
export type MainResult<A, E> =
  /** main returned `value`. */
  | { readonly _tag: "Success"; readonly value: A; readonly mainName: string }
  /**
   * main raised: `error` is the first typed failure of `cause`, or, when there is none, the first defect
   * (`defect: true`), unwrapped.
   */
  | {
      readonly _tag: "Failure"
      readonly error: unknown
      readonly defect: boolean
      readonly cause: Cause.Cause<E>
      readonly mainName: string
    }
  /** main ended cancelled, for a reason other than run's own signal handling (Python's `CancelledError`). */
  | { readonly _tag: "Cancelled"; readonly error: CancelledError; readonly mainName: string }

/** The outcome of a run: how main ended, or the signal that ended the run. */
export type RunResult<A, E> =
  | MainResult<A, E>
  /**
   * A signal ended the run (Python's `KeyboardInterrupt`): main was cancelled by it, or it arrived while the
   * loop was shutting down after main had ended (`after` is how main had ended), or a second signal cut the
   * shutdown short (`error.forced`).
   */
  | {
      readonly _tag: "Interrupted"
      readonly error: KeyboardInterrupt
      readonly mainName: string
      readonly after: MainResult<A, E> | undefined
    }

/** The exit code a run ending with `result` gives the process. */
export const exitCodeOf = (result: RunResult<unknown, unknown>): number => {
  switch (result._tag) {
    case "Success":
      return 0
    case "Interrupted":
      return result.error.exitCode
    default:
      return 1
  }
}

type Step<A, E> =
  | { readonly _tag: "Done"; readonly exit: Exit.Exit<A, E> }
  | { readonly _tag: "Forced"; readonly signal: Signal }

/** Mutable state shared by the main task's wrapper and the signal listener. */
interface State<A, E> {
  task: Task<unknown, unknown> | undefined
  /** How main's body ended, once it has. */
  mainExit: Exit.Exit<A, E> | undefined
  signal: Signal | undefined
  reason: CancelReason | undefined
  /** Whether the first signal arrived after main had ended (during the loop's shutdown). */
  afterMain: boolean
}

const classify = <A, E>(
  exit: Exit.Exit<A, E>,
  task: Task<unknown, unknown> | undefined,
  mainName: string
): Effect.Effect<MainResult<A, E>> => {
  if (exit._tag === "Success") return Effect.succeed({ _tag: "Success", value: exit.value, mainName })
  let defect: { readonly value: unknown } | undefined
  for (const reason of exit.cause.reasons) {
    if (reason._tag === "Fail") {
      return Effect.succeed({
        _tag: "Failure",
        error: reason.error,
        defect: false,
        cause: exit.cause,
        mainName
      })
    }
    if (reason._tag === "Die" && defect === undefined) defect = { value: reason.defect }
  }
  if (defect !== undefined) {
    return Effect.succeed({ _tag: "Failure", error: defect.value, defect: true, cause: exit.cause, mainName })
  }
  // Interrupt only: ask the core for the CancelledError (it reads the reason annotations).
  if (task === undefined || task.fiber.pollUnsafe() === undefined) {
    return Effect.succeed({
      _tag: "Cancelled",
      error: new CancelledError({ kind: "interrupt", detail: "run() was interrupted before main started" }),
      mainName
    })
  }
  const interrupted = (detail: string): MainResult<A, E> => ({
    _tag: "Cancelled",
    error: new CancelledError({ kind: "interrupt", detail }),
    mainName
  })
  return Effect.match(task.exception(), {
    onFailure: (error): MainResult<A, E> =>
      error._tag === "CancelledError" ? { _tag: "Cancelled", error, mainName } : interrupted(error.message),
    onSuccess: () => interrupted("interrupted")
  })
}

/**
 * Runs `main` as the main task of a new loop scope (`Loop.scoped`) and returns how the run ended; never fails.
 *
 * - The first signal cancels the main task with a reason of kind `signal` (or, if main has already ended,
 *   lets the loop's shutdown finish); the result is `Interrupted` if main then ends cancelled by that signal,
 *   or if main had already ended. If main had already been cancelled by other code, the result stays
 *   `Cancelled`; if main raised while being cancelled, `Failure`. (Main cannot return a value once cancelled:
 *   an interrupt cannot be swallowed, and one pending at the end of an uninterruptible region takes effect.)
 * - A second signal returns `Interrupted` with `forced: true` at once, without waiting for the clean-up, which
 *   carries on in a detached fiber.
 * - Interrupting this effect cancels main, and waits for main and the loop's shutdown.
 */
export const runner = <A, E>(
  main: Effect.Effect<A, E>,
  options: RunnerOptions
): Effect.Effect<RunResult<A, E>> =>
  Effect.gen(function* () {
    const state: State<A, E> = {
      task: undefined,
      mainExit: undefined,
      signal: undefined,
      reason: undefined,
      afterMain: false
    }
    const body = Effect.flatMap(currentTask, (task) => {
      state.task = task
      // A signal that arrived before main's first step cancels it now.
      if (task !== undefined && state.reason !== undefined) cancelUnsafe(task, state.reason)
      return Effect.onExit(main, (exit) =>
        Effect.sync(() => {
          state.mainExit = exit
        })
      )
    })
    // Signals the program handles itself (loop.addSignalHandler): run's default is off for them while installed.
    const overriding = options.userSignals === undefined ? undefined : overridingPort(options.userSignals)
    const overridden: ReadonlyMap<string, number> = overriding?.overridden ?? new Map()
    const port = overriding?.port
    const scoped = Loop.scoped(body, {
      mainName: options.mainName,
      onShutdownError: options.onShutdownError,
      signals: port
    })
    const loop = options.wrapLoop === undefined ? scoped : options.wrapLoop(scoped)
    const root = yield* Effect.forkDetach(
      options.afterLoop === undefined ? loop : Effect.ensuring(loop, options.afterLoop)
    )

    const onFirstSignal = (signal: Signal): void => {
      state.signal = signal
      state.reason = signalReason(signal)
      const task = state.task
      if (task === undefined) return // main has not started: the wrapper cancels it on its first step
      if (state.mainExit !== undefined) state.afterMain = true
      else cancelUnsafe(task, state.reason)
    }

    const step = yield* Effect.callback<Step<A, E>>((resume) => {
      let finished = false
      let unsubscribe: () => void = () => {}
      const finish = (result: Step<A, E>): void => {
        if (finished) return
        finished = true
        unsubscribe()
        resume(Effect.succeed(result))
      }
      unsubscribe = options.signals((signal) => {
        if (finished || overridden.has(signal)) return
        if (state.signal === undefined) onFirstSignal(signal)
        else finish({ _tag: "Forced", signal })
      }, options.defaultSignals ?? defaultSignals)
      root.addObserver((exit) => finish({ _tag: "Done", exit }))
      return Effect.suspend(() => {
        finished = true
        unsubscribe()
        return Fiber.interrupt(root)
      })
    })

    const task = state.task
    const mainName = task?.name ?? options.mainName ?? "main"
    if (step._tag === "Forced") {
      const after =
        state.mainExit !== undefined && task?.fiber.pollUnsafe() !== undefined
          ? yield* classify(state.mainExit, task, mainName)
          : undefined
      return { _tag: "Interrupted", error: new KeyboardInterrupt(step.signal, true), mainName, after }
    }
    // The loop scope's exit is main's exit (leftover tasks' errors are reported, not raised).
    const result = yield* classify(step.exit, task, mainName)
    if (state.signal !== undefined) {
      if (state.afterMain) {
        return { _tag: "Interrupted", error: new KeyboardInterrupt(state.signal), mainName, after: result }
      }
      if (result._tag === "Cancelled" && result.error.reason === state.reason) {
        return { _tag: "Interrupted", error: new KeyboardInterrupt(state.signal), mainName, after: undefined }
      }
    }
    return result
  })
