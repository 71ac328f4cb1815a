/**
 * What each of seed 003's four programs prints (13–16): twenty lines at t = 1 s, then `Done.`.
 */
import type { Line } from "./example.ts"

/** The tutorial's printed output, the same for all four programs. */
export const twentyTasksOutput: ReadonlyArray<string> = [
  ...Array.from({ length: 20 }, (_, i) => `>Task ${i} done`),
  "Done."
]

/** Every line at 1 s: the twenty tasks sleep at the same time. */
export const twentyTasksTranscript: ReadonlyArray<Line> = twentyTasksOutput.map((text) => [1, text])
