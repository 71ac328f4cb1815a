/**
 * The implementation of `Subprocess.ts` (loaded on first use), over `node:child_process`. The pipes are the
 * same readers and writers as sockets (a pipe to a child is a `net.Socket` in Node). `@effect/platform-node`'s
 * `NodeChildProcessSpawner` is not used: its outputs are `Stream`s over a `PassThrough` copy (no `readline`, no
 * cancel-safe partial reads), it signals the process group, and without `forceKillAfter` it waits forever for a
 * child that ignores SIGTERM; see docs/io.md.
 */
import * as ChildProcess from "node:child_process"
import { accessSync, constants as fs, statSync } from "node:fs"
import * as Net from "node:net"
import { constants } from "node:os"
import { delimiter, join } from "node:path"
import { TypeError, ValueError } from "@effect-asyncio/core/Errors"
import { show } from "@effect-asyncio/core/Validate"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import { type AnyOSError, BrokenPipeError, ConnectionResetError } from "../Errors.ts"
import type { ExecArgs, Process, SubprocessOptions } from "../Subprocess.ts"
import { Connection, StreamWriterImpl } from "./connection.ts"
import { toOSError } from "./oserror.ts"
import { checkLimit, StreamReaderImpl } from "./reader.ts"

const signals: Readonly<Record<string, number>> = constants.signals

class ProcessImpl implements Process {
  readonly pid: number
  readonly stdin: StreamWriterImpl | undefined
  readonly stdout: StreamReaderImpl | undefined
  readonly stderr: StreamReaderImpl | undefined
  private readonly child: ChildProcess.ChildProcess
  private readonly exit: Deferred.Deferred<number>

  constructor(
    child: ChildProcess.ChildProcess,
    exit: Deferred.Deferred<number>,
    pipes: {
      readonly stdin: StreamWriterImpl | undefined
      readonly stdout: StreamReaderImpl | undefined
      readonly stderr: StreamReaderImpl | undefined
    }
  ) {
    this.child = child
    this.pid = child.pid ?? -1
    this.exit = exit
    this.stdin = pipes.stdin
    this.stdout = pipes.stdout
    this.stderr = pipes.stderr
  }

  returncode(): Effect.Effect<number | undefined> {
    return Effect.sync(() => returncodeOf(this.child))
  }

  wait(): Effect.Effect<number> {
    return Deferred.await(this.exit)
  }

  communicate(
    input?: Uint8Array | string
  ): Effect.Effect<readonly [stdout: Buffer | undefined, stderr: Buffer | undefined], AnyOSError> {
    return Effect.suspend(() => {
      if (input !== undefined && typeof input !== "string" && !(input instanceof Uint8Array)) {
        return Effect.die(
          new TypeError(`communicate(): input must be a Uint8Array or a string, got ${show(input)}`)
        )
      }
      const stdin = this.stdin
      const feed =
        stdin === undefined
          ? Effect.void
          : Effect.andThen(
              input === undefined
                ? Effect.void
                : Effect.andThen(stdin.write(input), stdin.drain()).pipe(
                    // asyncio's communicate() ignores a child that did not read its input.
                    Effect.catchIf(
                      (e) => e instanceof BrokenPipeError || e instanceof ConnectionResetError,
                      () => Effect.void
                    )
                  ),
              stdin.close()
            )
      const drain = (reader: StreamReaderImpl | undefined) =>
        reader === undefined ? Effect.succeed(undefined) : reader.read()
      return Effect.all([feed, drain(this.stdout), drain(this.stderr)], { concurrency: "unbounded" }).pipe(
        Effect.flatMap(([, out, err]) => Effect.as(this.wait(), [out, err] as const))
      )
    })
  }

  sendSignal(signal: NodeJS.Signals | number): Effect.Effect<void> {
    return Effect.sync(() => {
      if (typeof signal === "string" ? !(signal in signals) : !Number.isInteger(signal)) {
        throw new ValueError(`sendSignal(): unknown signal ${show(signal)}`)
      }
      if (returncodeOf(this.child) === undefined) this.child.kill(signal)
    })
  }

