/**
 * docs/semantics.md promises that every deviation from asyncio is pinned by a test. This suite keeps the promise
 * honest: every test title quoted in the table, and every conformance case id it cites, must exist in a test
 * file, so a renamed or deleted test breaks the build instead of leaving the documentation pointing at nothing.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"

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
const rows = semantics.split("\n").filter((line) => /^\| [A-Z]+\d+ \|/.test(line))

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
