/**
 * Diagnostics never change a program's outcome (issue 10 §4), on real processes, where the exit code matters: a
 * timeline path that cannot be written, a timeline callback that throws, an `onShutdownError` that returns
 * `undefined`, a `diagnostics` callback that throws. Each time main returned 42: the process prints it and exits
 * with 0, the fault is reported once on stderr, and the other reports are all there.
 */
import { assert, describe, it } from "@effect/vitest"
import { runFixture } from "./utils/process.ts"

describe("run — a failing diagnostic does not change the outcome", () => {
  it("a timeline path that cannot be written: reported; result 42, exit code 0", async () => {
    const result = await runFixture("observer-faults", ["timeline-path"])
    assert.deepStrictEqual([result.code, result.hung, result.stdout], [0, false, ["result 42"]])
    assert.match(
      result.stderr,
      /^run: could not write the timeline to \/nonexistent-directory\/timeline\.svg: Error: ENOENT: no such file or directory, open '\/nonexistent-directory\/timeline\.svg'\n$/
    )
  })

  it("a timeline callback that throws: reported; result 42, exit code 0", async () => {
    const result = await runFixture("observer-faults", ["timeline-callback"])
    assert.deepStrictEqual([result.code, result.hung, result.stdout], [0, false, ["result 42"]])
    assert.strictEqual(
      result.stderr,
      "run: the timeline callback threw Error: renderer broke; the program's outcome is unchanged\n"
    )
  })

  it("onShutdownError returning undefined: reported once, both shutdown errors still reported; exit code 0", async () => {
    const result = await runFixture("observer-faults", ["shutdown-undefined"])
    assert.deepStrictEqual([result.code, result.hung, result.stdout], [0, false, ["result 42"]])
    const heads = result.stderr.split("\n").filter((line) => line.startsWith("run: "))
    assert.deepStrictEqual(heads, [
      "run: onShutdownError returned undefined instead of an Effect; the errors it does not report are written here instead",
      "run: unhandled exception during shutdown in task 'noisy-1': ValueError: noisy-1 cannot stop",
      "run: unhandled exception during shutdown in task 'noisy-2': ValueError: noisy-2 cannot stop"
    ])
  })

  it("a diagnostics callback that throws: reported once, the diagnostics go to stderr; the run ends, exit code 0", async () => {
    const result = await runFixture("observer-faults", ["diagnostics"])
    assert.deepStrictEqual([result.code, result.hung, result.stdout], [0, false, ["result 42"]])
    const lines = result.stderr.split("\n")
    assert.strictEqual(
      lines[0],
      "run: the diagnostics callback threw Error: sink closed; what it fails to take goes to stderr"
    )
    assert.strictEqual(lines.filter((line) => line.includes("diagnostics callback threw")).length, 1)
    assert.match(
      result.stderr,
      /^loop-\d+ is shutting down with 1 pending task; cancelling it:\n {2}<Task waiting name='lingering'/m
    )
    assert.match(
      result.stderr,
      /^Task exception was never retrieved\nfuture: <Task finished name='forgotten'/m
    )
  })
})
