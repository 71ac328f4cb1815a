/**
 * Differential testing against CPython (docs/differential.md): the same random programs run on effect-asyncio
 * (virtual time, `TestClock`) and on CPython's asyncio (`python3`, a virtual-clock event loop), and every
 * difference between the two transcripts must belong to a documented class (differential/classes.ts).
 *
 * The Python part needs `python3` (3.11 or later) on PATH; where it is missing, those tests are skipped at run
 * time with the reason. The harness's own parts (generator, TypeScript interpreter, comparison, shrinker) are
 * tested without it.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { classById, classes } from "./differential/classes.ts"
import { firstDivergence } from "./differential/compare.ts"
import { allFeatures, generate } from "./differential/generate.ts"
import { type Outcome, programsOf, runAll } from "./differential/harness.ts"
import { runProgram } from "./differential/interpret.ts"
import { issueExamples } from "./differential/issue.ts"
import { type MinimalExample, type Program, size, statements, wellFormed } from "./differential/program.ts"
import { pythonUnavailable, runPython } from "./differential/python.ts"
import { shrink } from "./differential/shrink.ts"

const unavailable = pythonUnavailable()
const needsPython = `python3 is needed for the differential tests against CPython: ${unavailable}`
if (unavailable !== undefined)
  console.warn(`differential.subprocess.test.ts: skipping the CPython part — ${unavailable}`)

const minimal = JSON.parse(
  readFileSync(new URL("./differential/minimal.json", import.meta.url), "utf8")
) as ReadonlyArray<MinimalExample>

const none = { queues: [], locks: 0, events: 0, conds: 0, sems: [], barriers: [], counters: 0 } as const

/** Runs every pinned program (the minimal ones and issue 12's) once, in two batches (plain and debug mode). */
let pinned: Promise<Map<Program, Outcome>> | undefined
const outcomeOf = async (program: Program, retrieval: boolean): Promise<Outcome> => {
  pinned ??= (async () => {
    const all = [
      ...minimal.map((e) => ({ program: e.program, retrieval: e.retrieval })),
      ...issueExamples.map((e) => ({ program: e.program, retrieval: e.retrieval }))
    ]
    const map = new Map<Program, Outcome>()
    for (const mode of [false, true]) {
      const batch = all.filter((e) => e.retrieval === mode)
      const outcomes = await runAll(
        batch.map((e) => ({ program: e.program })),
        { retrieval: mode }
      )
      batch.forEach((e, i) => {
        map.set(e.program, outcomes[i])
      })
    }
    return map
  })()
  const outcome = (await pinned).get(program)
  if (outcome === undefined) throw new Error(`not a pinned program (retrieval ${retrieval})`)
  return outcome
}

/** Three tasks sleeping 3, 1 and 2 seconds, gathered: the transcript both sides must print. */
const gatherProgram: Program = {
  ...none,
  main: [
    {
      op: "gather",
      items: [
        { kind: "coro", name: "a", body: [{ op: "sleep", d: 3 }] },
        { kind: "coro", name: "b", body: [{ op: "sleep", d: 1 }] },
        { kind: "coro", name: "c", body: [{ op: "sleep", d: 2 }] }
      ],
      returnExceptions: false
    }
  ]
}

const gatherTranscript = [
  [0, "main", "start"],
  [0, "a", "start"],
  [0, "b", "start"],
  [0, "c", "start"],
  [1, "b", "return"],
  [2, "c", "return"],
  [3, "a", "return"],
  [3, "main", "gather -> ['a', 'b', 'c']"],
  [3, "main", "return"]
]

