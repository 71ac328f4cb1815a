/**
 * The start-up cell of `npm run bench`: how long a minimal program takes from `node file.mjs` to exit — importing
 * the library and running `asyncio.run(asyncio.sleep(0))` — next to raw Effect (`effect/Effect` +
 * `Effect.runPromise`, the barrel, `NodeRuntime.runMain`) and Python (`python3 -c "import asyncio;
 * asyncio.run(asyncio.sleep(0))"`). The programs are `bench/startup/*.mjs`; they load the packages as users do,
 * from their built `dist/` (this cell builds them first, and runs the programs without the repository's
 * `@effect-asyncio/source` condition). Each program runs `runs` times, interleaved with the others; wall time is
 * measured by this process, CPU time (user + system) is reported by the program itself as it exits. The bundle
 * column is the size of the program bundled and minified by esbuild (what a bundled application ships).
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const programs = join(root, "bench", "startup")

interface Program {
  readonly name: string
  readonly what: string
  /** A `bench/startup` file, or `undefined` for Python. */
  readonly file: string | undefined
}

const list: ReadonlyArray<Program> = [
  { name: "effect", what: "effect/Effect + Effect.runPromise", file: "effect.mjs" },
  {
    name: "effect (barrel)",
    what: 'import { Effect } from "effect" + runPromise',
    file: "effect-barrel.mjs"
  },
  { name: "NodeRuntime.runMain", what: "@effect/platform-node's runMain", file: "run-main.mjs" },
  { name: "run (subpaths)", what: "core/Sleep + node/Run: run(sleep(0))", file: "run.mjs" },
  { name: "run (barrels)", what: "@effect-asyncio/core + /node barrels", file: "run-barrels.mjs" },
  { name: "python asyncio", what: "python3 -c 'asyncio.run(asyncio.sleep(0))'", file: undefined }
]

/** Reports the process's CPU time (µs, user + system) on fd 2 as it exits. */
const reportCpu = `process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write("\\ncpu " + (u.user + u.system) + "\\n") })`

const pythonCode =
  "import asyncio, atexit, os, resource, sys\n" +
  "def report():\n" +
  "  r = resource.getrusage(resource.RUSAGE_SELF)\n" +
  "  sys.stderr.write('\\ncpu %d\\n' % ((r.ru_utime + r.ru_stime) * 1e6))\n" +
  "atexit.register(report)\n" +
  "asyncio.run(asyncio.sleep(0))\n"

interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
}

const once = (program: Program): Promise<Sample> =>
  new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    delete env.NODE_OPTIONS // what users run: no @effect-asyncio/source condition, the built dist/
    const [command, args] =
      program.file === undefined
        ? ["python3", ["-c", pythonCode]]
        : [
            process.execPath,
            [
              "--import",
              `data:text/javascript,${encodeURIComponent(reportCpu)}`,
              join(programs, program.file)
            ]
          ]
    const started = performance.now()
    const child = spawn(command, args as Array<string>, { env, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    child.on("error", fail)
    child.on("exit", (code) => {
      const wallMs = performance.now() - started
      const cpu = /cpu (\d+)/.exec(stderr)
      if (code !== 0 || cpu === null) fail(new Error(`${program.name} exited ${code}: ${stderr.trim()}`))
      else done({ wallMs, cpuMs: Number(cpu[1]) / 1000 })
    })
  })

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const bundleBytes = (program: Program): number | undefined => {
  if (program.file === undefined) return undefined
  const out = mkdtempSync(join(tmpdir(), "startup-bundle-"))
  try {
    const file = join(out, "bundle.mjs")
    execFileSync(
      join(root, "node_modules", ".bin", "esbuild"),
      [
        join(programs, program.file),
        "--bundle",
        "--platform=node",
        "--format=esm",
        "--minify",
        `--outfile=${file}`,
        "--log-level=error"
      ],
      { env: { ...process.env, NODE_OPTIONS: "" } }
    )
    return readFileSync(file).length
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

export const runStartup = async (runs: number, python: boolean): Promise<void> => {
  console.log(`\nstart-up — a minimal program from \`node file.mjs\` to exit (${runs} runs each, median)`)
  console.log("building the packages (npm run build) …")
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] })
  const selected = list.filter((p) => (p.file === undefined ? python : existsSync(join(programs, p.file))))
  const samples = new Map<string, Array<Sample>>(selected.map((p) => [p.name, []]))
  const load = loadavg()[0].toFixed(2)
  for (let i = 0; i < runs; i++) {
    for (const program of selected) samples.get(program.name)!.push(await once(program))
  }
  const base = samples.get("effect")!
  const baseCpu = median(base.map((s) => s.cpuMs))
  const pad = (text: string, n: number): string => text.padEnd(n)
  const left = (text: string, n: number): string => text.padStart(n)
  console.log(
    `${pad("program", 22)}${pad("what", 46)}${left("wall ms", 9)}${left("cpu ms", 9)}${left("cpu ×", 8)}${left("bundle KB", 11)}`
  )
  for (const program of selected) {
    const s = samples.get(program.name)!
    const cpu = median(s.map((x) => x.cpuMs))
    const bundle = bundleBytes(program)
    console.log(
      `${pad(program.name, 22)}${pad(program.what, 46)}${left(median(s.map((x) => x.wallMs)).toFixed(0), 9)}` +
        `${left(cpu.toFixed(0), 9)}${left(`${(cpu / baseCpu).toFixed(2)}×`, 8)}` +
        `${left(bundle === undefined ? "—" : (bundle / 1024).toFixed(1), 11)}`
    )
  }
  console.log(
    `load average: ${load} at the start, ${loadavg()[0].toFixed(2)} at the end (cpu × is relative to "effect")`
  )
}
