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
import { runVirtual } from "@effect-asyncio/core/Testing"
import * as Cause from "effect/Cause"
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

const here = (path: string): URL => new URL(`../${path}`, import.meta.url)

/**
 * Runs `main` as `run` would (as the main task of a loop scope), on virtual time, with every `Console.log`
 * recorded with its virtual second since the start.
 */
const runRecorded = <E>(main: Effect.Effect<void, E>) =>
  Effect.gen(function* () {
    const recording: Recording = { lines: [] }
    // the console reads the clock the program runs on: the virtual clock `runVirtual` provides
    const recorded = Effect.clockWith((clock) => {
      const start = clock.currentTimeMillisUnsafe()
      const console = recordingConsole(recording, () => (clock.currentTimeMillisUnsafe() - start) / 1000)
      return Effect.provideService(
        asyncio.Loop.scoped(main, { mainName: MAIN_TASK }),
        Console.Console,
        console
      )
    })
    const { exit, elapsed } = yield* runVirtual(recorded, { limit: 60 })
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

describe("synchronisation primitives and queues (40–45), on virtual time", () => {
  type Lines = ReadonlyArray<readonly [number, string]>
  const recorded = (id: string) => runRecorded(examples.find(({ meta }) => meta.id === id)!.main)
  const at = (lines: Lines, text: string): number | undefined => lines.find(([, line]) => line === text)?.[0]
  const matching = (lines: Lines, pattern: RegExp): Lines => lines.filter(([, line]) => pattern.test(line))

  it.effect(
    "seed 002: Semaphore(2) never has more than two jobs inside, and a freed permit is used at once",
    () =>
      Effect.gen(function* () {
        const { lines, elapsed } = yield* recorded("40-semaphore-two-at-a-time")
        // count the jobs inside from the start/end lines themselves, not only from what the jobs print
        let inside = 0
        let most = 0
        for (const [, line] of lines) {
          if (/^job \d starts/.test(line)) most = Math.max(most, ++inside)
          if (/^job \d ends/.test(line)) inside--
        }
        expect(most).toBe(2)
        expect(
          matching(lines, /starts \((\d) inside\)/).every(([, line]) => /\([12] inside\)/.test(line))
        ).toBe(true)
        // jobs 3–6 each start in the instant a running job ends
        const ends = matching(lines, /ends after/).map(([t]) => t)
        for (const [t] of matching(lines, /^job [3-6] starts/)) expect(ends).toContain(t)
        expect(elapsed).toBe(3) // 5.5 s of work, two at a time
      })
  )

  it.effect(
    "Queue pipeline: put waits while the queue is full; join() waits for the last taskDone; shutdown ends the consumers",
    () =>
      Effect.gen(function* () {
        const { lines, exit } = yield* recorded("41-queue-pipeline")
        expect(Exit.isSuccess(exit)).toBe(true)
        // back-pressure: items 5 and 6 go in only when a consumer has taken one (1.0 s, 1.4 s)
        expect(at(lines, "1.0s producer: put item-5 (qsize 2)")).toBe(1)
        expect(at(lines, "1.4s producer: put item-6 (qsize 2)")).toBe(1.4)
        // the queue never holds more than maxsize = 2 items
        for (const [, line] of matching(lines, /qsize/)) expect(line).toMatch(/qsize [12]\)/)
        // join() returns when the last item is processed (3.4 s), not when it is taken (2.4 s)
        const joined = lines.findIndex(([, line]) =>
          line.endsWith("join() returned, every item is processed")
        )
        const lastDone = lines.findLastIndex(([, line]) => line.includes("done with"))
        expect(joined).toBe(lastDone + 1)
        expect(lines[joined][0]).toBe(3.4)
        // both consumers see QueueShutDown after join() and return their counts (nobody is cancelled)
        const exits = matching(lines, /QueueShutDown, exiting/)
        expect(exits.map(([t]) => t)).toEqual([3.4, 3.4])
        expect(lines.findIndex(([, line]) => line.includes("QueueShutDown"))).toBeGreaterThan(joined)
        expect(lines.at(-1)?.[1]).toBe("3.4s handled per consumer: [4, 2]")
      })
  )

  it.effect("worker pool: ten jobs (9.0 s of work) on three workers take 3.4 s, each job done once", () =>
    Effect.gen(function* () {
      const { lines, elapsed } = yield* recorded("42-worker-pool")
      const jobs = matching(lines, /: job-\d+ ->/).map(([, line]) => Number(/job-(\d+)/.exec(line)![1]))
      expect([...jobs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(elapsed).toBe(3.4)
      // never more than three jobs running: count, at each finish, the jobs started and not yet finished
      const spans = matching(lines, /: job-\d+ ->/).map(([end, line]) => [
        Number(/started at ([\d.]+)s/.exec(line)![1]),
        end
      ])
      for (const [, end] of spans) {
        const running = spans.filter(([s, e]) => s < end && end <= e).length
        expect(running).toBeLessThanOrEqual(3)
      }
    })
  )

  it.effect("Event: nobody runs before set(); every waiter goes at once after it", () =>
    Effect.gen(function* () {
      const { lines } = yield* recorded("43-event-starting-gun")
      expect(matching(lines, /off!$/).map(([t]) => t)).toEqual([1, 1, 1])
      const bang = lines.findIndex(([, line]) => line.endsWith("bang!"))
      expect(lines.findIndex(([, line]) => line.endsWith("off!"))).toBeGreaterThan(bang)
    })
  )

  it.effect(
    "Condition: notify_all() for one item wakes three, two re-check and wait again; notify(2) wakes two",
    () =>
      Effect.gen(function* () {
        const { lines } = yield* recorded("44-condition-wait-for")
        expect(matching(lines, /took/).map(([t]) => t)).toEqual([1, 2, 2])
        expect(at(lines, "producer: predicate checks so far {'A': 2, 'B': 2, 'C': 2}")).toBe(1.5)
      })
  )

  it.effect("Barrier: nobody passes before the third arrival; indices are arrival order", () =>
    Effect.gen(function* () {
      const { lines } = yield* recorded("45-barrier")
      expect(matching(lines, /going down/).map(([t]) => t)).toEqual([3, 3, 3])
      expect(at(lines, "Bob: going down, arrival index 0")).toBe(3)
      expect(at(lines, "Ann: going down, arrival index 1")).toBe(3)
      expect(at(lines, "Cy: going down, arrival index 2")).toBe(3)
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
