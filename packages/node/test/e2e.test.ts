/**
 * `run` on real Node processes: each test spawns a fixture (test/fixtures/*.ts) with Node 24, waits for the
 * lines it prints, sends real signals, and checks the exit code, stdout (finalizers that ran) and stderr (the
 * report). Event-driven: signals are sent when a line has been read, never after a delay.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const node = fileURLToPath(new URL("../../../node_modules/.bin/node", import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url))

interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: Array<string>
  readonly stderr: string
}

interface Running {
  readonly child: ChildProcess
  /** Resolves once stdout has printed `line`; rejects (with the output so far) if the process exits first. */
  readonly line: (line: string) => Promise<void>
  readonly kill: (signal: NodeJS.Signals) => void
  readonly finished: Promise<Finished>
}

const start = (name: string, ...args: Array<string>): Running => {
  const env = { ...process.env }
  // Not vitest's options; the workspace packages resolve to their sources (see .npmrc).
  env.NODE_OPTIONS = "--conditions=@effect-asyncio/source"
  const child = spawn(node, [fixture(name), ...args], { stdio: ["ignore", "pipe", "pipe"], env })
  let stdout = ""
  let stderr = ""
  const waiters: Array<{ readonly line: string; readonly resolve: () => void }> = []
  const lines = () => stdout.split("\n").filter((l) => l !== "")
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    for (const waiter of waiters.slice()) {
      if (lines().includes(waiter.line)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  })
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const finished = new Promise<Finished>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout: lines(), stderr }))
  )
  const line = (wanted: string) =>
    new Promise<void>((resolve, reject) => {
      if (lines().includes(wanted)) return resolve()
      waiters.push({ line: wanted, resolve })
      void finished.then((f) =>
        reject(
          new Error(
            `exited (${f.code ?? f.signal}) before printing ${JSON.stringify(wanted)}: ${JSON.stringify(f)}`
          )
        )
      )
    })
  const kill = (signal: NodeJS.Signals) => {
    child.kill(signal)
  }
  return { child, line, kill, finished }
}

/** Node's own output for an uncaught error or an unhandled rejection ends with the version line. */
const assertNoNodeNoise = (stderr: string) => assert.notInclude(stderr, "Node.js v")

