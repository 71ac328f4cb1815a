/**
 * `Subprocess`: asyncio's `create_subprocess_exec` / `create_subprocess_shell` and `Process` on real child
 * processes (`sh`, `cat`, `sleep`, `head`). Real time. After each child is gone the test checks that it was
 * reaped (no zombie: `kill(pid, 0)` fails with ESRCH) and that no pipe of ours is left open.
 */
import { unlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { BrokenPipeError, FileNotFoundError, PermissionError } from "../src/Errors.ts"
import * as Subprocess from "../src/Subprocess.ts"
import { defectOf, failureOf, openFds } from "./utils/io.ts"

const { PIPE, DEVNULL, STDOUT } = Subprocess

/** Whether a process with this pid exists (a zombie counts: it still has its pid). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

const tagOf = (u: unknown): string | undefined => (u as { _tag?: string } | undefined)?._tag

describe("createSubprocessExec / createSubprocessShell", () => {
  it.live("stdout as a StreamReader; wait() and returncode", () =>
    Effect.gen(function* () {
      const proc = yield* Subprocess.createSubprocessExec("sh", "-c", "echo hello; echo world; exit 3", {
        stdout: PIPE
      })
      assert.isAbove(proc.pid, 0)
      assert.isUndefined(proc.stdin)
      assert.isUndefined(proc.stderr)
      assert.strictEqual((yield* proc.stdout!.readline()).toString(), "hello\n")
      assert.strictEqual((yield* proc.stdout!.readline()).toString(), "world\n")
      assert.strictEqual((yield* proc.stdout!.readline()).length, 0)
      assert.strictEqual(yield* proc.wait(), 3)
      assert.strictEqual(yield* proc.returncode(), 3)
    }).pipe(Effect.scoped)
  )

  it.live("communicate(input): feeds stdin, reads stdout and stderr to the end, waits", () =>
    Effect.gen(function* () {
      const proc = yield* Subprocess.createSubprocessShell("tr a-z A-Z; echo oops >&2; exit 2", {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE
      })
      const [out, err] = yield* proc.communicate("hello subprocess\n")
      assert.strictEqual(out?.toString(), "HELLO SUBPROCESS\n")
      assert.strictEqual(err?.toString(), "oops\n")
      assert.strictEqual(yield* proc.returncode(), 2)
    }).pipe(Effect.scoped)
  )

  it.live("communicate with 10 MB of output and a child that never reads its input", () =>
    Effect.gen(function* () {
      const big = yield* Subprocess.createSubprocessExec("head", "-c", "10000000", "/dev/zero", {
        stdout: PIPE
      })
      const [out, err] = yield* big.communicate()
      assert.strictEqual(out?.length, 10_000_000)
      assert.isUndefined(err)
      // asyncio's communicate() ignores BrokenPipeError: the child exits without reading 4 MB of input.
      const deaf = yield* Subprocess.createSubprocessExec("true", { stdin: PIPE, stdout: DEVNULL })
      const [none] = yield* deaf.communicate(Buffer.alloc(4 * 1024 * 1024, 120))
      assert.isUndefined(none)
      assert.strictEqual(yield* deaf.returncode(), 0)
    }).pipe(Effect.scoped)
  )

  it.live("stderr=STDOUT: one pipe, in the order the child wrote (exec and shell)", () =>
    Effect.gen(function* () {
      const script = "echo one; echo two >&2; echo three"
      const exec = yield* Subprocess.createSubprocessExec("sh", "-c", script, {
        stdout: PIPE,
        stderr: STDOUT
      })
      assert.strictEqual((yield* exec.communicate())[0]?.toString(), "one\ntwo\nthree\n")
      const shell = yield* Subprocess.createSubprocessShell(script, { stdout: PIPE, stderr: STDOUT })
      const [out, err] = yield* shell.communicate()
      assert.strictEqual(out?.toString(), "one\ntwo\nthree\n")
      assert.isUndefined(err)
    }).pipe(Effect.scoped)
  )

  it.live("cwd and env", () =>
    Effect.gen(function* () {
      const proc = yield* Subprocess.createSubprocessShell("pwd; echo $GREETING", {
        stdout: PIPE,
        cwd: "/tmp",
        env: { GREETING: "hi", PATH: process.env.PATH ?? "/usr/bin:/bin" }
      })
      assert.strictEqual((yield* proc.communicate())[0]?.toString(), "/tmp\nhi\n")
    }).pipe(Effect.scoped)
  )

  it.live("FileNotFoundError for a missing program or working directory, as Python says it", () =>
    Effect.gen(function* () {
      for (const options of [{}, { stdout: PIPE, stderr: STDOUT }] as const) {
        const error = failureOf(
          yield* Effect.exit(Subprocess.createSubprocessExec("no-such-program-xyz", options))
        )
        assert.instanceOf(error, FileNotFoundError)
        assert.strictEqual((error as FileNotFoundError).errno, 2)
        assert.strictEqual(
          (error as FileNotFoundError).message,
          "[Errno 2] No such file or directory: 'no-such-program-xyz'"
        )
      }
      const cwd = failureOf(
        yield* Effect.exit(Subprocess.createSubprocessExec("ls", { cwd: "/no/such/dir" }))
      )
      assert.instanceOf(cwd, FileNotFoundError)
      assert.strictEqual((cwd as FileNotFoundError).filename, "/no/such/dir")
    }).pipe(Effect.scoped)
  )

  it.live("PermissionError for a file that is not executable", () =>
    Effect.gen(function* () {
      const file = join(tmpdir(), `effect-asyncio-subprocess-${process.pid}.txt`)
      writeFileSync(file, "not a program\n", { mode: 0o644 })
      const error = failureOf(yield* Effect.exit(Subprocess.createSubprocessExec(file)))
      unlinkSync(file)
      assert.instanceOf(error, PermissionError)
      assert.strictEqual((error as PermissionError).errno, 13)
      assert.strictEqual((error as PermissionError).message, `[Errno 13] Permission denied: '${file}'`)
    }).pipe(Effect.scoped)
  )

  it.live("bad arguments are defects", () =>
    Effect.gen(function* () {
      const badArg = defectOf(
        yield* Effect.exit(Subprocess.createSubprocessExec("ls", 42 as unknown as string))
      )
      assert.strictEqual(tagOf(badArg), "TypeError")
      assert.include(
        String((badArg as Error).message),
        "createSubprocessExec(): argument 1 must be a string, got 42"
      )
      const badStdio = defectOf(
        yield* Effect.exit(Subprocess.createSubprocessShell("true", { stdout: "file" as unknown as "pipe" }))
      )
      assert.strictEqual(tagOf(badStdio), "TypeError")
      const proc = yield* Subprocess.createSubprocessExec("true")
      yield* proc.wait()
      const badSignal = defectOf(yield* Effect.exit(proc.sendSignal("SIGNOPE" as NodeJS.Signals)))
      assert.strictEqual(tagOf(badSignal), "ValueError")
    }).pipe(Effect.scoped)
  )
})

describe("signals and returncode", () => {
  it.live(
    "terminate, kill and sendSignal: returncode is minus the signal's number; after exit, a no-op",
    () =>
      Effect.gen(function* () {
        const codes: Array<number> = []
        for (const send of ["terminate", "kill", "SIGINT"] as const) {
          const proc = yield* Subprocess.createSubprocessExec("sleep", "30")
          yield* send === "terminate"
            ? proc.terminate()
            : send === "kill"
              ? proc.kill()
              : proc.sendSignal(send)
          codes.push(yield* proc.wait())
          yield* proc.kill() // already exited: nothing happens
        }
        assert.deepStrictEqual(codes, [-15, -9, -2])
      }).pipe(Effect.scoped)
  )

  it.live("a timeout that terminates a slow child: waitFor(communicate(), t), then kill and wait", () =>
    Effect.gen(function* () {
      const proc = yield* Subprocess.createSubprocessShell("echo started; exec sleep 30", { stdout: PIPE })
      const exit = yield* Effect.exit(asyncio.waitFor(proc.communicate(), 0.3))
      assert.strictEqual(tagOf(failureOf(exit)), "TimeoutError")
      assert.isUndefined(yield* proc.returncode())
      yield* proc.kill()
      assert.strictEqual(yield* proc.wait(), -9)
      // The output read before the timeout is still in the reader.
      assert.strictEqual((yield* proc.stdout!.read(100)).toString(), "started\n")
    }).pipe(Effect.scoped)
  )
})

describe("the child belongs to the task that created it", () => {
  it.live("cancelling the task terminates the child; it is reaped and its pipes are closed", () =>
    Effect.gen(function* () {
      const before = openFds()
      let pid = 0
      const started = yield* asyncio.Event.make()
      const task = yield* asyncio.createTask(
        Effect.scoped(
          Effect.gen(function* () {
            const proc = yield* Subprocess.createSubprocessExec("sleep", "30", {
              stdin: PIPE,
              stdout: PIPE,
              stderr: PIPE
            })
            pid = proc.pid
            yield* started.set()
            return yield* proc.wait()
          })
        )
      )
      yield* started.wait()
      assert.isTrue(alive(pid))
      yield* task.cancel()
      yield* Fiber.await(task.fiber)
      assert.isTrue(yield* task.cancelled())
      assert.isFalse(alive(pid))
      assert.deepStrictEqual(
        [...openFds()].filter((fd) => !before.has(fd)),
        []
      )
    }).pipe(asyncio.Loop.scoped)
  )

  it.live("a child that ignores SIGTERM is killed after killAfter seconds", () =>
    Effect.gen(function* () {
      let child: Subprocess.Process | undefined
      const ready = yield* asyncio.Event.make()
      const task = yield* asyncio.createTask(
        Effect.scoped(
          Effect.gen(function* () {
            const proc = yield* Subprocess.createSubprocessShell("trap '' TERM; echo ready; exec sleep 30", {
              stdout: PIPE,
              killAfter: 0.4
            })
            child = proc
            yield* proc.stdout!.readline()
            yield* ready.set()
            return yield* Effect.never
          })
        )
      )
      yield* ready.wait()
      const t0 = performance.now()
      yield* task.cancel()
      yield* Fiber.await(task.fiber)
      const seconds = (performance.now() - t0) / 1000
      assert.isAtLeast(seconds, 0.35)
      assert.isBelow(seconds, 5)
      assert.isFalse(alive(child!.pid))
      // SIGTERM was ignored: SIGKILL ended it.
      assert.strictEqual(yield* child!.returncode(), -9)
    }).pipe(asyncio.Loop.scoped)
  )

  it.live("its owner ending (a TaskGroup whose other task fails) terminates the child", () =>
    Effect.gen(function* () {
      let pid = 0
      const exit = yield* Effect.exit(
        asyncio.TaskGroup.run((tg) =>
          Effect.gen(function* () {
            yield* tg.createTask(
              Effect.scoped(
                Effect.flatMap(Subprocess.createSubprocessExec("sleep", "30"), (proc) => {
                  pid = proc.pid
                  return proc.wait()
                })
              )
            )
            yield* tg.createTask(Effect.andThen(asyncio.sleep(0.1), Effect.fail("boom")))
          })
        )
      )
      assert.strictEqual(exit._tag, "Failure")
      assert.isAbove(pid, 0)
      assert.isFalse(alive(pid))
    }).pipe(asyncio.Loop.scoped)
  )

  it.live(
    "a child that already exited is just reaped when the scope ends; wait() cancelled leaves it running",
    () =>
      Effect.gen(function* () {
        const proc = yield* Subprocess.createSubprocessExec("sleep", "0.2")
        const exit = yield* Effect.exit(asyncio.waitFor(proc.wait(), 0.05))
        assert.strictEqual(tagOf(failureOf(exit)), "TimeoutError")
        assert.isUndefined(yield* proc.returncode())
        assert.isTrue(alive(proc.pid))
        assert.strictEqual(yield* proc.wait(), 0)
      }).pipe(Effect.scoped)
  )

  it.live("readline on stdout and drain on stdin can be cancelled; the pipes stay usable", () =>
    Effect.gen(function* () {
      const proc = yield* Subprocess.createSubprocessShell("printf part; read x; echo ial; cat >/dev/null", {
        stdin: PIPE,
        stdout: PIPE
      })
      const line = yield* Effect.exit(asyncio.waitFor(proc.stdout!.readline(), 0.1))
      assert.strictEqual(tagOf(failureOf(line)), "TimeoutError")
      yield* proc.stdin!.write("go\n")
      assert.strictEqual((yield* proc.stdout!.readline()).toString(), "partial\n")
      const stdin = proc.stdin!
      yield* stdin.close()
      yield* stdin.waitClosed()
      assert.strictEqual(yield* proc.wait(), 0)
    }).pipe(Effect.scoped)
  )

  it.live(
    "drain on the stdin of a child that does not read blocks, can be cancelled, then fails with BrokenPipeError",
    () =>
      Effect.gen(function* () {
        const proc = yield* Subprocess.createSubprocessExec("sleep", "30", { stdin: PIPE })
        const stdin = proc.stdin!
        const chunk = Buffer.alloc(1024 * 1024, 120)
        let blocked = false
        for (let i = 0; i < 16 && !blocked; i++) {
          yield* stdin.write(chunk)
          blocked =
            tagOf(failureOf(yield* Effect.exit(asyncio.waitFor(stdin.drain(), 0.05)))) === "TimeoutError"
        }
        assert.isTrue(blocked)
        yield* proc.kill()
        assert.strictEqual(yield* proc.wait(), -9)
        const error = failureOf(yield* Effect.exit(stdin.drain()))
        assert.instanceOf(error, BrokenPipeError)
        assert.strictEqual((error as BrokenPipeError).message, "[Errno 32] Broken pipe")
      }).pipe(Effect.scoped)
  )
})
