/**
 * `npm run fuzz:python -- --seeds N [--seed S] [--features a,b] [--without a,b] [--size n] [--depth n]
 *  [--retrieval] [--max-ops N] [--shrink] [--show] [--json FILE] [--minimal FILE] [--refresh FILE] [--doc]`
 *
 * Generates programs for seeds S … S+N-1 (default 1 … 100), runs each on CPython's asyncio and on effect-asyncio
 * (both on virtual time), compares the transcripts, classifies every first divergence (classes.ts) and prints a
 * summary. `--seed S` alone shows that one program, both transcripts and the divergence. `--shrink` reduces the
 * first program of each class (and each unexplained one) to a minimal program. Exits with 1 if a difference is
 * unexplained. See docs/differential.md.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { classes } from "./classes.ts"
import { allFeatures, type Feature, type GenerateOptions } from "./generate.ts"
import { type HarnessOptions, type Outcome, programsOf, runAll, sameDifference } from "./harness.ts"
import { type MinimalExample, type Program, render, showLine, type Transcript } from "./program.ts"
import { pythonUnavailable } from "./python.ts"
import { shrink } from "./shrink.ts"

const args = process.argv.slice(2)
const flag = (name: string): boolean => args.includes(`--${name}`)
const value = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  if (i >= 0) return args[i + 1]
  const prefixed = args.find((a) => a.startsWith(`--${name}=`))
  return prefixed?.slice(name.length + 3)
}
const list = (name: string): Array<string> | undefined =>
  value(name)
    ?.split(",")
    .filter((s) => s !== "")

if (flag("doc")) {
  // The per-class section of docs/differential.md, from the recorded minimal programs.
  const file = value("doc-from") ?? new URL("./minimal.json", import.meta.url).pathname
  const examples = JSON.parse(readFileSync(file, "utf8")) as Array<MinimalExample>
  for (const k of classes) {
    const e = examples.find((e) => e.id === k.id)
    console.log(`### \`${k.id}\` — ${k.title}\n`)
    console.log(
      `*${k.verdict === "bug" ? "Fidelity bug, to fix" : k.verdict === "model" ? "Model difference, documented" : "CPython artefact, accepted"}* · row: ${k.row}\n`
    )
    console.log(`${k.cause}\n`)
    if (e === undefined) {
      console.log("(no minimal program recorded)\n")
      continue
    }
    console.log(`Minimal program (seed ${e.seed}${e.retrieval ? ", `--retrieval`" : ""}):\n`)
    console.log("```python")
    console.log(render(e.program))
    console.log("```\n")
    const width = Math.max(24, ...e.python.map((l) => showLine(l).length)) + 2
    const d = e.python.findIndex((l, i) => e.ts[i] === undefined || showLine(l) !== showLine(e.ts[i]))
    const mark = d < 0 ? e.python.length : d
    console.log("```")
    console.log(`${"CPython".padEnd(width)}effect-asyncio`)
    for (let i = 0; i < Math.max(e.python.length, e.ts.length); i++) {
      const left = e.python[i] === undefined ? "" : showLine(e.python[i])
      const right = e.ts[i] === undefined ? "" : showLine(e.ts[i])
      console.log(`${left.padEnd(width)}${right}${i === mark ? "   ◀" : ""}`.trimEnd())
    }
    console.log("```\n")
  }
  process.exit(0)
}

const unavailable = pythonUnavailable()
if (unavailable !== undefined) {
  console.error(`fuzz:python needs CPython: ${unavailable}`)
  process.exit(2)
}

const refreshFile = value("refresh")
if (refreshFile !== undefined) {
  // Re-runs the recorded minimal programs after a change: a program still showing its class gets its new
  // transcripts; one that no longer does is listed (fixed, or now another class) and dropped from the file.
  const examples = JSON.parse(readFileSync(refreshFile, "utf8")) as Array<MinimalExample>
  const kept: Array<MinimalExample> = []
  for (const mode of [false, true]) {
    const batch = examples.filter((e) => e.retrieval === mode)
    const outcomes = await runAll(
      batch.map((e) => ({ seed: e.seed, program: e.program })),
      { retrieval: mode }
    )
    batch.forEach((e, i) => {
      const o = outcomes[i]
      if (o.difference?.id === e.id) kept.push({ ...e, python: o.python, ts: o.ts })
      else
        console.log(
          `${e.id} (seed ${e.seed}): ${o.divergence === undefined ? "now prints CPython's transcript" : `now ${o.difference?.id ?? "unexplained"}`} — dropped`
        )
    })
  }
  kept.sort((a, b) => classes.findIndex((k) => k.id === a.id) - classes.findIndex((k) => k.id === b.id))
  writeFileSync(refreshFile, `${JSON.stringify(kept, null, 2)}\n`)
  spawnSync("npx", ["biome", "format", "--write", refreshFile], { stdio: "ignore" })
  console.log(`${kept.length} of ${examples.length} minimal programs kept`)
  process.exit(0)
}

const checkFeatures = (names: ReadonlyArray<string>): Array<Feature> =>
  names.map((f) => {
    if (!(allFeatures as ReadonlyArray<string>).includes(f)) {
      console.error(`unknown feature ${JSON.stringify(f)}; known: ${allFeatures.join(", ")}`)
      process.exit(2)
    }
    return f as Feature
  })

const only = list("features")
const without = new Set(checkFeatures(list("without") ?? []))
const features = (only === undefined ? [...allFeatures] : checkFeatures(only)).filter((f) => !without.has(f))
const generateOptions: GenerateOptions = {
  features,
  ...(value("size") === undefined ? {} : { size: Number(value("size")) }),
  ...(value("depth") === undefined ? {} : { depth: Number(value("depth")) })
}
const harness: HarnessOptions = {
  retrieval: flag("retrieval"),
  ...(value("max-ops") === undefined ? {} : { maxOpsBeforeYield: Number(value("max-ops")) })
}
const single = value("seeds") === undefined && value("seed") !== undefined
const first = Number(value("seed") ?? 1)
const count = single ? 1 : Number(value("seeds") ?? 100)
const seeds = Array.from({ length: count }, (_, i) => first + i)

const showTranscripts = (python: Transcript, ts: Transcript, mark: number | undefined): void => {
  const width = Math.max(40, ...python.map((l) => showLine(l).length)) + 2
  console.log(`${"CPython".padEnd(width)}effect-asyncio`)
  for (let i = 0; i < Math.max(python.length, ts.length); i++) {
    const left = python[i] === undefined ? "" : showLine(python[i])
    const right = ts[i] === undefined ? "" : showLine(ts[i])
    console.log(`${left.padEnd(width)}${right}${i === mark ? "   ◀ first divergence" : ""}`)
  }
}

const describe = (o: Outcome): void => {
  console.log(render(prune(o.program)))
  console.log()
  showTranscripts(o.python, o.ts, o.divergence?.index)
  console.log()
  if (o.error !== undefined) console.log(`Python side crashed:\n${o.error}`)
  else if (o.divergence === undefined) console.log("identical transcripts")
  else if (o.difference === undefined) console.log("UNEXPLAINED difference")
  else
    console.log(
      `class ${o.difference.id} (${o.difference.verdict}, ${o.difference.row}): ${o.difference.title}`
    )
}

const started = Date.now()
const outcomes = await runAll(programsOf(seeds, generateOptions), harness)

if (single) {
  describe(outcomes[0])
  if (flag("shrink") && outcomes[0].divergence !== undefined) {
    const { program } = await shrink(outcomes[0].program, sameDifference(outcomes[0], harness))
    const [small] = await runAll([{ seed: first, program }], harness)
    console.log(`\n=== shrunk`)
    describe(small)
    console.log(`program JSON: ${JSON.stringify(prune(program))}`)
  }
} else {
  const compared = outcomes.reduce(
    (n, o) => n + (o.divergence === undefined ? o.python.length : o.divergence.index + 1),
    0
  )
  const produced = outcomes.reduce((n, o) => n + o.python.length + o.ts.length, 0)
  const identical = outcomes.filter((o) => o.error === undefined && o.divergence === undefined).length
  const errors = outcomes.filter((o) => o.error !== undefined)
  const unexplained = outcomes.filter((o) => o.divergence !== undefined && o.difference === undefined)
  console.log(
    `${outcomes.length} programs (seeds ${first}…${first + count - 1}; features ${features.join(",")}), ` +
      `${compared} transcript lines compared (${produced} printed), ${((Date.now() - started) / 1000).toFixed(1)} s`
  )
  console.log(
    `identical: ${identical}, explained differences: ${outcomes.length - identical - unexplained.length - errors.length}, ` +
      `unexplained: ${unexplained.length}${errors.length > 0 ? `, harness errors: ${errors.length}` : ""}`
  )
  for (const k of classes) {
    const members = outcomes.filter((o) => o.difference?.id === k.id)
    if (members.length === 0) continue
    console.log(
      `  ${String(members.length).padStart(5)}  ${k.id.padEnd(28)} ${k.verdict.padEnd(6)} ${k.row.padEnd(16)} ` +
        `seeds ${members
          .slice(0, 5)
          .map((o) => o.seed)
          .join(", ")}`
    )
  }
  if (unexplained.length > 0) {
    console.log(
      `unexplained seeds: ${unexplained
        .slice(0, 40)
        .map((o) => o.seed)
        .join(", ")}${unexplained.length > 40 ? ", …" : ""}`
    )
  }
  for (const o of errors.slice(0, 3)) console.log(`harness error (seed ${o.seed}):\n${o.error}`)
  if (flag("show")) {
    for (const o of outcomes.filter((o) => o.divergence !== undefined)) {
      console.log(`\n=== seed ${o.seed}`)
      describe(o)
    }
  }
  if (flag("shrink")) {
    const representatives = [
      ...classes.flatMap((k) => {
        const o = outcomes.find((o) => o.difference?.id === k.id)
        return o === undefined ? [] : [o]
      }),
      ...unexplained.slice(0, Number(value("shrink-unexplained") ?? 5))
    ]
    for (const o of representatives) {
      const { program } = await shrink(o.program, sameDifference(o, harness))
      const [small] = await runAll([{ seed: o.seed, program }], harness)
      console.log(`\n=== ${o.difference?.id ?? "UNEXPLAINED"}: seed ${o.seed}, shrunk`)
      describe(small)
      console.log(`program JSON: ${JSON.stringify(prune(program))}`)
    }
  }
  const minimalFile = value("minimal")
  if (minimalFile !== undefined) {
    // One minimal program per class found in this run (the first seed of the class, shrunk), merged into the file.
    const examples: Array<MinimalExample> = existsSync(minimalFile)
      ? (JSON.parse(readFileSync(minimalFile, "utf8")) as Array<MinimalExample>)
      : []
    for (const k of classes) {
      const o = outcomes.find((o) => o.difference?.id === k.id)
      if (o === undefined || o.seed === undefined) continue
      // A debug-mode run only adds the classes that need it: the others keep their plain-mode example.
      const known = examples.find((e) => e.id === k.id)
      if (harness.retrieval === true && known !== undefined && !known.retrieval) continue
      const { program } = await shrink(o.program, sameDifference(o, harness))
      const [small] = await runAll([{ seed: o.seed, program }], harness)
      if (small.difference?.id !== k.id) continue
      const example: MinimalExample = {
        id: k.id,
        seed: o.seed,
        retrieval: harness.retrieval === true,
        program: prune(program),
        python: small.python,
        ts: small.ts
      }
      const at = examples.findIndex((e) => e.id === k.id)
      if (at >= 0) examples[at] = example
      else examples.push(example)
      console.log(`minimal ${k.id}: seed ${o.seed}, ${small.python.length} lines`)
    }
    examples.sort((a, b) => classes.findIndex((k) => k.id === a.id) - classes.findIndex((k) => k.id === b.id))
    writeFileSync(minimalFile, `${JSON.stringify(examples, null, 2)}\n`)
    // Formatted as the repository's JSON is (npm run lint checks it).
    spawnSync("npx", ["biome", "format", "--write", minimalFile], { stdio: "ignore" })
  }
  const file = value("json")
  if (file !== undefined) {
    writeFileSync(
      file,
      JSON.stringify(
        outcomes
          .filter((o) => o.divergence !== undefined)
          .map((o) => ({ seed: o.seed, class: o.difference?.id ?? null, divergence: o.divergence })),
        null,
        1
      )
    )
  }
  if (unexplained.length > 0 || errors.length > 0) process.exitCode = 1
}

/** The program without the primitives it does not use (for printing minimal programs). */
function prune(program: Program): Program {
  const text = JSON.stringify(program.main)
  const uses = (key: string) => new RegExp(`"${key}":`).test(text)
  return {
    ...program,
    queues: uses("q") ? program.queues : [],
    locks: uses("lock") ? program.locks : 0,
    events: uses("event") ? program.events : 0,
    conds: uses("cond") ? program.conds : 0,
    sems: uses("sem") ? program.sems : [],
    barriers: uses("barrier") ? program.barriers : [],
    counters: uses("counter") ? program.counters : 0
  }
}
