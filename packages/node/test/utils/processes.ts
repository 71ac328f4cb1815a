/**
 * Helpers of the tests that run jobs on real processes (executor-process, cluster-process): jobs note what they do
 * in a log file (processes share no memory), and the tests poll it in real time.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"

export const sleepMs = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

/** Polls (real time) until `predicate` holds, for at most `seconds`. */
export const until = (predicate: () => boolean, seconds = 20) =>
  Effect.gen(function* () {
    const deadline = Date.now() + seconds * 1000
    while (!predicate()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error("condition not reached in time"))
      yield* sleepMs(10)
    }
  })

/** Runs `body` with the path of a log file in a new temporary directory, removed afterwards. */
export const withLog = <A, E>(body: (log: string) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "jobs-"))),
    (dir) => body(join(dir, "log")),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** The log's lines so far. */
export const lines = (log: string): Array<string> =>
  existsSync(log)
    ? readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line !== "")
    : []

/** Whether a process with this pid exists. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