  terminate(): Effect.Effect<void> {
    return this.sendSignal("SIGTERM")
  }

  kill(): Effect.Effect<void> {
    return this.sendSignal("SIGKILL")
  }
}

/** Python's `returncode`: the exit code, or minus the number of the signal that ended the child. */
const returncodeOf = (child: ChildProcess.ChildProcess): number | undefined =>
  child.exitCode !== null
    ? child.exitCode
    : child.signalCode !== null
      ? -(signals[child.signalCode] ?? 0)
      : undefined

const stdioOf = (what: string, name: string, option: unknown): ChildProcess.IOType | number => {
  switch (option) {
    case undefined:
    case "inherit":
      return "inherit"
    case "pipe":
      return "pipe"
    case "devnull":
      return "ignore"
    default:
      if (typeof option === "number" && Number.isInteger(option) && option >= 0) return option
      throw new TypeError(
        `${what}: ${name} must be PIPE, DEVNULL, "inherit" or a file descriptor, got ${show(option)}`
      )
  }
}

/** The program's path as `execvp` would find it, to report a missing program before going through a shell. */
const findProgram = (
  program: string,
  env: Readonly<Record<string, string | undefined>>
): string | undefined => {
  const candidates = program.includes("/")
    ? [program]
    : (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).map((dir) => join(dir || ".", program))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fs.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // try the next directory
    }
  }
  return undefined
}

interface Command {
  readonly file: string
  readonly args: ReadonlyArray<string>
  /** The name in errors: the program, or the shell command. */
  readonly program: string
}

const spawn = (
  what: string,
  command: Command,
  options: SubprocessOptions | undefined,
  stdio: ReadonlyArray<ChildProcess.IOType | number>
): Effect.Effect<Process, AnyOSError, Scope.Scope> =>
  Effect.suspend(() => {
    const limit = checkLimit(what, options?.limit)
    const killAfter = options?.killAfter ?? 5
    if (typeof killAfter !== "number" || !(killAfter >= 0)) {
      throw new ValueError(`${what}: killAfter must be a number of seconds >= 0, got ${show(killAfter)}`)
    }
    const cwd = options?.cwd
    if (cwd !== undefined && typeof cwd !== "string") {
      throw new TypeError(`${what}: cwd must be a string, got ${show(cwd)}`)
    }
    const env = options?.env
    if (env !== undefined && (typeof env !== "object" || env === null)) {
      throw new TypeError(`${what}: env must be an object of strings, got ${show(env)}`)
    }
    return Effect.flatMap(Effect.scope, (scope) => {
      const exit = Deferred.makeUnsafe<number>()
      let child: ChildProcess.ChildProcess
      try {
        child = ChildProcess.spawn(command.file, command.args, {
          stdio: [...stdio],
          ...(cwd === undefined ? {} : { cwd }),
          ...(env === undefined ? {} : { env: { ...env } }),
          windowsHide: true
        })
      } catch (error) {
        return Effect.die(new TypeError(`${what}: ${error instanceof Error ? error.message : String(error)}`))
      }
      child.on("exit", () => Deferred.doneUnsafe(exit, Effect.succeed(returncodeOf(child) ?? 0)))
      if (child.pid === undefined) {
        // The spawn failed; Node reports why on the next tick.
        return Effect.callback<never, AnyOSError>((resume) => {
          child.once("error", (error) => {
            const missingCwd =
              cwd !== undefined && (error as NodeJS.ErrnoException).code === "ENOENT" && !exists(cwd)
            resume(
              Effect.fail(toOSError(error, { _tag: "file", filename: missingCwd ? cwd : command.program }))
            )
          })
        })
      }
      // From here on the child is ours: the scope ends it, however the rest goes.
      child.on("error", () => {})
      const pipes = [child.stdin, child.stdout, child.stderr]
      const finalizer = Effect.suspend(() => {
        // asyncio's transport.close(): close the pipes, then terminate a child that still runs.
        for (const pipe of pipes) pipe?.destroy()
        if (returncodeOf(child) !== undefined) return Effect.void
        child.kill("SIGTERM")
        return Effect.timeoutOption(Deferred.await(exit), killAfter * 1000).pipe(
          Effect.flatMap((code) => {
            if (code._tag === "Some") return Effect.void
            child.kill("SIGKILL")
            return Deferred.await(exit)
          })
        )
      })
      const names = { pid: child.pid }
      const stdin =
        child.stdin instanceof Net.Socket
          ? new StreamWriterImpl(new Connection(child.stdin, "pipe", names))
          : undefined
      const reader = (pipe: unknown): StreamReaderImpl | undefined => {
        if (!(pipe instanceof Net.Socket)) return undefined
        const reader = new StreamReaderImpl(pipe, limit)
        // The connection records the pipe's errors and end for the reader.
        void new Connection(pipe, "pipe", names, reader)
        return reader
      }
      const proc = new ProcessImpl(child, exit, {
        stdin,
        stdout: reader(child.stdout),
        stderr: reader(child.stderr)
      })
      return Effect.as(Scope.addFinalizer(scope, Effect.asVoid(finalizer)), proc)
    }).pipe(Effect.uninterruptible)
  })

