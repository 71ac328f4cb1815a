/**
 * Subprocesses, three ways:
 *
 * 1. the asyncio documentation's `run(cmd)`: a shell command whose stdout and stderr are collected with
 *    `communicate()`, then its `returncode`;
 * 2. a pipeline of two processes joined by this program: `seq 1 5`'s stdout read line by line
 *    (`async for line in proc.stdout`), each number squared and written to `sort -rn`'s stdin (`write` + `drain`,
 *    then `close`), whose output `communicate()` collects;
 * 3. a timeout that terminates a slow child: `waitFor(proc.wait(), 0.5)` fails with `TimeoutError`, then
 *    `terminate()` and `wait()`: the returncode is -15 (minus SIGTERM), as in Python.
 *
 * Every child belongs to the scope that started it (here `main`'s): had `main` been cancelled midway, its
 * children would have been terminated, reaped and their pipes closed.
 *
 * `npm run example -- 53`; its Python original is `python/53-subprocess-pipeline.py`, compared by
 * `npm run check:python -w examples`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Subprocess from "@effect-asyncio/node/Subprocess"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { print, repr } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

const { PIPE } = Subprocess

const run = (cmd: string) =>
  Effect.gen(function* () {
    const proc = yield* Subprocess.createSubprocessShell(cmd, { stdout: PIPE, stderr: PIPE })

    const [stdout, stderr] = yield* proc.communicate()

    yield* print(`[${repr(cmd)} exited with ${yield* proc.returncode()}]`)
    if (stdout !== undefined && stdout.length > 0) yield* print(`[stdout]\n${stdout.toString().trimEnd()}`)
    if (stderr !== undefined && stderr.length > 0) yield* print(`[stderr]\n${stderr.toString().trimEnd()}`)
  })

const pipeline = Effect.gen(function* () {
  const numbers = yield* Subprocess.createSubprocessExec("seq", "1", "5", { stdout: PIPE })
  const sort = yield* Subprocess.createSubprocessExec("sort", "-rn", { stdin: PIPE, stdout: PIPE })
  const stdin = sort.stdin!
  yield* Stream.runForEach(numbers.stdout!.lines, (line) => {
    const n = Number(line.toString())
    return Effect.andThen(stdin.write(`${n * n}\n`), stdin.drain())
  })
  yield* stdin.close()
  const [out] = yield* sort.communicate()
  const squares = repr(
    out
      ?.toString()
      .split(/\s+/)
      .filter((s) => s !== "")
  )
  yield* print(
    `seq 1 5 | (n*n) | sort -rn: ${squares} (exit codes ${yield* numbers.wait()}, ${yield* sort.returncode()})`
  )
})

const slow = (timeout: number) =>
  Effect.gen(function* () {
    const proc = yield* Subprocess.createSubprocessExec("sleep", "10")
    yield* asyncio.waitFor(proc.wait(), timeout).pipe(
      Effect.catchTag("TimeoutError", () =>
        Effect.gen(function* () {
          yield* print(`sleep 10: no exit after ${timeout} s, terminating it`)
          yield* proc.terminate()
          yield* print(`sleep 10: returncode ${yield* proc.wait()}`)
        })
      )
    )
  })

export const main = Effect.gen(function* () {
  yield* run("echo hello; echo oops >&2; exit 3")
  yield* pipeline
  yield* slow(0.5)
}).pipe(Effect.scoped)

export const meta: RealTimeMeta = {
  id: "53-subprocess-pipeline",
  title:
    "Subprocesses: communicate(), a two-process pipeline through this program, a timeout that terminates",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Further Reading: Asyncio Subprocesses",
  asyncio: [
    "create_subprocess_shell",
    "create_subprocess_exec",
    "Process.communicate",
    "async for line in proc.stdout",
    "wait_for",
    "Process.terminate",
    "Process.returncode"
  ],
  python: "python/53-subprocess-pipeline.py",
  checkPython: true,
  tutorialSays: ["Asyncio Subprocesses (Further Reading: run(cmd) is the documentation's example)"],
  transcript: [
    "['echo hello; echo oops >&2; exit 3' exited with 3]",
    "[stdout]",
    "hello",
    "[stderr]",
    "oops",
    "seq 1 5 | (n*n) | sort -rn: ['25', '16', '9', '4', '1'] (exit codes 0, 0)",
    "sleep 10: no exit after 0.5 s, terminating it",
    "sleep 10: returncode -15"
  ],
  elapsed: 0.6,
  notes: [
    "returncode is a method (yield* proc.returncode()): it changes when the child exits, and reading state is an " +
      "effect here; Python's is an attribute.",
    "Cancelling the wait (waitFor's timeout) does not touch the child, as in asyncio; the example terminates it " +
      "itself. Had it not, the end of main's scope would have: SIGTERM, then SIGKILL after killAfter seconds.",
    "The documentation prints the output with `end=''`; print() here adds the newline after trimming it."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