describe("differential harness (no Python needed)", () => {
  it("the generator is deterministic and makes well-formed programs using every feature", () => {
    const programs = Array.from({ length: 300 }, (_, i) => generate(i + 1))
    expect(generate(42)).toEqual(generate(42))
    expect(programs.every(wellFormed)).toBe(true)
    const ops = new Set(programs.flatMap((p) => statements(p.main).map((s) => s.op)))
    for (const op of [
      "timeout",
      "taskGroup",
      "tgCancel",
      "reschedule",
      "shutdown",
      "barrierWait",
      "condWaitFor"
    ]) {
      expect(ops.has(op as never), op).toBe(true)
    }
    const withoutQueues = generate(7, { features: allFeatures.filter((f) => f !== "queue") })
    expect(withoutQueues.queues).toEqual([])
  })

  it("the TypeScript interpreter prints the transcript of a gather on virtual time", async () => {
    expect(await runProgram(gatherProgram)).toEqual(gatherTranscript)
  })

  it("a program stuck with nothing to run has main cancelled (message 'deadlock') at the last timer's instant", async () => {
    const stuck: Program = {
      ...none,
      events: 1,
      main: [
        { op: "sleep", d: 1.5 },
        {
          op: "onCancel",
          body: [{ op: "waitEvent", event: 0 }],
          handler: [{ op: "print", text: "bye" }],
          swallow: false
        }
      ]
    }
    expect(await runProgram(stuck)).toEqual([
      [0, "main", "start"],
      [1.5, "-", "deadlock: main cancelled"],
      [1.5, "main", "caught cancelled('deadlock')"],
      [1.5, "main", "bye"],
      [1.5, "main", "cancelled('deadlock')"]
    ])
  })

  it("the first divergence is the first differing line, or the end of the shorter transcript", () => {
    const a = [[0, "main", "start"] as const, [1, "main", "x"] as const]
    expect(firstDivergence(a, a)).toBeUndefined()
    expect(firstDivergence(a, [a[0], [1, "main", "y"]])).toEqual({
      index: 1,
      python: [1, "main", "x"],
      ts: [1, "main", "y"]
    })
    expect(firstDivergence(a, [a[0]])).toEqual({ index: 1, python: [1, "main", "x"], ts: undefined })
  })

  it("the shrinker removes what the predicate does not need, keeping programs well-formed", async () => {
    const program = generate(5, { size: 8 })
    const raises = (p: Program) => statements(p.main).some((s) => s.op === "raise")
    const start: Program = { ...program, main: [...program.main, { op: "raise", msg: "x" }] }
    const { program: small } = await shrink(start, async (ps) => ps.map(raises))
    expect(small.main).toEqual([{ op: "raise", msg: "x" }])
    expect(size(small)).toBe(1)
  })
})

describe("differential tests against CPython's asyncio", () => {
  it("the Python side prints the same gather transcript on its virtual clock", async (ctx) => {
    if (unavailable !== undefined) ctx.skip(needsPython)
    const [result] = await runPython([{ program: gatherProgram }])
    expect(result).toEqual({ lines: gatherTranscript })
  })

  it("300 random programs: every difference from CPython belongs to a documented class", async (ctx) => {
    if (unavailable !== undefined) ctx.skip(needsPython)
    const outcomes = await runAll(programsOf(Array.from({ length: 300 }, (_, i) => i + 1)))
    expect(outcomes.filter((o) => o.error !== undefined).map((o) => o.seed)).toEqual([])
    expect(
      outcomes.filter((o) => o.divergence !== undefined && o.difference === undefined).map((o) => o.seed)
    ).toEqual([])
    // Both sides really ran the programs: most print the same transcript at least up to a late line.
    const identical = outcomes.filter((o) => o.divergence === undefined).length
    expect(identical).toBeGreaterThan(100)
    expect(outcomes.reduce((n, o) => n + o.python.length, 0)).toBeGreaterThan(3000)
  }, 60_000)

  // One minimal program per class, recorded with both transcripts (see docs/differential.md). When a fidelity bug
  // is fixed, its program prints CPython's transcript: record the minimal programs again and update this list.
  for (const example of minimal) {
    const k = classById(example.id)
    it(`class ${example.id} (${k?.verdict}, ${k?.row}): minimal program of seed ${example.seed}`, async (ctx) => {
      if (unavailable !== undefined) ctx.skip(needsPython)
      const outcome = await outcomeOf(example.program, example.retrieval)
      expect(outcome.python).toEqual(example.python)
      expect(outcome.ts).toEqual(example.ts)
      expect(outcome.difference?.id).toBe(example.id)
    })
  }

  for (const example of issueExamples) {
    const fixed = example.fixed
    if (fixed === undefined) {
      it(`issue 12 ${example.item}, confirmed: ${example.title} (class ${example.expected})`, async (ctx) => {
        if (unavailable !== undefined) ctx.skip(needsPython)
        const outcome = await outcomeOf(example.program, example.retrieval)
        expect(outcome.divergence).toBeDefined()
        expect(outcome.difference?.id).toBe(example.expected)
      })
    } else {
      it(`issue 12 ${example.item}, fixed: ${fixed} — prints CPython's transcript (was ${example.expected})`, async (ctx) => {
        if (unavailable !== undefined) ctx.skip(needsPython)
        const outcome = await outcomeOf(example.program, example.retrieval)
        expect(outcome.ts).toEqual(outcome.python)
        expect(outcome.divergence).toBeUndefined()
      })
    }
  }

  it("every class has a recorded minimal program, except the fixed ones (kept so that a regression is named)", () => {
    const open = classes.filter((k) => !k.row.startsWith("fixed"))
    expect(open.map((k) => k.id).filter((id) => !minimal.some((e) => e.id === id))).toEqual([])
    // A fixed class has no minimal program left: its recorded one prints CPython's transcript.
    const fixed = classes.filter((k) => k.row.startsWith("fixed")).map((k) => k.id)
    expect(minimal.filter((e) => fixed.includes(e.id)).map((e) => e.id)).toEqual([])
  })
})
