/**
 * `npm run lint:effect` (part of `npm run lint`): the Effect language service's diagnostics, as errors, over every
 * TypeScript project of the repository — above all `floatingEffect`, the commonest porting bug: Python's
 * `task.cancel()`, `event.set()`, `queue.put_nowait(x)` are statements, here they are effects, and one written
 * without `yield*` is built and dropped, silently doing nothing. The rules and their severities are the
 * `@effect/language-service` plugin entry of `tsconfig.base.json` (what editors use too); `@effect/tsgo` is the
 * service for TypeScript 7.
 */
import { spawnSync } from "node:child_process"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const projects = [
  "packages/core/tsconfig.json",
  "packages/node/tsconfig.json",
  "examples/tsconfig.json",
  "bench/tsconfig.json",
  "tsconfig.tools.json"
]

let failed = 0
for (const project of projects) {
  const ran = spawnSync(
    join(root, "node_modules", ".bin", "effect-tsgo"),
    ["diagnostics", "--project", join(root, project), "--format", "text", "--severity", "error"],
    { cwd: root, encoding: "utf8" }
  )
  const output = `${ran.stdout}${ran.stderr}`.trim()
  if (ran.status !== 0) {
    failed++
    console.error(`${project}:\n${output}\n`)
  } else {
    console.log(`${project}: ${output.split("\n").pop()}`)
  }
}
if (failed > 0) {
  console.error(`Effect diagnostics failed in ${failed} of ${projects.length} projects.`)
  process.exitCode = 1
}
