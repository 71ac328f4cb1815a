/**
 * Running programs on both sides and classifying the differences: what `npm run fuzz:python` and the vitest
 * file share.
 */
import { type Case, classify, type DifferenceClass } from "./classes.ts"
import { type Divergence, firstDivergence } from "./compare.ts"
import { type Feature, type GenerateOptions, generate } from "./generate.ts"
import { runProgram } from "./interpret.ts"
import type { Program, Transcript } from "./program.ts"
import { type Knob, knobRuns, type PythonRequest, runPython } from "./python.ts"

export interface HarnessOptions {
  /** Compare "Task exception was never retrieved" reports too (the TypeScript side then runs in debug mode). */
  readonly retrieval?: boolean | undefined
  /** Programs per Python process. */
  readonly batch?: number | undefined
  /** Effect's preemption budget on the TypeScript side (default: Effect's, 2048). */
  readonly maxOpsBeforeYield?: number | undefined
}

/** The outcome of one program. */
export interface Outcome {
  readonly seed: number | undefined
  readonly program: Program
  readonly python: Transcript
  readonly ts: Transcript
  readonly divergence: Divergence | undefined
  /** The class that explains the first divergence (`undefined`: none does — an unexplained difference). */
  readonly difference: DifferenceClass | undefined
  /** A Python error (a bug of the harness), when the Python side crashed. */
  readonly error?: string | undefined
}

const retrievalLine = (line: Transcript[number]): boolean => line[2].startsWith("never retrieved ")

/** The programs of `seeds` under `options`. */
export const programsOf = (
  seeds: ReadonlyArray<number>,
  options?: GenerateOptions
): Array<{ readonly seed: number; readonly program: Program }> =>
  seeds.map((seed) => ({ seed, program: generate(seed, options) }))

const pythonBatches = async (
  requests: ReadonlyArray<PythonRequest>,
  batch: number
): Promise<Array<{ readonly lines: Transcript } | { readonly error: string }>> => {
  const out: Array<{ readonly lines: Transcript } | { readonly error: string }> = []
  for (let i = 0; i < requests.length; i += batch)
    out.push(...(await runPython(requests.slice(i, i + batch))))
  return out
}

/**
 * Runs every program on both sides (Python in batches, in a child process, while the TypeScript side runs
 * here), compares the transcripts, and classifies each first divergence. For diverging programs the Python side
 * is run again with the timer knobs (`fifo`, `settle`) that some classifiers need.
 */
export const runAll = async (
  programs: ReadonlyArray<{ readonly seed?: number | undefined; readonly program: Program }>,
  options?: HarnessOptions
): Promise<Array<Outcome>> => {
  const batch = options?.batch ?? 500
  const retrieval = options?.retrieval === true
  const keep = (t: Transcript): Transcript => (retrieval ? t : t.filter((line) => !retrievalLine(line)))
  const pythonRun = pythonBatches(
    programs.map(({ program }) => ({ program })),
    batch
  )
  const tsResults: Array<Transcript> = []
  const maxOpsBeforeYield = options?.maxOpsBeforeYield
  for (const { program } of programs) {
    tsResults.push(keep(await runProgram(program, { retrieval, maxOpsBeforeYield })))
  }
  const python = await pythonRun
  const diverging: Array<number> = []
  const firsts = programs.map((_, i) => {
    const py = python[i]
    if ("error" in py) return undefined
    const d = firstDivergence(keep(py.lines), tsResults[i])
    if (d !== undefined) diverging.push(i)
    return d
  })
  const knobs = (Object.keys(knobRuns) as Array<Knob>).map((name) => ({ name, ...knobRuns[name] }))
  const knobResults = await pythonBatches(
    diverging.flatMap((i) => knobs.map(({ name: _, ...run }) => ({ program: programs[i].program, ...run }))),
    batch
  )
  const knobOf = new Map<number, Partial<Record<Knob, Transcript>>>()
  diverging.forEach((i, k) => {
    const transcripts: Partial<Record<Knob, Transcript>> = {}
    knobs.forEach(({ name }, j) => {
      const r = knobResults[k * knobs.length + j]
      if (!("error" in r)) transcripts[name] = keep(r.lines)
    })
    knobOf.set(i, transcripts)
  })
  return programs.map(({ seed, program }, i): Outcome => {
    const py = python[i]
    if ("error" in py) {
      return {
        seed,
        program,
        python: [],
        ts: tsResults[i],
        divergence: undefined,
        difference: undefined,
        error: py.error
      }
    }
    const divergence = firsts[i]
    const pythonLines = keep(py.lines)
    const c: Case | undefined =
      divergence === undefined
        ? undefined
        : {
            program,
            python: pythonLines,
            ts: tsResults[i],
            divergence,
            knobs: knobOf.get(i)!
          }
    return {
      seed,
      program,
      python: pythonLines,
      ts: tsResults[i],
      divergence,
      difference: c === undefined ? undefined : classify(c)
    }
  })
}

/** Whether `outcome` still shows the same difference (for shrinking): diverges, with the same class. */
export const sameDifference =
  (outcome: Outcome, options?: HarnessOptions) =>
  async (candidates: ReadonlyArray<Program>): Promise<Array<boolean>> => {
    const results = await runAll(
      candidates.map((program) => ({ program })),
      options
    )
    return results.map(
      (r) =>
        r.error === undefined &&
        r.divergence !== undefined &&
        (r.difference?.id ?? "unexplained") === (outcome.difference?.id ?? "unexplained")
    )
  }

export type { Feature }
