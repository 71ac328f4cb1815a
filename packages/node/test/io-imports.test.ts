/**
 * A program that only uses `run` must not load the socket code, nor the loop handle, futures and signal handlers
 * (`EventLoop`, `Future`): importing `@effect-asyncio/node` (which
 * re-exports `Streams` and `Subprocess`) resolves neither `node:net`, `node:child_process` nor `node:tls`; the
 * first call of an I/O function loads them (and never `@effect/platform-node`, which the shipped code does not
 * import: docs/io.md). Checked in a fresh Node 24 process with a module resolution hook.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const node = fileURLToPath(new URL("../../../node_modules/.bin/node", import.meta.url))
const fixture = fileURLToPath(new URL("./fixtures/imports.ts", import.meta.url))

const socketCode =
  /^(node:)?(net|tls|child_process)$|@effect\/platform-node|internal\/(streams|subprocess|connection)\.ts$/

const loopCode = /(EventLoop|eventLoop|Future|future)(\.ts)?$/

describe("loading", () => {
  it("importing the package and using run loads no socket code; the first I/O call does", () => {
    const child = spawnSync(node, [fixture, "streams"], {
      encoding: "utf8",
      cwd: fileURLToPath(new URL("../../..", import.meta.url))
    })
    assert.strictEqual(child.status, 0, child.stderr)
    const { beforeIo, afterIo } = JSON.parse(child.stdout) as {
      readonly beforeIo: ReadonlyArray<string>
      readonly afterIo: ReadonlyArray<string>
    }
    assert.isAbove(beforeIo.length, 10)
    assert.deepStrictEqual(
      beforeIo.filter((specifier) => socketCode.test(specifier)),
      []
    )
    // Nor the event-loop handle, futures or signal handlers: a program that does not use them does not load them.
    assert.deepStrictEqual(
      beforeIo.filter((specifier) => loopCode.test(specifier)),
      []
    )
    const loaded = afterIo.filter((specifier) => socketCode.test(specifier))
    assert.includeMembers(loaded, ["node:net", "node:tls"])
    assert.isFalse(
      afterIo.some((specifier) => specifier.includes("@effect/platform-node")),
      afterIo.join(" ")
    )
  })
})
