/**
 * docs/semantics.md promises that every deviation from asyncio is pinned by a test, and docs/conformance.md names the
 * test file of every conformance case. This suite keeps both honest: every test title quoted in the semantics table,
 * every case id either document cites (`TG-01`, `Q-31`, `TG-37/38/40`, `TG-21a`) and every semantics row that code or
 * docs point at (`docs/semantics.md T1`, `G3b`) must exist, so a renamed or deleted test breaks the build instead of
 * leaving the documentation pointing at nothing.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { basename, join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { allExamples, writeExamples } from "./utils/docExamples.ts"

const root = join(import.meta.dirname, "..", "..", "..")

const filesUnder = (dir: string, keep: (name: string) => boolean): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      return entry.name === "node_modules" || entry.name === "dist" ? [] : filesUnder(path, keep)
    }
    return keep(entry.name) ? [path] : []
  })

// This file quotes ids and titles as examples: it is no test of them.
const testFiles = [join(root, "packages"), join(root, "examples")].flatMap((dir) =>
  filesUnder(dir, (name) => name.endsWith(".test.ts") && name !== "docs.test.ts")
)
const read = (path: string): string => readFileSync(path, "utf8")
const sources = testFiles.map(read).join("\n")

const semantics = read(join(root, "docs", "semantics.md"))
const conformance = read(join(root, "docs", "conformance.md"))

/** A row id of docs/semantics.md: letters, a number, maybe a letter (`C1`, `IO11`, `G3b`). */
const rowId = "[A-Z]+\\d+[a-z]?"
/** The body rows of the semantics tables: every `| … |` line but the header and separator lines. */
const tableRows = semantics.split("\n").filter((line) => line.startsWith("| ") && !/^\| (#|---) /.test(line))
const rows = tableRows.filter((line) => new RegExp(`^\\| ${rowId} \\|`).test(line))
const rowIds = rows.map((row) => row.split("|")[1].trim())

/** The titles quoted in a row's last cells: `"TK-02 cancel() counts requests …"` → `TK-02 cancel() counts requests`. */
const lastCell = (row: string): string => row.split("|").slice(-2).join("|")

const quotedTitles = (row: string): Array<string> =>
  Array.from(lastCell(row).matchAll(/"([^"]+)"/g), (m) => m[1].replace(/\s*…$/, "").trim()).filter(
    (title) => title.length > 3
  )

/**
 * The conformance case ids in a text, in every form the documents write them: `TG-01`, `Q-31`, `THR-04`, a letter
 * suffix (`TG-21a`) and the shorthand for several cases of a family (`TG-37/38/40` is TG-37, TG-38 and TG-40).
 */
const caseIds = (text: string): Array<string> =>
  Array.from(text.matchAll(/\b([A-Z]{1,4})-(\d{2}[a-z]?)((?:\/\d{2}[a-z]?)*)(?![\w-])/g), (m) =>
    [m[2], ...m[3].split("/").filter((n) => n !== "")].map((n) => `${m[1]}-${n}`)
  ).flat()

/** Whether some test's title starts with the case id (`it.effect("TG-01 …"`, `` it(`Q-31 …` ``). */
const isTitle = (id: string, text: string): boolean => new RegExp(`["'\`]${id}[ :]`).test(text)

/** docs/conformance.md's case rows: `| TG-01 | upstream | `TaskGroup.test.ts` |`. */
const conformanceRows = conformance
  .split("\n")
  .filter((line) => /^\| [A-Z]+-\d+[a-z]? \|/.test(line))
  .map((line) => {
    const cells = line.split("|").map((cell) => cell.trim())
    return { id: cells[1], files: Array.from(cells[3].matchAll(/`([^`]+\.test\.ts)`/g), (m) => m[1]) }
  })

/** The families docs/conformance.md lists (its first table, before the first section: `| TG | … | TaskGroup |`). */
const families = Array.from(
  conformance.slice(0, conformance.indexOf("\n## ")).matchAll(/^\| ([A-Z]{1,4}) \|/gm),
  (m) => m[1]
)

describe("the case id forms", () => {
  it("single and multi-letter families, letter suffixes, and the shorthand for several cases", () => {
    expect(caseIds("Q-31, TG-37/38/40 and TO-22/23a; THR-04 — `TG-21a`, not UTF-8 or TG-1")).toEqual([
      "Q-31",
      "TG-37",
      "TG-38",
      "TG-40",
      "TO-22",
      "TO-23a",
      "THR-04",
      "TG-21a"
    ])
  })
})

describe("docs/semantics.md", () => {
  it("has rows, each with an id of the row form, each id once", () => {
    expect(rows.length).toBeGreaterThan(40)
    // A row whose id has another form would be skipped by every check below.
    expect(tableRows.filter((line) => !rows.includes(line))).toEqual([])
    expect(rowIds.filter((id, index) => rowIds.indexOf(id) !== index)).toEqual([])
  })

  it("every quoted test title exists in a test file", () => {
    const missing = rows.flatMap((row) => quotedTitles(row).filter((title) => !sources.includes(title)))
    expect(missing).toEqual([])
  })

  it("every conformance case it cites is a test title", () => {
    const missing = rows.flatMap((row) => caseIds(lastCell(row)).filter((id) => !isTitle(id, sources)))
    expect(missing).toEqual([])
  })

  it("every row that code, tests and docs point at exists", () => {
    // `docs/semantics.md T1`, `semantics.md, G3`, `semantics.md row C4`, `(semantics C1)`, `semantics row G3b`
    const citing = [
      ...testFiles,
      ...["packages", "examples", "bench", "docs"].flatMap((dir) =>
        filesUnder(join(root, dir), (name) => /\.(ts|md)$/.test(name) && !name.endsWith(".test.ts"))
      ),
      join(root, "README.md")
    ]
    const cited = new RegExp(
      `\\bsemantics(?:\\.md)?,? (?:rows? )?(${rowId}(?:(?:, |–|/| and )${rowId})*)\\b`,
      "g"
    )
    const missing = citing.flatMap((path) =>
      Array.from(read(path).matchAll(cited), (m) => m[1].split(/, |–|\/| and /))
        .flat()
        .filter((id) => !rowIds.includes(id))
        .map((id) => `${basename(path)}: ${id}`)
    )
    expect(missing).toEqual([])
  })
})

describe("docs/conformance.md", () => {
  it("lists every family, and every case once", () => {
    expect(families.length).toBeGreaterThan(15)
    const ids = conformanceRows.map((row) => row.id)
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([])
    expect(ids.filter((id) => !families.includes(id.split("-")[0]))).toEqual([])
  })

  it("every case is a test title in each test file it names", () => {
    const byName = new Map<string, Array<string>>()
    for (const path of testFiles)
      byName.set(basename(path), [...(byName.get(basename(path)) ?? []), read(path)])
    const missing = conformanceRows.flatMap(({ id, files }) =>
      files.length === 0
        ? [`${id}: no test file`]
        : files
            .filter((file) => !(byName.get(file) ?? []).some((text) => isTitle(id, text)))
            .map((file) => `${id}: ${file}`)
    )
    expect(missing).toEqual([])
  })

  it("every test titled with a case of a listed family is in the list", () => {
    const listed = new Set(conformanceRows.map((row) => row.id))
    const titled = Array.from(sources.matchAll(/["'`]([A-Z]{1,4}-\d{2}[a-z]?)[ :]/g), (m) => m[1])
    const missing = titled.filter((id) => families.includes(id.split("-")[0]) && !listed.has(id))
    expect([...new Set(missing)]).toEqual([])
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
    // and nothing else went wrong (a broken tsconfig, a missing module) that names no example
    expect(output).toBe("")
  })
})
