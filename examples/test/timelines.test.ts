/**
 * The timelines of docs/cancellation.md (docs/timelines/*.svg) are generated from the examples by
 * `npm run docs:timelines`; this test regenerates them (in child processes, on virtual time) and fails if a
 * committed picture differs — the pictures cannot drift from the code. Also checks the `--timeline` flag of the
 * example runner.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { timelineFlag } from "../src/shared/example.ts"

const node = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url))
const script = fileURLToPath(new URL("../timelines.ts", import.meta.url))

describe("docs/timelines", () => {
  it("every SVG timeline of docs/cancellation.md is what its example records today", () => {
    const env = { ...process.env }
    // Not vitest's options; the workspace packages resolve to their sources (see .npmrc).
    env.NODE_OPTIONS = "--conditions=@effect-asyncio/source"
    const child = spawnSync(node, [script, "--check"], { encoding: "utf8", env })
    assert.strictEqual(child.stderr, "")
    assert.strictEqual(child.status, 0)
    assert.match(child.stdout, /^\d+ timelines up to date\n$/)
  })
})

describe("--timeline", () => {
  it("no flag: nothing recorded; --timeline: prefixes and the chart; --timeline=FILE: a file", () => {
    const none = timelineFlag(["node", "x.ts"])
    assert.deepStrictEqual([none.prefixLines, none.runOptions], [false, {}])
    const terminal = timelineFlag(["node", "x.ts", "--timeline"])
    assert.isTrue(terminal.prefixLines)
    assert.strictEqual(typeof terminal.runOptions.timeline, "function")
    const file = timelineFlag(["node", "x.ts", "--timeline=out.svg"])
    assert.isFalse(file.prefixLines)
    assert.strictEqual(typeof file.runOptions.timeline, "function")
  })
})
