/**
 * Subprocesses: asyncio's `create_subprocess_exec` and `create_subprocess_shell`, and the `Process` they
 * return, on `node:child_process`; the pipes are a `StreamWriter` (stdin) and `StreamReader`s (stdout, stderr).
 *
 * ```ts
 * import { Subprocess } from "@effect-asyncio/node"          // or "@effect-asyncio/node/Subprocess"
 * ```
 *
 * A child process belongs to the `Scope` that created it — usually the body of the task that started it
 * (`Effect.scoped`): when the scope ends (the task returns, fails, or is cancelled, or its owner ends) a child
 * still running is terminated — SIGTERM, then SIGKILL after `killAfter` seconds — and waited for, and its pipes
 * are closed. No zombie, no pipe is left behind. `docs/io.md` says what differs from asyncio and why.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { AnyOSError } from "./Errors.ts"
import { lazy } from "./internal/lazy.ts"
import type { StreamReader, StreamWriter } from "./Streams.ts"

const impl = lazy(() => import("./internal/subprocess.ts"))

/**
 * Connect the child's stream to a pipe: `stdin` becomes a `StreamWriter`, `stdout`/`stderr` `StreamReader`s.
 * asyncio's `asyncio.subprocess.PIPE`.
 *
 * @category constants
 * @since 0.1.0
 */
export const PIPE = "pipe" as const

/**
 * Send the child's stderr where its stdout goes (`stderr` only). asyncio's `asyncio.subprocess.STDOUT`.
 *
 * @category constants
 * @since 0.1.0
 */
export const STDOUT = "stdout" as const

/**
 * Connect the child's stream to `/dev/null`. asyncio's `asyncio.subprocess.DEVNULL`.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEVNULL = "devnull" as const

/**
 * Where a child's standard stream goes: {@link PIPE}, {@link DEVNULL}, `"inherit"` (the default: this process's
 * own, Python's `None`) or a file descriptor of this process.
 *
 * @category models
 * @since 0.1.0
 */
export type StdioOption = typeof PIPE | typeof DEVNULL | "inherit" | number

/**
 * Options of {@link createSubprocessExec} and {@link createSubprocessShell}.
 *
 * @category models
 * @since 0.1.0
 */
export interface SubprocessOptions {
  readonly stdin?: StdioOption | undefined
  readonly stdout?: StdioOption | undefined
  /** As `stdout`, or {@link STDOUT}: into the child's stdout (the same pipe when `stdout` is {@link PIPE}). */
  readonly stderr?: StdioOption | typeof STDOUT | undefined
  /** The child's working directory. */
  readonly cwd?: string | undefined
  /** The child's whole environment (default: this process's). */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** The buffer limit of the `stdout`/`stderr` readers (default 64 KiB). asyncio's `limit=`. */
  readonly limit?: number | undefined
  /**
   * Seconds between SIGTERM and SIGKILL when the scope ends while the child still runs (default 5, as Trio's
   * `run_process`). asyncio leaves such a child running.
   */
  readonly killAfter?: number | undefined
}

/**
 * A child process. asyncio's `asyncio.subprocess.Process`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Process {
  /** The child's process id. */
  readonly pid: number
  /** The child's stdin when it is {@link PIPE}, else `undefined` (Python's `None`). */
  readonly stdin: StreamWriter | undefined
  /** The child's stdout when it is {@link PIPE}. */
  readonly stdout: StreamReader | undefined
  /** The child's stderr when it is {@link PIPE}. */
  readonly stderr: StreamReader | undefined
  /**
   * The exit status once the child has exited, else `undefined`: the exit code, or the negative number of the
   * signal that ended it (`-15` for SIGTERM), as Python's `returncode`.
   */
  returncode(): Effect.Effect<number | undefined>
  /**
   * Waits for the child to exit and returns its {@link Process.returncode}. Cancelling the wait leaves the child
   * running (its scope terminates it). asyncio's `wait()`.
   *
   * **Gotchas** As in asyncio, a child that writes more than the pipe holds to a `PIPE` nobody reads blocks
   * forever: read its output (or use `communicate`) while waiting.
   */
  wait(): Effect.Effect<number>
  /**
   * Writes `input` to stdin (if it is a pipe) and closes it, reads stdout and stderr to their end, waits for the
   * child to exit, and returns `[stdout, stderr]` (`undefined` for a stream that is not a pipe). A child that
   * exits without reading its input is not an error (asyncio ignores `BrokenPipeError` here). asyncio's
   * `communicate(input=None)`.
   *
   * Cancelled (by `waitFor`, say), the child keeps running and the bytes read so far stay in the readers.
   */
  communicate(
    input?: Uint8Array | string
  ): Effect.Effect<readonly [stdout: Buffer | undefined, stderr: Buffer | undefined], AnyOSError>
  /**
   * Sends `signal` (a name such as `"SIGINT"`, or a number) to the child. Nothing happens once the child has
   * exited (asyncio raises `ProcessLookupError` once the process is reaped). asyncio's `send_signal()`.
   */
  sendSignal(signal: NodeJS.Signals | number): Effect.Effect<void>
  /** Sends SIGTERM. asyncio's `terminate()`. */
  terminate(): Effect.Effect<void>
  /** Sends SIGKILL. asyncio's `kill()`. */
  kill(): Effect.Effect<void>
}

/**
 * Arguments and then, optionally, the options.
 *
 * @category models
 * @since 0.1.0
 */
export type ExecArgs = ReadonlyArray<string> | readonly [...ReadonlyArray<string>, SubprocessOptions]

/**
 * Starts `program` with `args` (no shell: each argument reaches the program as it is). asyncio's
 * `create_subprocess_exec(program, *args, stdin=…, stdout=…, stderr=…)`.
 *
 * **Details** The child belongs to the current `Scope`; see the module's description. Fails with
 * `FileNotFoundError` (`[Errno 2] No such file or directory: 'prog'`) if there is no such program or working
 * directory, `PermissionError` if it cannot be executed.
 *
 * **Example** (Run a program, read its output)
 * ```ts
 * import { Subprocess } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const proc = yield* Subprocess.createSubprocessExec("ls", "-l", { stdout: Subprocess.PIPE })
 *   const [stdout] = yield* proc.communicate()
 *   console.log(`[exited with ${yield* proc.returncode()}]`)
 *   console.log(stdout?.toString())
 * }).pipe(Effect.scoped)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const createSubprocessExec = (
  program: string,
  ...args: ExecArgs
): Effect.Effect<Process, AnyOSError, Scope.Scope> => impl((m) => m.createSubprocessExec(program, args))

/**
 * Runs `cmd` through `/bin/sh -c`. asyncio's `create_subprocess_shell(cmd, …)`. Quote what you interpolate:
 * the shell interprets the whole string.
 *
 * **Example** (A shell pipeline with a timeout)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Subprocess } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const proc = yield* Subprocess.createSubprocessShell("sort | uniq -c", {
 *     stdin: Subprocess.PIPE,
 *     stdout: Subprocess.PIPE
 *   })
 *   const [out] = yield* asyncio.waitFor(proc.communicate("b\na\nb\n"), 5)
 *   return out?.toString()
 * }).pipe(Effect.scoped)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const createSubprocessShell = (
  cmd: string,
  options?: SubprocessOptions
): Effect.Effect<Process, AnyOSError, Scope.Scope> => impl((m) => m.createSubprocessShell(cmd, options))
