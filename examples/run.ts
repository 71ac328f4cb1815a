/**
 * `npm run example -- <name> [--timeline]`: runs one example in real time. `<name>` is the file name (with or
 * without `.ts` or a leading `src/`), its number (`3`, `03`) or any unique part of its name (`as-completed` is
 * 08, `awaitables` is 12). Without a name, or with one that matches nothing, prints the list.
 */
import { spawnSync } from "node:child_process"
import { basename } from "node:path"
import { fileURLToPath } from "node:url"
import { allExamples as examples } from "./src/index.ts"

const list = (): void => {
  console.log("Examples (npm run example -- <number or name> [--timeline]):")
  for (const { meta } of examples) console.log(`  ${meta.id.padEnd(28)} ${meta.title}`)
}

const find = (query: string): ReadonlyArray<(typeof examples)[number]> => {
  const name = basename(query).replace(/\.ts$/, "").toLowerCase()
  if (/^\d+$/.test(name)) return examples.filter(({ meta }) => Number.parseInt(meta.id, 10) === Number(name))
  const exact = examples.filter(({ meta }) => meta.id === name || meta.id.replace(/^\d+-/, "") === name)
  return exact.length > 0 ? exact : examples.filter(({ meta }) => meta.id.includes(name))
}

const args = process.argv.slice(2)
const query = args.find((arg) => !arg.startsWith("--"))
const flags = args.filter((arg) => arg.startsWith("--"))

if (query === undefined) {
  list()
} else {
  const found = find(query)
  if (found.length === 1) {
    const file = fileURLToPath(new URL(`./src/${found[0].meta.id}.ts`, import.meta.url))
    const child = spawnSync(process.execPath, [file, ...flags], { stdio: "inherit" })
    process.exitCode = child.status ?? 1
  } else {
    console.error(
      found.length === 0
        ? `No example matches "${query}".`
        : `"${query}" matches ${found.length} examples: ${found.map(({ meta }) => meta.id).join(", ")}.`
    )
    list()
    process.exitCode = 1
  }
}