const exists = (path: string): boolean => {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

const readOptions = (
  what: string,
  args: ExecArgs
): [ReadonlyArray<string>, SubprocessOptions | undefined] => {
  const last = args[args.length - 1]
  const options = typeof last === "object" && last !== null ? (last as SubprocessOptions) : undefined
  const strings = options === undefined ? args : args.slice(0, -1)
  strings.forEach((arg, i) => {
    if (typeof arg !== "string") {
      throw new TypeError(`${what}: argument ${i + 1} must be a string, got ${show(arg)}`)
    }
  })
  return [strings as ReadonlyArray<string>, options]
}

const stdioArray = (what: string, options: SubprocessOptions | undefined) => {
  const stdout = stdioOf(what, "stdout", options?.stdout)
  const merged = options?.stderr === "stdout"
  // stderr=STDOUT: with a pipe, `sh`'s `2>&1` puts both in it (Node cannot give one pipe to two fds); without
  // one, the child's fd 2 is what its fd 1 is.
  const stderr = merged
    ? stdout === "pipe"
      ? "inherit"
      : stdout === "inherit"
        ? 1
        : stdout
    : stdioOf(what, "stderr", options?.stderr)
  return {
    stdio: [stdioOf(what, "stdin", options?.stdin), stdout, stderr],
    merged: merged && stdout === "pipe"
  }
}

export const createSubprocessExec = (
  program: string,
  args: ExecArgs
): Effect.Effect<Process, AnyOSError, Scope.Scope> =>
  Effect.suspend(() => {
    const what = "createSubprocessExec()"
    if (typeof program !== "string" || program.length === 0) {
      throw new TypeError(`${what}: program must be a non-empty string, got ${show(program)}`)
    }
    const [strings, options] = readOptions(what, args)
    const { stdio, merged } = stdioArray(what, options)
    if (!merged) return spawn(what, { file: program, args: strings, program }, options, stdio)
    const found = findProgram(program, options?.env ?? process.env)
    if (found === undefined) {
      return Effect.fail(
        toOSError(Object.assign(new Error(`spawn ${program} ENOENT`), { code: "ENOENT" }), {
          _tag: "file",
          filename: program
        })
      )
    }
    // `exec` keeps the pid: signals reach the program itself.
    return spawn(
      what,
      { file: "/bin/sh", args: ["-c", 'exec "$@" 2>&1', "sh", found, ...strings], program },
      options,
      stdio
    )
  })

export const createSubprocessShell = (
  cmd: string,
  options: SubprocessOptions | undefined
): Effect.Effect<Process, AnyOSError, Scope.Scope> =>
  Effect.suspend(() => {
    const what = "createSubprocessShell()"
    if (typeof cmd !== "string" || cmd.length === 0) {
      throw new TypeError(`${what}: cmd must be a non-empty string, got ${show(cmd)}`)
    }
    const { stdio, merged } = stdioArray(what, options)
    return spawn(
      what,
      { file: "/bin/sh", args: ["-c", merged ? `exec 2>&1\n${cmd}` : cmd], program: cmd },
      options,
      stdio
    )
  })
