/**
 * Collects the TypeScript examples of the documentation — every ```ts block in the JSDoc comments of
 * `packages/*\/src` — into `.tsbuild/doc-examples/`, one module each (its first line names the doc comment it came
 * from), with a `tsconfig.json` that type-checks them against the packages' sources. `docs.test.ts` runs `tsc` on
 * them, so an example that no longer compiles fails the build.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..")

export interface DocExample {
  /** `packages/core/src/Task.ts:123` — where the block starts. */
  readonly origin: string
  readonly code: string
}

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

/** The ```ts blocks of a file's JSDoc comments, with the comment's ` * ` prefix removed. */
export const jsdocExamples = (path: string): Array<DocExample> => {
  const lines = readFileSync(path, "utf8").split("\n")
  const examples: Array<DocExample> = []
  let start = -1
  let block: Array<string> = []
  lines.forEach((line, index) => {
    const text = line.replace(/^\s*\* ?/, "")
    if (start < 0 && /^\s*\*\s*```ts\s*$/.test(line)) {
      start = index
      block = []
    } else if (start >= 0 && /^\s*\*\s*```\s*$/.test(line)) {
      examples.push({ origin: `${relative(root, path)}:${start + 1}`, code: block.join("\n") })
      start = -1
    } else if (start >= 0) {
      block.push(text)
    }
  })
  return examples
}

export const allExamples = (): Array<DocExample> =>
  ["packages/core/src", "packages/node/src"].flatMap((dir) => sources(join(root, dir)).flatMap(jsdocExamples))

/** Writes the examples and their tsconfig; returns the folder. */
export const writeExamples = (examples: ReadonlyArray<DocExample>): string => {
  const out = join(root, ".tsbuild", "doc-examples")
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  // The work module the toThread examples name (the one ToThread.ts's module comment shows).
  writeFileSync(
    join(out, "work.ts"),
    "export const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2))\n" +
      "export const square = (n: number): number => n * n\n"
  )
  examples.forEach((example, index) => {
    const name = `${String(index).padStart(3, "0")}.ts`
    writeFileSync(join(out, name), `// ${example.origin}\n${example.code}\nexport {}\n`)
  })
  writeFileSync(
    join(out, "tsconfig.json"),
    JSON.stringify(
      {
        extends: "../../tsconfig.base.json",
        compilerOptions: {
          noEmit: true,
          composite: false,
          incremental: false,
          // Examples show a call and may leave its result unused.
          noUnusedLocals: false,
          noUnusedParameters: false,
          lib: ["ES2023", "DOM"]
        },
        include: ["*.ts"]
      },
      null,
      2
    )
  )
  return out
}
