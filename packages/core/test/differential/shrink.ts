/**
 * Shrinking a failing program to a minimal one: greedy, one edit at a time, keeping an edit when the smaller
 * program still "fails" (the caller's predicate — usually: still diverges, with the same difference class).
 * Candidates of one round are checked in one batch (one Python process), smallest first.
 */
import type { Block, Program, Stmt, Target } from "./program.ts"
import { size, wellFormed } from "./program.ts"

/** Every program one edit away from `block`'s statement list, as replacement blocks. */
const blockEdits = (block: Block): Array<Block> => {
  const out: Array<Block> = []
  for (let i = 0; i < block.length; i++) {
    // Drop the statement.
    out.push([...block.slice(0, i), ...block.slice(i + 1)])
    // Replace it by one of its own blocks (hoisting: `try: x` → `x`), or by a simpler form of itself.
    for (const replacement of stmtEdits(block[i])) {
      out.push([...block.slice(0, i), ...replacement, ...block.slice(i + 1)])
    }
  }
  return out
}

const targetEdits = (t: Target): Array<Target> => {
  if (t.kind === "ref") return []
  return blockEdits(t.body).map((body) => ({ ...t, body }))
}

const listEdits = <A>(xs: ReadonlyArray<A>, edit: (x: A) => Array<A>, keepOne: boolean): Array<Array<A>> => {
  const out: Array<Array<A>> = []
  for (let i = 0; i < xs.length; i++) {
    if (!keepOne || xs.length > 1) out.push([...xs.slice(0, i), ...xs.slice(i + 1)])
    for (const x of edit(xs[i])) out.push([...xs.slice(0, i), x, ...xs.slice(i + 1)])
  }
  return out
}

/** Edits of one statement: each result replaces it (possibly by several statements, or none). */
const stmtEdits = (s: Stmt): Array<Block> => {
  const out: Array<Block> = []
  const smaller = (d: number) => [0, 0.5, 1].filter((x) => x < d)
  switch (s.op) {
    case "sleep":
      for (const d of smaller(s.d)) out.push([{ ...s, d }])
      break
    case "spawn":
    case "tgSpawn":
      for (const body of blockEdits(s.body)) out.push([{ ...s, body }])
      break
    case "cancel":
      if (s.msg !== null) out.push([{ ...s, msg: null }])
      break
    case "try":
    case "onCancel":
      out.push(s.body, s.handler)
      for (const body of blockEdits(s.body)) out.push([{ ...s, body }])
      for (const handler of blockEdits(s.handler)) out.push([{ ...s, handler }])
      if (s.op === "onCancel" && s.swallow) out.push([{ ...s, swallow: false }])
      break
    case "finally":
      out.push(s.body, s.cleanup, [...s.body, ...s.cleanup])
      for (const body of blockEdits(s.body)) out.push([{ ...s, body }])
      for (const cleanup of blockEdits(s.cleanup)) out.push([{ ...s, cleanup }])
      break
    case "gather":
    case "asCompleted":
      for (const items of listEdits(s.items, targetEdits, true)) out.push([{ ...s, items }])
      if (s.op === "gather" && s.returnExceptions) out.push([{ ...s, returnExceptions: false }])
      if (s.op === "asCompleted" && s.timeout !== null) out.push([{ ...s, timeout: null }])
      break
    case "wait":
      for (const refs of listEdits(s.refs, () => [], true)) out.push([{ ...s, refs }])
      if (s.timeout !== null) out.push([{ ...s, timeout: null }])
      if (s.returnWhen !== "ALL_COMPLETED") out.push([{ ...s, returnWhen: "ALL_COMPLETED" }])
      break
    case "waitFor":
    case "shield":
      for (const item of targetEdits(s.item)) out.push([{ ...s, item }])
      if (s.item.kind !== "ref") out.push(s.item.body)
      break
    case "timeout":
    case "taskGroup":
    case "withLock":
    case "withCond":
    case "withSem":
    case "loop":
      for (const body of blockEdits(s.body)) out.push([{ ...s, body }])
      if (s.op !== "withCond") out.push(s.body)
      if (s.op === "timeout" && s.at) out.push([{ ...s, at: false }])
      if (s.op === "loop" && s.times > 1) out.push([{ ...s, times: s.times - 1 }])
      break
    case "put":
    case "get":
      if (s.nowait) out.push([{ ...s, nowait: false }])
      break
    default:
      break
  }
  return out
}

/** Every program one edit smaller (or simpler) than `program`, smallest first. */
export const candidates = (program: Program): Array<Program> =>
  blockEdits(program.main)
    .map((main) => ({ ...program, main }))
    .filter(wellFormed)
    .sort((a, b) => size(a) - size(b))

/**
 * Shrinks `program` while `fails` holds. `fails` receives a batch of candidates and returns, for each, whether it
 * still fails; the first failing candidate of a round is kept. Stops after `maxRounds` rounds.
 */
export const shrink = async (
  program: Program,
  fails: (programs: ReadonlyArray<Program>) => Promise<ReadonlyArray<boolean>>,
  maxRounds = 200
): Promise<{ readonly program: Program; readonly rounds: number }> => {
  let current = program
  let rounds = 0
  while (rounds < maxRounds) {
    const next = candidates(current)
    if (next.length === 0) break
    const verdicts = await fails(next)
    const index = verdicts.indexOf(true)
    if (index < 0) break
    current = next[index]
    rounds++
  }
  return { program: current, rounds }
}
