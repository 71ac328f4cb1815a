/**
 * `npm run lint:effect` (part of `npm run lint`): the Effect language service's diagnostics, as errors, over every
 * TypeScript project of the repository — above all `floatingEffect`, the commonest porting bug: Python's
 * `task.cancel()`, `event.set()`, `queue.put_nowait(x)` are statements, here they are effects, and one written
 * without `yield*` is built and dropped, silently doing nothing. The rules and their severities are the
 * `@effect/language-service` plugin entry of `tsconfig.base.json` (what editors use too).
 *
 * Which build of the service: `@effect/tsgo` is the one for TypeScript 7, but the npm registry this repository is
 * installed from serves only its linux-x64 binary, so a lock file that `npm ci` accepts on every platform cannot
 * hold it. `@effect/language-service` (plain JavaScript) runs the same rules on TypeScript 5.9, which the repository
 * has as `typescript-5` for the consumer test: the service runs with a module resolution hook that sends
 * `typescript` (and `typescript/…`) there.
 */
import { spawnSync } from "node:child_process"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
/** The repository's projects, or the tsconfig files given as arguments (the consumer test checks a user's). */
const projects =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [
        "packages/core/tsconfig.json",
        "packages/node/tsconfig.json",
        "examples/tsconfig.json",
        "bench/tsconfig.json",
        "tsconfig.tools.json"
      ]

/** `typescript` → `typescript-5`, for `require` and `import` alike (Node's synchronous resolution hooks). */
const hooks = `
import { registerHooks } from "node:module"
registerHooks({
  resolve(specifier, context, next) {
    const renamed = specifier === "typescript" || specifier.startsWith("typescript/")
      ? "typescript-5" + specifier.slice("typescript".length)
      : specifier
    return next(renamed, context)
  }
})`

let failed = 0
for (const project of projects) {
  const ran = spawnSync(
    process.execPath,
    [
      "--import",
      `data:text/javascript,${encodeURIComponent(hooks)}`,
      join(root, "node_modules", "@effect", "language-service", "cli.js"),
      "diagnostics",
      "--project",
      resolve(root, project),
      "--format",
      "text",
      "--severity",
      "error"
    ],
    { cwd: root, encoding: "utf8" }
  )
  const output = `${ran.stdout}${ran.stderr}`.trim()
  if (ran.status !== 0) {
    failed++
    console.log(`${project}:\n${output}\n`)
  } else {
    console.log(`${project}: ${output.split("\n").pop()}`)
  }
}
if (failed > 0) {
  console.error(`Effect diagnostics failed in ${failed} of ${projects.length} projects.`)
  process.exitCode = 1
}
