/**
 * A throw-away PostgreSQL server for tests: `initdb` into a temporary directory, `postgres` on a free port of
 * 127.0.0.1, stopped and removed with the scope. Finds the binaries on PATH or where Debian's `postgresql` package
 * puts them (`/usr/lib/postgresql/<version>/bin`); as root (CI), runs them as the `postgres` user, since PostgreSQL
 * refuses to run as root.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** The directory holding `initdb` and `postgres`, or why there is none. */
export const findPostgres = (): { readonly bin: string } | { readonly missing: string } => {
  const candidates = [
    ...(process.env.PATH ?? "").split(":"),
    ...(existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .sort()
          .reverse()
          .map((version) => `/usr/lib/postgresql/${version}/bin`)
      : [])
  ]
  for (const dir of candidates) {
    if (dir !== "" && existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")))
      return { bin: dir }
  }
  return {
    missing:
      "PostgreSQL is not installed (no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin); " +
      ".ci/run installs Debian's postgresql package, `apt-get install -y postgresql` does it here"
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const asRoot = typeof process.getuid === "function" && process.getuid() === 0

const command = (bin: string, program: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  asRoot
    ? ["runuser", ["-u", "postgres", "--", join(bin, program), ...args]]
    : [join(bin, program), [...args]]

/** Starts a server; its URL (`postgres://cluster@127.0.0.1:<port>/postgres`). */
export const startPostgres = (bin: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const dir = mkdtempSync(join(tmpdir(), "pg-"))
        if (asRoot) {
          const ids = execFileSync("id", ["-u", "postgres"]).toString().trim()
          const gid = execFileSync("id", ["-g", "postgres"]).toString().trim()
          chownSync(dir, Number(ids), Number(gid))
        }
        return dir
      }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const data = join(dir, "data")
    const [initdb, initArgs] = command(bin, "initdb", [
      "-D",
      data,
      "-A",
      "trust",
      "-U",
      "cluster",
      "--no-sync"
    ])
    yield* Effect.sync(() => execFileSync(initdb, initArgs, { stdio: "ignore" }))
    const port = yield* Effect.promise(freePort)
    const [postgres, args] = command(bin, "postgres", [
      "-D",
      data,
      "-k",
      dir,
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-F",
      "-c",
      "max_connections=200"
    ])
    yield* Effect.acquireRelease(
      Effect.callback<ChildProcess>((resume) => {
        const child = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"] })
        let output = ""
        child.stderr?.on("data", (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes("ready to accept connections")) resume(Effect.succeed(child))
        })
        child.once("exit", (code) => resume(Effect.die(new Error(`postgres exited with ${code}: ${output}`))))
      }),
      (child) =>
        Effect.callback<void>((resume) => {
          if (child.exitCode !== null) return resume(Effect.void)
          child.once("exit", () => resume(Effect.void))
          // SIGINT is PostgreSQL's fast shutdown. It goes to the postmaster itself (its pid is the first line of
          // postmaster.pid): runuser, in between as root, does not forward it.
          const pidFile = join(data, "postmaster.pid")
          const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : child.pid
          if (pid !== undefined) process.kill(pid, "SIGINT")
        })
    )
    return `postgres://cluster@127.0.0.1:${port}/postgres`
  })
