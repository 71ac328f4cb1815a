/**
 * What every example exports besides its `main` effect, and how an example file runs itself.
 */
import { writeFileSync } from "node:fs"
import * as Timeline from "@effect-asyncio/core/Timeline"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/** A printed line and when it is printed, in seconds since `main` started (virtual time in the tests). */
export type Line = readonly [at: number, text: string]

/** A documented way in which what we print differs from the tutorial's printed output, or from Python. */
export type Difference =
  /** The tutorial shows `tutorial`; the program (in Python and here) really prints `printed`. */
  | { readonly kind: "changed"; readonly tutorial: string; readonly printed: string; readonly why: string }
  /** A line the tutorial does not print, added to show something (usually an elapsed time). */
  | { readonly kind: "added"; readonly printed: string; readonly why: string }
  /**
   * A line that CPython prints differently (`python`), or not at all (`python: undefined`): something only we can
   * show (a cancel reason, the task that raised a group member) or a CPython quirk we do not copy. The Python
   * script's transcript is ours with these lines replaced or left out ({@link pythonTranscript}).
   */
  | {
      readonly kind: "python"
      readonly printed: string
      readonly python: string | undefined
      readonly why: string
    }
  /**
   * A line that CPython prints later: right after the line `after` (and at its time). For orderings that
   * effect-asyncio documents as different from asyncio, e.g. `cancel()` starting the task's clean-up at once.
   */
  | { readonly kind: "python-order"; readonly printed: string; readonly after: string; readonly why: string }
  /** Any other difference (in the code, or between Python and TypeScript) that does not change the output. */
  | { readonly kind: "note"; readonly why: string }

/** The metadata of one example. */
export interface ExampleMeta {
  /** The file name without `.ts`, e.g. `"01-create-task-gather"`. */
  readonly id: string
  readonly title: string
  /** The tutorial, by the file it was read from (`000_…txt`; the tutorials are not part of the repository). */
  readonly seed: string
  /** The tutorial's section (heading, or code comment) that the example ports. */
  readonly section: string
  /** The asyncio functions the example shows, by their Python names. */
  readonly asyncio: ReadonlyArray<string>
  /** The Python program this example ports, under `examples/python/` (runnable with CPython). */
  readonly python: string
  /** The output the tutorial prints for this code, verbatim; `undefined` when it shows none. */
  readonly tutorialOutput: ReadonlyArray<string> | undefined
  /** What the tutorial claims about this code (comments, prose) that the transcript demonstrates. */
  readonly tutorialSays: ReadonlyArray<string>
  /**
   * What the program prints — here, and in CPython except for the `python` / `python-order` differences
   * (checked with `npm run check:python -w examples`) — with the second at which each line is printed.
   */
  readonly transcript: ReadonlyArray<Line>
  /** How long the whole program takes, in seconds. */
  readonly elapsed: number
  readonly differences: ReadonlyArray<Difference>
}

/**
 * What the Python script prints: the transcript with every line of a `python` difference replaced by what
 * CPython prints instead, or left out when CPython prints nothing there, and every line of a `python-order`
 * difference moved to where CPython prints it. `npm run check:python` compares it with CPython's output.
 */
export const pythonTranscript = (meta: ExampleMeta): ReadonlyArray<Line> => {
  const moved = (text: string) =>
    meta.differences.find((d) => d.kind === "python-order" && d.printed === text)
  return meta.transcript.flatMap(([at, text]): Array<Line> => {
    if (moved(text) !== undefined) return []
    const difference = meta.differences.find((d) => d.kind === "python" && d.printed === text)
    const line: Array<Line> =
      difference?.kind !== "python"
        ? [[at, text]]
        : difference.python === undefined
          ? []
          : [[at, difference.python]]
    const follow = meta.differences.flatMap(
      (d): Array<Line> => (d.kind === "python-order" && d.after === text ? [[at, d.printed]] : [])
    )
    return [...line, ...follow]
  })
}

/**
 * The name of the main task, in `run` and in the tests, so that cancel reasons that name it print the same in
 * every run ("download was cancelled by main"). Python calls it `Task-1`; our default is `Task-<n>` from a
 * process-wide counter, which depends on what ran before.
 */
export const MAIN_TASK = "main"

/** A recording of a run: the lines printed and when. */
export interface Recording {
  readonly lines: Array<Line>
}

/**
 * A `Console` that records every `log` line (arguments joined by a space, as `console.log` joins strings) with
 * the time `at()` returns, and optionally forwards it to `forward`.
 */
export const recordingConsole = (
  recording: Recording,
  at: () => number,
  forward?: (line: string, at: number) => void
): Console.Console => {
  const log = (...args: ReadonlyArray<unknown>): void => {
    const text = args.map(String).join(" ")
    const time = at()
    for (const line of text.split("\n")) {
      recording.lines.push([time, line])
      forward?.(line, time)
    }
  }
  return { ...globalThis.console, log, info: log }
}

