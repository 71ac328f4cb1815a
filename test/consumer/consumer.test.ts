/**
 * The packages as their users get them. Packs both packages (`npm pack`, which runs `prepack`: a fresh build),
 * installs the tarballs into a new project **outside the repository** together with the current `effect` 4.x from
 * the registry, and then, as a user would:
 *
 * - type-checks a strict ESM consumer and a CommonJS one with `tsc` 7 and `tsc` 5.9, under `moduleResolution`
 *   `nodenext` and `bundler`;
 * - runs the compiled consumer with plain `node` — the machine's own Node, the repository's Node 24, and Node 22 and
 *   the newest Node installed from the registry — as ESM and through CommonJS `require`;
 * - bundles it with esbuild (ESM and CommonJS) and runs the bundles, `toThread` included.
 *
 * Every step runs with a clean environment: no `NODE_OPTIONS` (the repository's own `@effect-asyncio/source`
 * condition must not leak into a user's install) and no `npm_config_*` variables of the `npm test` that started it.
 * The Node versions run here are the ones `engines` claims (`>=20.19.0`: `require` of ES modules).
 */
import { execFile } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "..", "..")
const bin = (name: string): string => join(repo, "node_modules", ".bin", name)
const tsc7 = bin("tsc")
const tsc5 = join(repo, "node_modules", "typescript-5", "bin", "tsc")
const esbuild = bin("esbuild")
const lintEffect = join(repo, "scripts", "lint-effect.ts")
const repoNode = bin("node")

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The environment of every step: the user's, without what `npm test` and the repository add. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key.toLowerCase().startsWith("npm_")) continue
    env[key] = value
  }
  // The repository's node_modules/.bin is first on npm test's PATH: a user's shell does not have it.
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !dir.includes("node_modules"))
    .join(delimiter)
  return env
}

const sh = (command: string, args: ReadonlyArray<string>, cwd: string, timeout = 240_000): Promise<Ran> =>
  new Promise((done) => {
    execFile(
      command,
      [...args],
      { cwd, env: cleanEnv(), timeout, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
        done({ code, stdout: String(stdout), stderr: String(stderr) })
      }
    )
  })

/** Fails with everything the command printed, so a broken step says why. */
const ok = (ran: Ran, what: string): Ran => {
  if (ran.code !== 0) {
    throw new Error(`${what} exited ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`)
  }
  return ran
}

/** The first `node` on the PATH a user's shell would have: the machine's own Node. */
const systemNode = (): string | undefined =>
  cleanEnv()
    .PATH?.split(delimiter)
    .map((dir) => join(dir, process.platform === "win32" ? "node.exe" : "node"))
    .find((path) => existsSync(path))

/** What the consumer prints, whichever way it is compiled, loaded or bundled. */
const transcript = [
  "gather: a b",
  "taskGroup: 1 2",
  "waitFor: TimeoutError",
  "task: <Task finished name='Task-N' result='x'> x",
  "toThread: fib(20) = 6765",
  "package: @effect-asyncio/core 0.1.0"
].join("\n")

const platformNode = `node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}`

