/**
 * docs/semantics.md promises that every deviation from asyncio is pinned by a test. This suite keeps the promise
 * honest: every test title quoted in the table, and every conformance case id it cites, must exist in a test
 * file, so a renamed or deleted test breaks the build instead of leaving the documentation pointing at nothing.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { allExamples, writeExamples } from "./utils/docExamples.ts"

const root = join(import.meta.dirname, "..", "..", "..")

const testFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : testFiles(path)
    return entry.name.endsWith(".test.ts") ? [path] : []
  })

const sources = [join(root, "packages"), join(root, "examples")]
  .flatMap(testFiles)
  .map((path) => readFileSync(path, "utf8"))
  .join("\n")

const semantics = readFileSync(join(root, "docs", "semantics.md"), "utf8")
/** The table rows: `| C1 | …`, `| G3b | …` (an id, possibly with a letter suffix). */
const rows = semantics.split("\n").filter((line) => /^\| [A-Z]+\d+[a-z]? \|/.test(line))

/** The titles quoted in a row's last cells: `"TK-02 cancel() counts requests …"` → `TK-02 cancel() counts requests`. */
const lastCell = (row: string): string => row.split("|").slice(-2).join("|")

const quotedTitles = (row: string): Array<string> =>
  Array.from(lastCell(row).matchAll(/"([^"]+)"/g), (m) => m[1].replace(/\s*…$/, "").trim()).filter(
    (title) => title.length > 3
  )

const caseIds = (row: string): Array<string> =>
  Array.from(lastCell(row).matchAll(/\b([A-Z]{2,3}-\d{2})\b/g), (m) => m[1])

describe("docs/semantics.md", () => {
  it("has rows", () => {
    expect(rows.length).toBeGreaterThan(40)
  })

  it("every quoted test title exists in a test file", () => {
    const missing = rows.flatMap((row) => quotedTitles(row).filter((title) => !sources.includes(title)))
    expect(missing).toEqual([])
  })

  it("every conformance case it cites is a test", () => {
    const missing = rows.flatMap((row) => caseIds(row).filter((id) => !sources.includes(`${id} `)))
    expect(missing).toEqual([])
  })
})

describe("the JSDoc examples", () => {
  it("every ```ts example in the packages' doc comments type-checks against the sources", () => {
    const examples = allExamples()
    expect(examples.length).toBeGreaterThan(40)
    const out = writeExamples(examples)
    let output = ""
    try {
      execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(out, "tsconfig.json")], {
        encoding: "utf8",
        stdio: "pipe"
      })
    } catch (error) {
      output = String((error as { stdout?: unknown }).stdout ?? error)
    }
    // Each failing file starts with a comment naming the doc comment it came from.
    const failing = Array.from(
      new Set(Array.from(output.matchAll(/(\d{3})\.ts\(/g), (m) => Number(m[1])))
    ).map((index) => `${examples[index].origin}\n${output}`)
    expect(failing).toEqual([])
  })
})
