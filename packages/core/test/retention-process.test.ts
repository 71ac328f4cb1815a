/**
 * Bounded memory (issue 10 §5), measured on a real process (test/fixtures/retention.ts): after a burst of 1,000
 * tasks whose results (or errors) hold 16 KiB each, while the program is still running, count the results still
 * alive after a full GC (`v8.queryObjects`). Counts, not timings: the loop scope keeps no finished task, a
 * timeline recording keeps none of them, and debug mode keeps the error objects of only its 32 most recent
 * failures not yet retrieved (the older ones as text).
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"

const node = fileURLToPath(new URL("../../../node_modules/.bin/node", import.meta.url))
const fixture = fileURLToPath(new URL("./fixtures/retention.ts", import.meta.url))

const alive = async (scenario: string): Promise<{ readonly alive: number; readonly of: number }> => {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  delete env.EFFECT_ASYNCIO_DEBUG
  delete env.PYTHONASYNCIODEBUG
  const { stdout } = await promisify(execFile)(
    node,
    ["--disable-warning=ExperimentalWarning", fixture, scenario],
    { env }
  )
  return JSON.parse(stdout)
}

describe("memory after a burst of tasks", () => {
  it("the loop scope holds no finished task (nor its result) before allTasks() is called", async () => {
    assert.deepStrictEqual(await alive("registry"), { alive: 0, of: 1000 })
  })

  it("a timeline recording keeps text and numbers, not the tasks or their results", async () => {
    assert.deepStrictEqual(await alive("timeline"), { alive: 0, of: 1000 })
  })

  it("debug mode keeps the errors of its 32 most recent unretrieved failures, the rest as text", async () => {
    assert.deepStrictEqual(await alive("debug"), { alive: 32, of: 1000 })
  })
})