let project = ""
let tarballs: ReadonlyArray<{
  readonly name: string
  readonly filename: string
  readonly files: ReadonlyArray<string>
}> = []
const nodes: Array<{ readonly label: string; readonly path: string }> = []

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "effect-asyncio-consumer-"))
  const packs = join(project, "packs")
  mkdirSync(packs)
  const packed = ok(
    await sh(
      "npm",
      ["pack", "--json", "--pack-destination", packs, "-w", "packages/core", "-w", "packages/node"],
      repo
    ),
    "npm pack"
  )
  const json = packed.stdout.slice(packed.stdout.indexOf("["))
  tarballs = (
    JSON.parse(json) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>
  ).map(({ name, filename, files }) => ({ name, filename, files: files.map((file) => file.path) }))

  cpSync(join(import.meta.dirname, "fixture"), project, { recursive: true })
  const dependency = (name: string) => `file:${join(packs, tarballs.find((t) => t.name === name)!.filename)}`
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "consumer",
        private: true,
        type: "module",
        dependencies: {
          "@effect-asyncio/core": dependency("@effect-asyncio/core"),
          "@effect-asyncio/node": dependency("@effect-asyncio/node"),
          effect: "^4.1.0"
        },
        devDependencies: {
          "@types/node": "^24.0.0",
          // Other Node majors, as the registry ships them (binary packages, no install script).
          "node-22": `npm:${platformNode}@^22`,
          "node-newest": `npm:${platformNode}@*`
        }
      },
      null,
      2
    )
  )
  // No bin links: the Node packages all declare a `node` binary.
  const installed = ok(
    await sh("npm", ["install", "--no-audit", "--no-fund", "--no-bin-links", "--loglevel=warn"], project),
    "npm install"
  )
  writeFileSync(join(project, "npm-install.log"), installed.stdout + installed.stderr)

  const system = systemNode()
  if (system !== undefined) nodes.push({ label: "the machine's Node", path: system })
  nodes.push({ label: "the repository's Node", path: repoNode })
  for (const alias of ["node-22", "node-newest"]) {
    const path = join(project, "node_modules", alias, "bin", "node")
    if (existsSync(path)) nodes.push({ label: alias, path })
  }
  // Compile once (tsc 7, nodenext): out/ holds main.js (ESM), main.cjs (CommonJS) and work.js.
  ok(await sh(tsc7, ["-p", "tsconfig.nodenext.json"], project), "tsc -p tsconfig.nodenext.json")
}, 600_000)

afterAll(() => {
  if (project !== "" && process.env.KEEP_CONSUMER === undefined)
    rmSync(project, { recursive: true, force: true })
})

describe("the packed tarballs", () => {
  it("hold README, LICENSE, package.json, dist (JS, .d.ts, maps) and src — no build info, no tests", () => {
    expect(tarballs.map((t) => t.name).sort()).toEqual(["@effect-asyncio/core", "@effect-asyncio/node"])
    for (const { files } of tarballs) {
      expect(files).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json", "dist/index.js"]))
      expect(files).toEqual(expect.arrayContaining(["dist/index.d.ts", "dist/index.js.map", "src/index.ts"]))
      expect(files.filter((file) => /tsbuildinfo|(^|\/)test\/|\.test\./.test(file))).toEqual([])
    }
  })

  it("install next to the current effect 4.x with no peer, engine or resolution warning, and a valid tree", async () => {
    const log = readFileSync(join(project, "npm-install.log"), "utf8")
    expect(log).not.toMatch(/ERESOLVE|EBADENGINE|invalid|peer dep/i)
    const tree = ok(await sh("npm", ["ls", "--all", "--json"], project), "npm ls")
    const effect = (JSON.parse(tree.stdout) as { dependencies: Record<string, { version: string }> })
      .dependencies.effect
    expect(effect.version).toMatch(/^4\./)
    // Only what the packages import is installed: no @effect/platform-node (and its 80 MB) for `run`.
    expect(existsSync(join(project, "node_modules", "@effect", "platform-node"))).toBe(false)
  })
})

describe.concurrent("type-checking a strict consumer", () => {
  for (const [compiler, path] of [
    ["tsc 7", tsc7],
    ["tsc 5.9", tsc5]
  ] as const) {
    for (const config of ["nodenext", "bundler"] as const) {
      it(`${compiler}, moduleResolution ${config}${config === "nodenext" ? " (ESM and CommonJS files)" : ""}`, async () => {
        ok(await sh(path, ["-p", `tsconfig.${config}.json`, "--noEmit"], project), `${compiler} ${config}`)
      })
    }
  }

  it("internal modules are not part of the types either", async () => {
    // A probe of its own (the other checks run at the same time over src/).
    mkdirSync(join(project, "probe"), { recursive: true })
    writeFileSync(
      join(project, "probe", "internal.ts"),
      `export * from "@effect-asyncio/core/internal/task"\n`
    )
    writeFileSync(
      join(project, "tsconfig.probe.json"),
      JSON.stringify({
        extends: "./tsconfig.nodenext.json",
        compilerOptions: { rootDir: "probe", noEmit: true },
        include: ["probe"]
      })
    )
    const ran = await sh(tsc7, ["-p", "tsconfig.probe.json"], project)
    expect(ran.code).not.toBe(0)
    expect(ran.stdout).toContain("error TS2307: Cannot find module '@effect-asyncio/core/internal/task'")
  })
})

