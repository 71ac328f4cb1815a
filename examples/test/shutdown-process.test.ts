/**
 * Example 61, the graceful shutdown, on a real child process with real signals: on its own it sends itself SIGTERM
 * and prints its transcript; with `--wait-for-signal` it runs until this test sends SIGTERM, SIGINT or SIGHUP, then
 * cancels its workers, flushes, stops the loop and exits 0 — `run`'s own handling of the signal (cancel main, exit
 * 130/143) is replaced by the program's handlers. Event-driven: a signal is sent once a line has been read.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { meta } from "../src/61-graceful-shutdown.ts"
import { transcriptMismatch } from "../src/shared/realtime.ts"

const node = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url))
const script = fileURLToPath(new URL("../src/61-graceful-shutdown.ts", import.meta.url))

interface Child {
  /** Resolves once stdout has printed `line`. */
  readonly printed: (line: string) => Promise<void>
  readonly kill: (signal: NodeJS.Signals) => void
  readonly finished: Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    lines: Array<string>
    stderr: string
  }>
}

/** The example as a child process; its lines without the header and footer that a direct run prints. */
const start = (...args: Array<string>): Child => {
  const child = spawn(node, [script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "--conditions=@effect-asyncio/source" }
  })
  let stdout = ""
  let stderr = ""
  const waiting: Array<{ readonly line: string; readonly resolve: () => void }> = []
  const lines = () => stdout.split("\n").filter((line) => line !== "" && !/^[▶■]/.test(line))
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    for (const waiter of waiting.slice()) {
      if (lines().includes(waiter.line)) {
        waiting.splice(waiting.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const finished = new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    lines: Array<string>
    stderr: string
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, lines: lines(), stderr })))
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (lines().includes(line)) return resolve()
      waiting.push({ line, resolve })
      void finished.then((f) =>
        reject(
          new Error(`exited (${f.code ?? f.signal}) before ${JSON.stringify(line)}: ${JSON.stringify(f)}`)
        )
      )
    })
  return { printed, kill: (signal) => child.kill(signal), finished }
}

describe("61-graceful-shutdown (a real process, real signals)", () => {
  it("on its own: SIGTERM to itself after 1.35 s; the transcript, exit code 0, nothing on stderr", async () => {
    const result = await start().finished
    expect(transcriptMismatch(meta.transcript, result.lines)).toBeUndefined()
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, ""])
  }, 20_000)

  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal} from outside: the workers are cancelled, the buffer flushed, main returns, exit code 0`, async () => {
      const child = start("--wait-for-signal")
      await child.printed("consumed msg-2")
      child.kill(signal)
      const result = await child.finished
      expect([result.code, result.signal, result.stderr]).toEqual([0, null, ""])
      const end = result.lines.indexOf(`Received exit signal ${signal}...`)
      expect(end).toBeGreaterThanOrEqual(4)
      const consumed = result.lines.slice(0, end).filter((line) => line.startsWith("consumed "))
      expect(result.lines.slice(end)).toEqual([
        `Received exit signal ${signal}...`,
        "Cancelling 2 outstanding tasks",
        `flushed ${consumed.length} messages: ${consumed.map((line) => line.slice("consumed ".length)).join(", ")}`,
        "Successfully shutdown the service"
      ])
    }, 20_000)
  }
})
