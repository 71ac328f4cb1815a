/**
 * Examples that are *about* real time — a CPU-bound loop that makes timers late, a blocking sleep, real sockets —
 * cannot run on the virtual clock: a busy loop takes no virtual time at all, and a socket does not wait for
 * `TestClock.adjust`. They run in real time, in the tests too, and what they print is checked against a
 * transcript in which lines that carry a measurement ("late by up to 0.71 s") are patterns.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { MAIN_TASK, type Recording, recordingConsole, timelineFlag } from "./example.ts"

/** The metadata of a real-time example. */
export interface RealTimeMeta {
  /** The file name without `.ts`, e.g. `"31-blocking-the-loop"`. */
  readonly id: string
  readonly title: string
  /** The tutorial, by the file it was read from (`000_…txt`; the tutorials are not part of the repository). */
  readonly seed: string
  /** The tutorial's section that the example demonstrates. */
  readonly section: string
  /** The asyncio functions the example shows, by their Python names. */
  readonly asyncio: ReadonlyArray<string>
  /**
   * A Python program showing the same thing under `examples/python/`, or `undefined` when there is none. Unless
   * `checkPython` says otherwise its measurements differ from run to run, so `check:python` does not compare it;
   * run it by hand.
   */
  readonly python: string | undefined
  /**
   * `true` when CPython prints the transcript too (the I/O examples: ports and timings are patterns):
   * `npm run check:python -w examples` runs the script and compares its lines with `transcript`.
   */
  readonly checkPython?: boolean | undefined
  /** What the tutorial claims that the example demonstrates. */
  readonly tutorialSays: ReadonlyArray<string>
  /**
   * What the program prints when stdout is not a terminal, line by line: exact text, or a pattern for a line
   * that carries a measurement. The tests check it in real time, and check the measurements with wide margins.
   */
  readonly transcript: ReadonlyArray<string | RegExp>
  /** Roughly how long the program runs, in real seconds. */
  readonly elapsed: number
  /** What to know when reading it: how it differs from Python, what the numbers mean. */
  readonly notes: ReadonlyArray<string>
}

/** Where `lines` first departs from the transcript, or `undefined` if they match it. */
export const transcriptMismatch = (
  transcript: ReadonlyArray<string | RegExp>,
  lines: ReadonlyArray<string>
): string | undefined => {
  const count = Math.max(transcript.length, lines.length)
  for (let i = 0; i < count; i++) {
    const expected = transcript[i]
    const line = lines[i]
    if (expected === undefined) return `line ${i + 1}: unexpected ${JSON.stringify(line)}`
    if (line === undefined) return `line ${i + 1}: missing, expected ${String(expected)}`
    const ok = typeof expected === "string" ? line === expected : expected.test(line)
    if (!ok) return `line ${i + 1}: printed ${JSON.stringify(line)}, expected ${String(expected)}`
  }
  return undefined
}

/**
 * Runs a real-time example with `run` from `@effect-asyncio/node/Run` (a file's `if (import.meta.main)`): a header,
 * the program's output, then the real elapsed time and whether the lines match the transcript. A failing `main`
 * sets the exit code to 1; Ctrl-C ends it as `run` does (clean-up, then exit code 130).
 */
export const runRealTime = async <E>(meta: RealTimeMeta, main: Effect.Effect<void, E>): Promise<void> => {
  const { run } = await import("@effect-asyncio/node/Run")
  const timeline = timelineFlag(process.argv)
  const recording: Recording = { lines: [] }
  const started = performance.now()
  const seconds = () => (performance.now() - started) / 1000
  const recorder = recordingConsole(recording, seconds, (line, at) =>
    globalThis.console.log(timeline.prefixLines ? `[${at.toFixed(2).padStart(6)}s] ${line}` : line)
  )
  console.log(`▶ ${meta.id}: ${meta.title} [${meta.seed} · “${meta.section}”] (real time)`)
  try {
    await run(Effect.provideService(main, Console.Console, recorder), {
      mainName: MAIN_TASK,
      ...timeline.runOptions
    })
  } catch (error) {
    console.error(`✗ ${meta.id} failed:`, error)
    process.exitCode = 1
    return
  }
  const mismatch = process.stdout.isTTY
    ? undefined // on a terminal some lines are drawn differently (a progress bar): nothing to compare
    : transcriptMismatch(
        meta.transcript,
        recording.lines.map(([, text]) => text)
      )
  console.log(
    `■ ${seconds().toFixed(2)} s real time (about ${meta.elapsed} s expected); ` +
      (mismatch === undefined ? "transcript as expected" : `transcript DIFFERS: ${mismatch}`)
  )
  timeline.report()
}
