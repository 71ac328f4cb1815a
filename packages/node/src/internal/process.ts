/**
 * The process pool's execution unit: a child process of this Node running the same program as a worker thread
 * (`workerMain` in `worker.ts`) over an IPC channel with `serialization: "advanced"` — the structured clone
 * algorithm, as `postMessage` uses — so that the pool in `pool.ts` drives it exactly like a worker thread.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { constants } from "node:os"
import type { WorkerLike } from "./pool.ts"
import type { ReplyMessage, RequestMessage } from "./protocol.ts"
import { workerMain } from "./worker.ts"

/**
 * The child's program (CommonJS, run with `node -e`): the worker program on the IPC channel. It ignores SIGINT —
 * Ctrl-C in a terminal signals the whole process group, and the parent, not the terminal, decides when a call
 * stops — and exits when the channel closes (the parent went away) while it is idle.
 */
export const processSource = `process.on("SIGINT", () => {});
process.on("disconnect", () => process.exit(0));
(${workerMain.toString()})({ on: (event, listener) => process.on(event, listener), postMessage: (message) => process.send(message) }, (specifier) => import(specifier), undefined)`

/** A child process seen through the `Worker` interface the pool drives. */
export class ChildUnit implements WorkerLike {
  readonly child: ChildProcess
  private readonly exited: Promise<void>

  constructor(execArgv: ReadonlyArray<string>) {
    this.child = spawn(process.execPath, [...execArgv, "-e", processSource], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced"
    })
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => resolve())
    })
  }

  /** The child's process id (`undefined` if it could not be spawned). */
  get pid(): number | undefined {
    return this.child.pid
  }

  on(event: "message", listener: (reply: ReplyMessage) => void): this
  on(event: "error", listener: (error: Error) => void): this
  on(event: "exit", listener: (code: number) => void): this
  on(event: "message" | "error" | "exit", listener: (value: never) => void): this {
    const call = listener as (value: unknown) => void
    if (event === "exit") {
      this.child.on("exit", (code, signal) => {
        call(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)))
      })
    } else {
      this.child.on(event, call)
    }
    return this
  }

  postMessage(message: RequestMessage): void {
    // Throws synchronously when the arguments cannot be cloned, as `Worker.postMessage` does.
    this.child.send(message)
  }

  terminate(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL")
    return this.exited
  }

  ref(): void {
    this.child.ref()
    this.child.channel?.ref()
  }

  unref(): void {
    this.child.unref()
    this.child.channel?.unref()
  }
}
