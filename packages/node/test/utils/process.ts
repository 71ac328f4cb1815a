/**
 * Runs a fixture (test/fixtures/<name>.ts) on Node 24 — to completion (`runFixture`) or while the test signals it
 * (`startFixture`) — and collects its exit code and output. A fixture still running after `timeoutMs` is killed and
 * reported as hung (`hung: true`), so a test of "the process ends" fails with the output so far instead of reaching
 * vitest's timeout.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const node = fileURLToPath(new URL("../../../../node_modules/.bin/node", import.meta.url))

export interface FixtureResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Non-empty stdout lines. */
  readonly stdout: ReadonlyArray<string>
  readonly stderr: string
  readonly hung: boolean
}

/** A fixture started by {@link startFixture}: the child, its stdout so far, and how it ended. */
export interface RunningFixture {
  readonly child: ChildProcess
  /** Non-empty stdout lines so far. */
  readonly stdout: () => ReadonlyArray<string>
  readonly finished: Promise<FixtureResult>
}

/**
 * Starts a fixture (test/fixtures/<name>.ts) on Node 24. `sources: true` resolves the workspace packages to their
 * TypeScript sources (`--conditions=@effect-asyncio/source`, as `.npmrc` does for npm scripts), for the fixture and
 * the processes it starts; otherwise `NODE_OPTIONS` is cleared. A fixture still running after `timeoutMs` is
 * killed with SIGKILL and reported as hung.
 */
export const startFixture = (
  name: string,
  args: ReadonlyArray<string> = [],
  options: {
    readonly timeoutMs?: number
    readonly nodeArgs?: ReadonlyArray<string>
    readonly sources?: boolean
    /** Start the fixture as the leader of a new process group (`kill(-pid, …)` signals it and its children). */
    readonly group?: boolean
  } = {}
): RunningFixture => {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  delete env.EFFECT_ASYNCIO_DEBUG
  delete env.PYTHONASYNCIODEBUG
  if (options.sources === true) env.NODE_OPTIONS = "--conditions=@effect-asyncio/source"
  const file = fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url))
  const child = spawn(node, [...(options.nodeArgs ?? []), file, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
    detached: options.group === true
  })
  let stdout = ""
  let stderr = ""
  let hung = false
  const lines = () => stdout.split("\n").filter((l) => l !== "")
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const timer = setTimeout(() => {
    hung = true
    child.kill("SIGKILL")
  }, options.timeoutMs ?? 10_000)
  const finished = new Promise<FixtureResult>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: lines(), stderr, hung })
    })
  )
  return { child, stdout: lines, finished }
}

export const runFixture = (
  name: string,
  args: ReadonlyArray<string> = [],
  options: { readonly timeoutMs?: number; readonly nodeArgs?: ReadonlyArray<string> } = {}
): Promise<FixtureResult> => startFixture(name, args, options).finished
