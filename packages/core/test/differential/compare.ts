/**
 * Comparing two transcripts: the first line where they differ.
 */
import type { Line, Transcript } from "./program.ts"

export interface Divergence {
  /** Index of the first differing line (equal to the shorter length when one is a prefix of the other). */
  readonly index: number
  /** The Python line there (`undefined`: the Python transcript ended). */
  readonly python: Line | undefined
  /** The TypeScript line there (`undefined`: the TypeScript transcript ended). */
  readonly ts: Line | undefined
}

export const sameLine = (a: Line, b: Line): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2]

/** The first divergence of `ts` from `python`, or `undefined` when they are identical. */
export const firstDivergence = (python: Transcript, ts: Transcript): Divergence | undefined => {
  const n = Math.min(python.length, ts.length)
  for (let i = 0; i < n; i++) {
    if (!sameLine(python[i], ts[i])) return { index: i, python: python[i], ts: ts[i] }
  }
  if (python.length === ts.length) return undefined
  return { index: n, python: python[n], ts: ts[n] }
}
