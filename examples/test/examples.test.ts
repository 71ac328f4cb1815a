/**
 * Runs every example on virtual time with a recording Console, and checks its transcript line by line, the
 * second at which each line is printed, and the total elapsed time — e.g. 2 s for each method of seed 004
 * (not 3.5 s), 4 s for the sequential "wrong way" of seed 000 and 2 s for the "right way".
 *
 * The lessons of seed 002 are also checked by name: `gather` leaves the other requests running where a
 * `TaskGroup` cancels them, a timed-out request's clean-up comes before `TimeoutError`, and only clean-up code
 * closes a cancelled worker's connection.
 *
 * Also checks the metadata: every example file is registered, each transcript follows from the tutorial's
 * printed output through the documented differences, the lines CPython prints differently are named lines of
 * the transcript, and the README lists every example.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { allExamples, examples, realTimeExamples } from "../src/index.ts"
import {
  type ExampleMeta,
  MAIN_TASK,
  pythonTranscript,
  type Recording,
  recordingConsole
} from "../src/shared/example.ts"
import { runVirtual } from "./utils/virtual.ts"

const here = (path: string): URL => new URL(`../${path}`, import.meta.url)

/**
 * Runs `main` as `run` would (as the main task of a loop scope), on virtual time, with every `Console.log`
 * recorded with its virtual second since the start.
 */
const runRecorded = <E>(main: Effect.Effect<void, E>) =>
  Effect.gen(function* () {
    const clock = yield* Effect.clockWith((clock) => Effect.succeed<Clock.Clock>(clock))
    const start = clock.currentTimeMillisUnsafe()
    const recording: Recording = { lines: [] }
    const console = recordingConsole(recording, () => (clock.currentTimeMillisUnsafe() - start) / 1000)
    const { exit, elapsed } = yield* runVirtual(
      Effect.provideService(asyncio.Loop.scoped(main, { mainName: MAIN_TASK }), Console.Console, console),
      60
    )
    return { exit, elapsed, lines: recording.lines }
  })

describe("examples on virtual time", () => {
  for (const { meta, main } of examples) {
    it.effect(`${meta.id}: transcript, timestamps and ${meta.elapsed} s elapsed`, () =>
      Effect.gen(function* () {
        const { exit, elapsed, lines } = yield* runRecorded(main)
        if (Exit.isFailure(exit)) expect.fail(`${meta.id} failed:\n${Cause.pretty(exit.cause)}`)
        // (a) the transcript, line by line
        expect(lines.map(([, text]) => text)).toEqual(meta.transcript.map(([, text]) => text))
        // (b) when each line is printed (this is where ordering and concurrency show)
        expect(lines).toEqual(meta.transcript)
        // (c) the total time the tutorial claims
        expect(elapsed).toBe(meta.elapsed)
      })
    )
  }

  it.effect("seed 004: each of the three methods takes 2 s, not 2 + 1 + 0.5 = 3.5 s", () =>
    Effect.gen(function* () {
      for (const id of ["07-gather-timing", "08-as-completed", "09-create-task-await-later"]) {
        const { main } = examples.find(({ meta }) => meta.id === id)!
        const { elapsed } = yield* runRecorded(main)
        expect(elapsed, id).toBe(2)
      }
    })
  )

  it.effect("seed 002: gather leaves the other requests running; a TaskGroup cancels them at once", () =>
    Effect.gen(function* () {
      const at = (lines: ReadonlyArray<readonly [number, string]>, text: string): number | undefined =>
        lines.find(([, line]) => line === text)?.[0]
      const gather = yield* runRecorded(examples.find(({ meta }) => meta.id === "17-gather-errors")!.main)
      const group = yield* runRecorded(examples.find(({ meta }) => meta.id === "18-taskgroup-errors")!.main)
      expect(at(gather.lines, "  gather raised (1.0s): ConnectionError('orders refused')")).toBe(1)
      expect(at(gather.lines, "  users finished")).toBe(2)
      expect(at(gather.lines, "  stock finished")).toBe(3)
      expect(at(group.lines, "  users cancelled")).toBe(1)
      expect(at(group.lines, "  stock cancelled")).toBe(1)
      expect(at(group.lines, "  users finished")).toBeUndefined()
      expect(group.elapsed).toBe(1)
    })
  )

  it.effect("seed 002: a timed-out request's clean-up runs before TimeoutError comes out", () =>
    Effect.gen(function* () {
      const { lines } = yield* runRecorded(
        examples.find(({ meta }) => meta.id === "19-request-timeout")!.main
      )
      const at = (text: string): number => lines.find(([, line]) => line === text)![0]
      expect(at("  A: closing the connection")).toBe(2)
      expect(at("  TimeoutError after 2.5s (the clean-up is included)")).toBe(2.5)
      expect(at("  C: connection closed")).toBe(at("  TimeoutError after 2.5s; expired: True"))
    })
  )

  it.effect(
    "seed 002: at shutdown the leaky workers keep their connections, the careful ones close them",
    () =>
      Effect.gen(function* () {
        const { lines } = yield* runRecorded(
          examples.find(({ meta }) => meta.id === "20-shutdown-background")!.main
        )
        const texts = lines.map(([, text]) => text)
        expect(texts).toContain("  after the loop ended: open connections ['worker-1', 'worker-2']")
        expect(texts).toContain("  after the loop ended: open connections []")
        expect(texts.filter((text) => text === "    reason: kind='shutdown'")).toHaveLength(4)
      })
  )

  it.effect("seed 000: the wrong way takes 4 s, the right way 2 s", () =>
    Effect.gen(function* () {
      const { main } = examples.find(({ meta }) => meta.id === "03-wrong-way-right-way")!
      const { lines } = yield* runRecorded(main)
      const at = (text: string): number => lines.find(([, line]) => line === text)![0]
      expect(at("Right way:") - at("Wrong way:")).toBe(4)
      expect(at("['Task1 done', 'Task2 done']") - at("Right way:")).toBe(2)
    })
  )
})