describe('the guard against a forgotten yield* (README: "Catching a forgotten yield*")', () => {
  it("the Effect language service reports each dropped effect, and no dropped Task handle", async () => {
    // The repository's own check (scripts/lint-effect.ts: the language service on TypeScript 5.9), run on a user's
    // project set up as the README says.
    const ran = await sh(repoNode, [lintEffect, join(project, "lint", "tsconfig.json")], repo)
    expect(ran.code).toBe(1)
    const reported = ran.stdout
      .split("\n")
      .filter((line) => line.includes("floatingEffect"))
      .map((line) => Number(/\((\d+),\d+\)/.exec(line)?.[1]))
    const source = readFileSync(join(project, "lint", "porting-bugs.ts"), "utf8").split("\n")
    const bugs = source.flatMap((line, index) => (line.endsWith("// bug") ? [index + 1] : []))
    expect(bugs).toHaveLength(3)
    expect(reported).toEqual(bugs)
  })
})

describe("running with plain node", () => {
  it("found the Node versions to run", () => {
    // The machine's Node, the repository's, Node 22 and the newest from the registry (all but the first two are
    // registry packages for this platform; they exist for linux, darwin and win32 on x64 and arm64).
    expect(nodes.length).toBeGreaterThanOrEqual(3)
  })

  it.for(["ESM (import)", "CommonJS (require)"])("%s, on every Node version", async (mode) => {
    const entry = mode.startsWith("ESM") ? "out/main.js" : "out/main.cjs"
    for (const { label, path } of nodes) {
      const ran = ok(await sh(path, [entry], project), `${label} ${entry}`)
      expect(ran.stdout.trim(), `${label} ${entry}`).toBe(transcript)
      expect(ran.stderr, `${label} ${entry}`).toBe("")
    }
  })

  it("internal modules cannot be imported", async () => {
    const ran = await sh(
      repoNode,
      ["--input-type=module", "-e", `import "@effect-asyncio/core/internal/task"`],
      project
    )
    expect(ran.code).not.toBe(0)
    expect(ran.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED")
  })
})

describe("bundled with esbuild", () => {
  it.for([
    ["ESM", "src/main.ts", "bundle.mjs", "esm"],
    ["CommonJS", "src/main.cts", "bundle.cjs", "cjs"]
  ] as const)(
    "%s bundle runs on its own on every Node version, toThread included",
    async ([, entry, out, format]) => {
      ok(
        await sh(
          esbuild,
          [
            entry,
            "--bundle",
            "--platform=node",
            `--format=${format}`,
            `--outfile=out/${out}`,
            "--log-level=warning"
          ],
          project
        ),
        `esbuild ${entry}`
      )
      // The bundle stands alone: copied with the work module to a folder with no node_modules anywhere above it.
      const alone = mkdtempSync(join(tmpdir(), "effect-asyncio-bundle-"))
      try {
        cpSync(join(project, "out", out), join(alone, out))
        cpSync(join(project, "out", "work.js"), join(alone, "work.js"))
        writeFileSync(join(alone, "package.json"), `{ "type": "module" }\n`)
        for (const { label, path } of nodes) {
          const ran = ok(await sh(path, [out], alone), `${label} ${out}`)
          expect(ran.stdout.trim(), `${label} ${out}`).toBe(transcript)
        }
      } finally {
        rmSync(alone, { recursive: true, force: true })
      }
    }
  )
})