describe("run on a real process", () => {
  it("RUN-01 resolves with main's value; exit code 0, nothing on stderr", async () => {
    const result = await start("result").finished
    assert.deepStrictEqual(result, { code: 0, signal: null, stdout: ["result 42"], stderr: "" })
  })

  it("RUN-02 main raises ValueError('spam'): report on stderr, exit code 1, leftover task cancelled", async () => {
    const result = await start("fail", "error").finished
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.stdout, ["leftover cancelled"])
    const lines = result.stderr.split("\n")
    assert.strictEqual(lines[0], "run: main task 'main' raised ValueError: spam")
    assert.strictEqual(lines[1], "  ValueError: spam")
    assert.match(lines[2], /^ {6}at .*fixtures\/fail\.ts/)
    assertNoNodeNoise(result.stderr)
  })

  it("a defect in main: report says 'died with a defect', exit code 1", async () => {
    const result = await start("fail", "defect").finished
    assert.strictEqual(result.code, 1)
    assert.match(result.stderr, /^run: main task 'main' died with a defect: Error: boom\n {2}Error: boom\n/)
    assertNoNodeNoise(result.stderr)
  })

  it("Abort.fromPromise misuse in main: a TypeError defect reported, finalizers run, exit code 1", async () => {
    const result = await start("fail", "fromPromise").finished
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.stdout, ["finalizer ran", "leftover cancelled"])
    assert.match(
      result.stderr,
      /^run: main task 'main' died with a defect: TypeError: Abort\.fromPromise: evaluate must return a promise, got undefined\n/
    )
    assertNoNodeNoise(result.stderr)
  })

  it("main cancelled by code: CancelledError with the message and the reason, exit code 1", async () => {
    const result = await start("fail", "cancelled").finished
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.stdout, ["leftover cancelled"])
    assert.strictEqual(
      result.stderr,
      "run: main task 'main' ended with CancelledError: stop now\n  reason: cancel (main was cancelled by main)\n"
    )
  })

  it("RUN-05 leftover tasks are cancelled before run resolves; a shutdown error is logged, not raised", async () => {
    const result = await start("leftover").finished
    assert.strictEqual(result.code, 0)
    assert.deepStrictEqual(result.stdout, [
      "sleeper cancelled",
      "result 123, sleeper done: true, cancelled: true"
    ])
    assert.match(
      result.stderr,
      /^run: unhandled exception during shutdown in task 'noisy': ValueError: cannot stop\n {2}ValueError: cannot stop\n/
    )
  })

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143]
  ] as const) {
    it(`${signal} cancels main (reason signal), runs every finalizer, cancels leftover tasks, exits ${code}`, async () => {
      const child = start("signal")
      // Main waits on Effect.never: only run's keep-alive holds the process until the signal.
      await child.line("ready")
      child.kill(signal)
      const result = await child.finished
      assert.strictEqual(result.code, code)
      assert.deepStrictEqual(result.stdout, [
        "ready",
        "main finalizer ran",
        // As asyncio.run: what main's end woke (the observer) runs in that iteration, before the shutdown
        // cancels the leftovers (CPython 3.11 prints the same order).
        `main cancelled: signal: run() received ${signal}`,
        "worker cancelled"
      ])
      assert.strictEqual(
        result.stderr,
        `run: KeyboardInterrupt (${signal}): main task 'main' was cancelled; clean-up completed\n`
      )
    })
  }

  for (const [first, second, code] of [
    ["SIGINT", "SIGINT", 130],
    ["SIGTERM", "SIGINT", 130],
    ["SIGINT", "SIGTERM", 143]
  ] as const) {
    it(`a second signal during shutdown exits at once (${first} then ${second}: ${code})`, async () => {
      const child = start("slow-cleanup")
      await child.line("ready")
      child.kill(first)
      // The clean-up sleeps for a minute: only the second signal can end the process within the test timeout.
      await child.line("cleanup started")
      child.kill(second)
      const result = await child.finished
      assert.strictEqual(result.code, code)
      assert.deepStrictEqual(result.stdout, ["ready", "cleanup started"])
      assert.strictEqual(
        result.stderr,
        `run: KeyboardInterrupt (${second}): received a second signal during shutdown; exiting without waiting for clean-up\n`
      )
    })
  }

  it("RUN-07 main cancelled by code before the interrupt: CancelledError is reported, exit code 1", async () => {
    const child = start("cancelled-then-signal")
    await child.line("ready")
    child.kill("SIGINT")
    const result = await child.finished
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(result.stdout, ["ready", "cleanup finished"])
    assert.strictEqual(
      result.stderr,
      "run: main task 'main' ended with CancelledError: cancelled by code\n" +
        "  reason: cancel (main was cancelled by main)\n"
    )
  })
})

describe("toThread on a real process", () => {
  it("without run, the process-wide pool's idle thread does not keep the process alive", async () => {
    const result = await start("threads", "plain").finished
    assert.deepStrictEqual(result, {
      code: 0,
      signal: null,
      stdout: ["fib(20) = 6765; idle threads: 1"],
      stderr: ""
    })
  })

  it("SIGINT while a thread spins forever: the thread is terminated, main cancelled, exit 130", async () => {
    const child = start("threads", "signal")
    await child.line("spinning")
    child.kill("SIGINT")
    const result = await child.finished
    assert.strictEqual(result.code, 130)
    assert.deepStrictEqual(result.stdout, ["spinning", "main cancelled; pool: busy 0, abandoned 0"])
    assert.strictEqual(
      result.stderr,
      "run: KeyboardInterrupt (SIGINT): main task 'main' was cancelled; clean-up completed\n"
    )
  })

  it("onCancel: finish — SIGINT releases main at once; the pool waits shutdownTimeout, then terminates; exit 130", async () => {
    const child = start("threads", "finish")
    await child.line("spinning")
    child.kill("SIGINT")
    const result = await child.finished
    assert.strictEqual(result.code, 130)
    assert.deepStrictEqual(result.stdout, ["spinning", "main cancelled; pool: busy 0, abandoned 1"])
    assertNoNodeNoise(result.stderr)
  })
})
