/**
 * The task registry of `run` on a real process: SIGUSR1 prints the task tree to stderr and the program carries
 * on; debug mode turned on by `PYTHONASYNCIODEBUG` reports on stderr. Event-driven: the signal is sent once
 * "ready" has been printed, SIGINT once the tree has.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const node = fileURLToPath(new URL("../../../node_modules/.bin/node", import.meta.url))
const fixture = fileURLToPath(new URL("./fixtures/inspect.ts", import.meta.url))

interface Process {
  /** Resolves once stdout (or stderr) contains `text`; rejects if the process exits first. */
  readonly waitFor: (stream: "stdout" | "stderr", text: string) => Promise<void>
  readonly kill: (signal: NodeJS.Signals) => void
  readonly finished: Promise<{
    readonly code: number | null
    readonly stdout: string
    readonly stderr: string
  }>
}

const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Process => {
  const environment: NodeJS.ProcessEnv = { ...process.env, ...env }
  // Not vitest's options; the workspace packages resolve to their sources (see .npmrc).
  environment.NODE_OPTIONS = "--conditions=@effect-asyncio/source"
  delete environment.EFFECT_ASYNCIO_DEBUG
  if (env.PYTHONASYNCIODEBUG === undefined) delete environment.PYTHONASYNCIODEBUG
  const child = spawn(node, [fixture, ...args], { stdio: ["ignore", "pipe", "pipe"], env: environment })
  const output = { stdout: "", stderr: "" }
  const waiters: Array<{ stream: "stdout" | "stderr"; text: string; resolve: () => void }> = []
  const check = () => {
    for (const w of waiters.slice()) {
      if (output[w.stream].includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  }
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk
    check()
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk
    check()
  })
  const finished = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, ...output }))
  )
  return {
    waitFor: (stream, text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ stream, text, resolve })
        check()
        void finished.then((f) =>
          reject(new Error(`exited before printing ${JSON.stringify(text)}: ${JSON.stringify(f)}`))
        )
      }),
    kill: (signal) => void child.kill(signal),
    finished
  }
}

describe("run's task registry on a real process", () => {
  it("SIGUSR1 prints the task tree to stderr; the program carries on until SIGINT", async () => {
    const p = start(["inspect"])
    await p.waitFor("stdout", "ready")
    p.kill("SIGUSR1")
    await p.waitFor("stderr", "(T) worker")
    p.kill("SIGINT")
    const { code, stderr } = await p.finished
    assert.strictEqual(code, 130)
    const tree = stderr.slice(0, stderr.indexOf("run: KeyboardInterrupt"))
    assert.match(
      tree,
      /^run: received SIGUSR1; the tasks:\nloop-\d+\n└── \(T\) main #\d+ · running · age \S+\n {4}├── \(T\) sleeper #\d+ · waiting · awaiting sleep\(60\) · age \S+ · created at \S*inspect\.ts:\d+:\d+\n {4}└── group\n {8}└── \(T\) worker #\d+ · running · age \S+ · created at \S*inspect\.ts:\d+:\d+\n$/
    )
  })

  it("PYTHONASYNCIODEBUG=1 turns debug mode on: pending tasks at shutdown and a lost exception on stderr", async () => {
    const { code, stderr } = await start(["debug"], { PYTHONASYNCIODEBUG: "1" }).finished
    assert.strictEqual(code, 0)
    assert.match(
      stderr,
      /^loop-\d+ is shutting down with 1 pending task; cancelling it:\n {2}<Task waiting name='sleeper'/m
    )
    assert.match(
      stderr,
      /^Task exception was never retrieved\nfuture: <Task finished name='forgotten' id=\d+ created at \S*inspect\.ts:\d+:\d+ exception=ValueError: nobody looked>$/m
    )
  })

  it("without the variable, the same program writes nothing to stderr", async () => {
    const { code, stderr } = await start(["debug"]).finished
    assert.deepStrictEqual({ code, stderr }, { code: 0, stderr: "" })
  })
})
