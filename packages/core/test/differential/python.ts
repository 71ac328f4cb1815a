/**
 * Runs programs on CPython: one `python3 asyncio_interpreter.py` process per batch, programs in on stdin (one
 * JSON request per line), transcripts out on stdout.
 */
import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Program, Transcript } from "./program.ts"

/** How the Python side fires timers (see asyncio_interpreter.py): asyncio's own heap, FIFO ties, or one at a time. */
export type Timers = "asyncio" | "fifo" | "settle"

/**
 * Counterfactual changes to asyncio, each imitating one way effect-asyncio schedules (asyncio_interpreter.py):
 * `eager` (what waits on a finished task runs first), `now` (a cancelled task runs first), `late` (a timeout's
 * timer is set one step late), `selfcancel` (a task's cancellation of itself lands at its next statement).
 */
export type Change = "eager" | "now" | "late" | "selfcancel"

export interface PythonRequest {
  readonly program: Program
  readonly timers?: Timers | undefined
  readonly knobs?: ReadonlyArray<Change> | undefined
}

/** The counterfactual runs the classifiers may consult (see classes.ts and `knobRuns`). */
export type Knob = "fifo" | "settle" | "eager" | "now" | "late" | "lateSettle" | "selfcancel" | "all"

/** What each counterfactual run changes. */
export const knobRuns: Readonly<Record<Knob, Omit<PythonRequest, "program">>> = {
  fifo: { timers: "fifo" },
  settle: { timers: "settle" },
  // The others break ties between same-instant timers in scheduling order, as `Testing.virtualClock` does, so that
  // CPython's heap order does not blur what the change shows.
  eager: { timers: "fifo", knobs: ["eager"] },
  now: { timers: "fifo", knobs: ["eager", "now"] },
  late: { timers: "fifo", knobs: ["late"] },
  lateSettle: { timers: "settle", knobs: ["late"] },
  selfcancel: { timers: "fifo", knobs: ["selfcancel"] },
  all: { timers: "settle", knobs: ["eager", "now", "late", "selfcancel"] }
}

export type PythonResult = { readonly lines: Transcript } | { readonly error: string }

const script = fileURLToPath(new URL("./asyncio_interpreter.py", import.meta.url))

/** The Python interpreter to use: `$PYTHON`, else `python3`. */
export const pythonCommand = (): string => process.env.PYTHON ?? "python3"

/**
 * Why the differential tests cannot run here, or `undefined` when they can: `python3` must be on PATH and be
 * 3.11 or later (asyncio.TaskGroup, asyncio.Barrier, asyncio.timeout).
 */
export const pythonUnavailable = (): string | undefined => {
  const probe = spawnSync(pythonCommand(), ["-c", "import sys; print(sys.version_info >= (3, 11))"], {
    encoding: "utf8"
  })
  if (probe.error !== undefined) return `${pythonCommand()} is not on PATH (${probe.error.message})`
  if (probe.status !== 0) return `${pythonCommand()} exited with ${probe.status}: ${probe.stderr.trim()}`
  if (probe.stdout.trim() !== "True") return `${pythonCommand()} is older than 3.11`
  return undefined
}

/** Runs every request in one Python process; results in request order. */
export const runPython = (requests: ReadonlyArray<PythonRequest>): Promise<Array<PythonResult>> =>
  new Promise((resolve, reject) => {
    const child = spawn(pythonCommand(), [script], { stdio: ["pipe", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      const lines = Buffer.concat(out)
        .toString("utf8")
        .split("\n")
        .filter((l) => l !== "")
      if (code !== 0 || lines.length !== requests.length) {
        reject(
          new Error(
            `python interpreter exited with ${code} after ${lines.length}/${requests.length} programs:\n` +
              Buffer.concat(err).toString("utf8")
          )
        )
        return
      }
      resolve(lines.map((line) => anonymous(JSON.parse(line) as PythonResult)))
    })
    child.stdin.end(requests.map((r) => JSON.stringify(r)).join("\n") + "\n")
  })

/**
 * asyncio names unnamed tasks `Task-<n>` from a counter of the interpreter process, which runs many programs one
 * after the other: the number depends on what ran before in that process, so it is left out (as our own `Task-<n>`
 * names are, in `interpret.ts`).
 */
const anonymous = (result: PythonResult): PythonResult =>
  "lines" in result
    ? {
        lines: result.lines.map(
          ([time, label, event]) => [time, label, event.replace(/\bTask-\d+\b/g, "Task-?")] as const
        )
      }
    : result
