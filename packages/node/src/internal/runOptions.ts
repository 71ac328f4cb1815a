/**
 * The checks of `run`'s options (issue 10): an unknown key is named, every value has the kind its option needs.
 * Kept out of `Run.ts` so that the entry point changes by one line; the thread pool options (`threads`) are
 * checked by the pool's own `makeConfig`.
 */
import { TypeError, ValueError } from "@effect-asyncio/core/Errors"
import * as Validate from "@effect-asyncio/core/Validate"
import type { RunOptions } from "../Run.ts"

/** Every option `run` reads. A new option of `run` must be added here. */
const runKeys = [
  "mainName",
  "onShutdownError",
  "exit",
  "threads",
  "debug",
  "slowCallbackDuration",
  "inspect",
  "hangTimeout",
  "tracing",
  "timeline",
  "diagnostics",
  "signals"
]

/** Throws the library's `TypeError`/`ValueError` for a bad option of `run`. */
export const checkRunOptions = (options: RunOptions | undefined): void => {
  const call = "run"
  const checked = Validate.options(call, options, runKeys)
  Validate.optionalFn(call, checked.onShutdownError, "onShutdownError")
  Validate.optionalFn(call, checked.diagnostics, "diagnostics")
  for (const key of ["exit", "debug", "inspect", "tracing"] as const)
    Validate.boolean(call, checked[key], key, false)
  for (const key of ["slowCallbackDuration", "hangTimeout"] as const) {
    if (checked[key] !== undefined) Validate.seconds(call, checked[key], key)
  }
  const timeline = checked.timeline
  if (
    timeline !== undefined &&
    typeof timeline !== "boolean" &&
    typeof timeline !== "string" &&
    typeof timeline !== "function"
  ) {
    throw new TypeError(
      `run: timeline must be true, a file path or a function receiving the timeline, got ${Validate.show(timeline)}`
    )
  }
  checkSignals(call, checked.signals)
  const threads: unknown = checked.threads
  if (threads !== undefined && (typeof threads !== "object" || threads === null || Array.isArray(threads))) {
    throw new TypeError(`run: threads must be the options of a ThreadPool, got ${Validate.show(threads)}`)
  }
}

/** The `signals` option of `run` and `Runner.make`: an array of "SIGINT" and "SIGTERM". */
export const checkSignals = (call: string, signals: unknown): void => {
  if (signals === undefined) return
  if (!Array.isArray(signals)) {
    throw new TypeError(
      `${call}: signals must be an array of "SIGINT" and "SIGTERM", got ${Validate.show(signals)}`
    )
  }
  for (const signal of signals) {
    if (signal !== "SIGINT" && signal !== "SIGTERM") {
      const message = `${call}: signals may hold "SIGINT" and "SIGTERM", got ${Validate.show(signal)} (handle others with loop.addSignalHandler)`
      throw typeof signal === "string" ? new ValueError(message) : new TypeError(message)
    }
  }
}

/** Whether the environment asks for debug mode (`EFFECT_ASYNCIO_DEBUG`, or Python's `PYTHONASYNCIODEBUG`). */
export const debugFromEnvironment = (env: NodeJS.ProcessEnv = process.env): boolean => {
  const ours = env.EFFECT_ASYNCIO_DEBUG
  if (ours !== undefined && ours !== "" && ours !== "0" && ours.toLowerCase() !== "false") return true
  const python = env.PYTHONASYNCIODEBUG
  return python !== undefined && python !== ""
}

/**
 * Whether a run with `options` observes anything (debug mode, the task registry, tracing, a timeline). Only then
 * does `run` load the observability code (`Debug`, `Inspect`, `Timeline`, `Tracing`, the Gantt renderer): a
 * program that asks for none of it starts without them.
 */
export const wantsObservability = (options: RunOptions | undefined): boolean =>
  (options?.debug ?? debugFromEnvironment()) ||
  options?.inspect === true ||
  options?.hangTimeout !== undefined ||
  options?.tracing === true ||
  (options?.timeline !== undefined && options.timeline !== false)