/**
 * Runs an example in real time with `run` from `@effect-asyncio/node/Run` (a file's `if (import.meta.main)`), prints
 * its transcript and then the real elapsed time and whether the lines match the expected transcript (a warning
 * only: the exact check is the virtual-time test). A failing `main` sets the exit code to 1.
 *
 * `--timeline` (in `process.argv`) prefixes each line with the real seconds since the start and prints the Gantt
 * chart of the run's tasks at the end; `--timeline=FILE.svg` writes the chart as SVG instead ({@link timelineFlag}).
 */
export const runStandalone = async <E>(meta: ExampleMeta, main: Effect.Effect<void, E>): Promise<void> => {
  const { run } = await import("@effect-asyncio/node/Run")
  const timeline = timelineFlag(process.argv)
  const recording: Recording = { lines: [] }
  const started = performance.now()
  const seconds = () => (performance.now() - started) / 1000
  const recorder = recordingConsole(recording, seconds, (line, at) =>
    globalThis.console.log(timeline.prefixLines ? `[${at.toFixed(2).padStart(6)}s] ${line}` : line)
  )
  console.log(`▶ ${meta.id}: ${meta.title} [${meta.seed} · “${meta.section}”]`)
  try {
    await run(Effect.provideService(main, Console.Console, recorder), {
      mainName: MAIN_TASK,
      ...timeline.runOptions
    })
  } catch (error) {
    console.error(`✗ ${meta.id} failed:`, error)
    process.exitCode = 1
    timeline.report()
    return
  }
  const took = seconds()
  const expected = meta.transcript.map(([, text]) => text)
  const printed = recording.lines.map(([, text]) => text)
  // Real time is not exact: a loaded machine may print "(2.1s)" where the virtual-time test sees "(2.0s)". So a
  // mismatch is only reported here (the tests check the transcript exactly), and one that is only in such
  // printed times is called jitter.
  const verdict = sameLines(expected, printed)
    ? "transcript as expected"
    : sameLines(expected.map(blurTimes), printed.map(blurTimes))
      ? "transcript as expected except for printed times (real-time jitter)"
      : "transcript DIFFERS from the expected one:"
  console.log(
    `■ ${took.toFixed(2)} s real time (the tests expect ${meta.elapsed} s of virtual time); ${verdict}`
  )
  if (verdict.endsWith(":")) for (const text of expected) console.log(`  expected: ${text}`)
  timeline.report()
}

/** What `--timeline` / `--timeline=FILE` ask of an example run (see {@link timelineFlag}). */
export interface TimelineFlag {
  /** `--timeline`: each printed line gets the real seconds since the start as a prefix. */
  readonly prefixLines: boolean
  /** The `run` options that record the run's timeline (none without a flag). */
  readonly runOptions: { readonly timeline?: (timeline: Timeline.Timeline) => void }
  /** Once the run has ended: prints the Gantt chart (`--timeline`) or writes `FILE` (`--timeline=FILE`). */
  readonly report: () => void
}

/**
 * Reads `--timeline` (the Gantt chart of the run's tasks on the terminal after the transcript — Unicode and colour
 * on a TTY, ASCII otherwise) and `--timeline=FILE` (written as SVG if it ends with `.svg`, as the ASCII chart
 * otherwise) from `argv`.
 */
export const timelineFlag = (argv: ReadonlyArray<string>): TimelineFlag => {
  const flag = argv.findLast((arg) => arg === "--timeline" || arg.startsWith("--timeline="))
  if (flag === undefined) return { prefixLines: false, runOptions: {}, report: () => {} }
  const file = flag.startsWith("--timeline=") ? flag.slice("--timeline=".length) : undefined
  let recorded: Timeline.Timeline | undefined
  const report = (): void => {
    if (recorded === undefined) return
    if (file !== undefined) {
      writeFileSync(file, file.endsWith(".svg") ? Timeline.toSvg(recorded) : Timeline.toText(recorded))
      globalThis.console.log(`timeline written to ${file}`)
      return
    }
    const tty = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
    globalThis.console.log(
      Timeline.toText(recorded, { style: tty ? "unicode" : "ascii", color: tty }).trimEnd()
    )
  }
  return {
    prefixLines: file === undefined,
    runOptions: {
      timeline: (timeline) => {
        recorded = timeline
      }
    },
    report
  }
}

const sameLines = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((text, i) => text === b[i])

/** Replaces printed durations such as `2.0s` by `#s`. */
const blurTimes = (text: string): string => text.replace(/\d+\.\d+s\b/g, "#s")
