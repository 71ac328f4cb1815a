/**
 * `npm run build` (and `prepack`) of one package: a clean `dist/` of ESM and `.d.ts` files, compiled from `src/`
 * by `tsc -p tsconfig.build.json`. Run from the package's folder (npm does that).
 *
 * - `dist/` is removed first, so a module deleted from `src/` leaves nothing behind in the tarball.
 * - The build resolves the other workspace packages through their `types`/`default` exports (their `dist/`), not
 *   through the `@effect-asyncio/source` condition the repository uses elsewhere: a package is compiled against
 *   what its users will install. A dependency whose `dist/` is missing is built first, so `npm pack` works from an
 *   unbuilt clone.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const tsc = join(root, "node_modules", ".bin", "tsc")

interface Manifest {
  readonly name: string
  readonly dependencies?: Readonly<Record<string, string>>
}

const workspaces: ReadonlyMap<string, string> = new Map(
  ["packages/core", "packages/node"].map((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest
    return [manifest.name, join(root, dir)]
  })
)

const build = (dir: string, built: Set<string>): void => {
  if (built.has(dir)) return
  built.add(dir)
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    const other = workspaces.get(dependency)
    if (other !== undefined && !existsSync(join(other, "dist", "index.d.ts"))) build(other, built)
  }
  rmSync(join(dir, "dist"), { recursive: true, force: true })
  execFileSync(tsc, ["-p", join(dir, "tsconfig.build.json")], { stdio: "inherit" })
  console.log(`built ${manifest.name} → ${join(dir, "dist")}`)
}

build(process.cwd(), new Set())
