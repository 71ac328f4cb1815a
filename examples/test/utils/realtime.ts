/**
 * Running a real-time example as `run` would — main task of a loop scope, its own thread pool — with a recording
 * console; shared by `realtime.test.ts` and `streams-examples.test.ts`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as ThreadPool from "@effect-asyncio/node/ThreadPool"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { type Line, MAIN_TASK, type Recording, recordingConsole } from "../../src/shared/example.ts"

/** Runs `main` in real time; returns its printed lines with the second at which each was printed. */
export const runRealTimed = async (main: Effect.Effect<void, unknown>): Promise<ReadonlyArray<Line>> => {
  const recording: Recording = { lines: [] }
  const started = performance.now()
  const console = recordingConsole(recording, () => (performance.now() - started) / 1000)
  await Effect.runPromise(
    ThreadPool.scoped(asyncio.Loop.scoped(main, { mainName: MAIN_TASK })).pipe(
      Effect.provideService(Console.Console, console)
    )
  )
  return recording.lines
}

/** Runs `main` in real time; returns its printed lines. */
export const runReal = async (main: Effect.Effect<void, unknown>): Promise<ReadonlyArray<string>> =>
  (await runRealTimed(main)).map(([, text]) => text)