/** The tutorial's output with the documented changes applied, and the documented added lines. */
const fromTutorial = (meta: ExampleMeta): ReadonlyArray<string> | undefined => {
  if (meta.tutorialOutput === undefined) return undefined
  return meta.tutorialOutput.map((line) => {
    const change = meta.differences.find((d) => d.kind === "changed" && d.tutorial === line)
    return change?.kind === "changed" ? change.printed : line
  })
}

describe("example metadata", () => {
  const files = readdirSync(here("src"))
    .filter((file) => /^\d\d-.+\.ts$/.test(file))
    .sort()

  it("every example file is registered, in order, under its file name", () => {
    const ids = (list: ReadonlyArray<{ readonly meta: { readonly id: string } }>) =>
      list.map(({ meta }) => `${meta.id}.ts`)
    expect(ids(allExamples)).toEqual(files)
    expect(ids(examples)).toEqual([...ids(examples)].sort())
    expect(ids(realTimeExamples)).toEqual([...ids(realTimeExamples)].sort())
  })

  it("each example names an existing seed and Python reference script", () => {
    for (const { meta } of examples) {
      expect(existsSync(here(meta.python)), meta.python).toBe(true)
      expect(meta.seed, meta.id).toMatch(/^\d{3}_[0-9a-f]{16}\.txt$/)
      expect(meta.transcript.length, meta.id).toBeGreaterThan(0)
      const times = meta.transcript.map(([at]) => at)
      expect(times, `${meta.id}: timestamps never go back`).toEqual([...times].sort((a, b) => a - b))
      expect(times[times.length - 1], `${meta.id}: last line within the elapsed time`).toBeLessThanOrEqual(
        meta.elapsed
      )
    }
  })

  it("each transcript is the tutorial's printed output plus the documented differences", () => {
    for (const { meta } of examples) {
      const texts = meta.transcript.map(([, text]) => text)
      for (const d of meta.differences) {
        if (d.kind !== "note") expect(texts, `${meta.id}: documented line is printed`).toContain(d.printed)
      }
      const expected = fromTutorial(meta)
      if (expected === undefined) continue
      const added = new Set(meta.differences.flatMap((d) => (d.kind === "added" ? [d.printed] : [])))
      expect(
        texts.filter((text) => !added.has(text)),
        meta.id
      ).toEqual(expected)
    }
  })

  it("each `python` / `python-order` difference names printed lines; the Python transcript keeps the rest", () => {
    for (const { meta } of examples) {
      const python = pythonTranscript(meta)
      const texts = meta.transcript.map(([, text]) => text)
      const replaced = meta.differences.flatMap((d) => (d.kind === "python" ? [d] : []))
      const moved = meta.differences.flatMap((d) => (d.kind === "python-order" ? [d] : []))
      if (replaced.length === 0 && moved.length === 0) {
        expect(python, meta.id).toEqual(meta.transcript)
        continue
      }
      for (const d of replaced) expect(d.python, `${meta.id}: a real difference`).not.toBe(d.printed)
      for (const d of moved) {
        expect(texts, `${meta.id}: moved after a printed line`).toContain(d.after)
        expect(texts.indexOf(d.printed), `${meta.id}: CPython prints it later`).toBeLessThan(
          texts.indexOf(d.after)
        )
      }
      const dropped = texts.filter((text) =>
        replaced.some((d) => d.printed === text && d.python === undefined)
      )
      expect(python.length, meta.id).toBe(meta.transcript.length - dropped.length)
      const times = python.map(([at]) => at)
      expect(times, `${meta.id}: Python timestamps never go back`).toEqual([...times].sort((a, b) => a - b))
    }
  })

  it("the README lists every example and its Python script", () => {
    const readme = readFileSync(here("README.md"), "utf8")
    for (const { meta } of examples) {
      expect(readme, meta.id).toContain(`src/${meta.id}.ts`)
      expect(readme, meta.id).toContain(meta.python)
    }
  })
})
