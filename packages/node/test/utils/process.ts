/**
 * Runs a fixture (test/fixtures/<name>.ts) to completion on Node 24 and collects its exit code and output. A
 * fixture still running after `timeoutMs` is killed and reported as hung (`hung: true`), so a test of "the
 * process ends" fails with the output so far instead of reaching vitest's timeout.
 */
import { spawn } from "node:child_process"
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

export const runFixture = (
  name: string,
  args: ReadonlyArray<string> = [],
  options: { readonly timeoutMs?: number; readonly nodeArgs?: ReadonlyArray<string> } = {}
): Promise<FixtureResult> => {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  delete env.EFFECT_ASYNCIO_DEBUG
  delete env.PYTHONASYNCIODEBUG
  const file = fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url))
  const child = spawn(node, [...(options.nodeArgs ?? []), file, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env
  })
  let stdout = ""
  let stderr = ""
  let hung = false
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
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: stdout.split("\n").filter((l) => l !== ""), stderr, hung })
    })
  )
}
