/**
 * The real-time examples (31–33): CPU work and blocking calls that make timers late, and a fan-out HTTP client
 * against a real local server. They are about real time, so they run in real time here — the only tests of the
 * repository that do. The deterministic lines of each transcript are checked exactly; measurements (lateness,
 * durations) with wide margins; the HTTP tests use 127.0.0.1 only, a bounded number of requests, and end by
 * themselves.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { type ClientStats, fanOut, makeMain } from "../src/33-http-fanout.ts"
import { examples, realTimeExamples } from "../src/index.ts"
import { recordingConsole } from "../src/shared/example.ts"
import { expectedOutcomes, startServer } from "../src/shared/fanout-server.ts"
import { transcriptMismatch } from "../src/shared/realtime.ts"
import { runReal } from "./utils/realtime.ts"

const exampleMain = (id: string) => {
  const found = realTimeExamples.find(({ meta }) => meta.id === id)
  if (found === undefined) throw new Error(`no example ${id}`)
  return found
}

/** The number in the first line matching `pattern` (its first group), for each line that matches. */
const numbers = (lines: ReadonlyArray<string>, pattern: RegExp): Array<number> =>
  lines.flatMap((line) => {
    const match = pattern.exec(line)
    return match === null ? [] : [Number(match[1])]
  })

describe("31-blocking-the-loop (real time, worker threads)", () => {
  it("the ticker is late by most of the computation inside a task, and on time through toThread", async () => {
    const { meta, main } = exampleMain("31-blocking-the-loop")
    const lines = await runReal(main)
    expect(transcriptMismatch(meta.transcript, lines)).toBeUndefined()
    const [onLoop, inThread] = numbers(lines, /ticks late by up to (\d+\.\d+) s/)
    // 0.8 s of work starting 0.05 s after the ticker: the first tick is ≈ 0.75 s late.
    expect(onLoop).toBeGreaterThanOrEqual(0.5)
    expect(inThread).toBeLessThan(0.3)
    expect(lines[3]).toContain("LATE")
  }, 30_000)
})

describe("32-blocking-sleep (real time)", () => {
  it("blocking pauses serialise the tasks (≈ 1.2 s); asyncio.sleep interleaves them (≈ 0.6 s)", async () => {
    const { meta, main } = exampleMain("32-blocking-sleep")
    const lines = await runReal(main)
    expect(transcriptMismatch(meta.transcript, lines)).toBeUndefined()
    const [blocking, busy, cooperative] = numbers(lines, /took (\d+\.\d) s/)
    expect(blocking).toBeGreaterThanOrEqual(1.1)
    expect(busy).toBeGreaterThanOrEqual(1.1)
    expect(cooperative).toBeLessThan(1.0)
  }, 30_000)
})

describe("33-http-fanout (real loopback HTTP)", () => {
  it("the example prints its transcript against the real server", async () => {
    const { meta } = exampleMain("33-http-fanout")
    const lines = await runReal(makeMain({ count: 300, progress: "lines" }))
    expect(transcriptMismatch(meta.transcript, lines)).toBeUndefined()
  }, 30_000)

  for (const concurrency of [10, 3]) {
    it(`fanOut: every outcome as the server decides, never more than ${concurrency} requests at once, no socket left open`, async () => {
      const server = await startServer()
      try {
        const count = concurrency === 10 ? 120 : 30
        const seen: Array<number> = []
        const summary = await Effect.runPromise(
          asyncio.Loop.scoped(
            fanOut({
              baseUrl: server.url,
              count,
              concurrency,
              timeout: 1,
              progress: (done) => Effect.sync(() => seen.push(done))
            })
          )
        )
        const expected = expectedOutcomes(count)
        expect(summary).toMatchObject({
          ok: expected.ok,
          httpErrors: expected.error,
          timeouts: expected.hang,
          connectionErrors: 0,
          cancelled: 0
        })
        // asCompleted drove the progress: once per request, in order.
        expect(seen).toEqual(Array.from({ length: count }, (_, i) => i + 1))
        // The concurrency limit, seen from both ends.
        expect(summary.stats.maxInFlight).toBeLessThanOrEqual(concurrency)
        expect(server.stats.maxInFlight).toBeLessThanOrEqual(concurrency)
        expect(server.stats.maxInFlight).toBeGreaterThan(1)
        // Each hanging request was aborted by its waitFor deadline: its socket was destroyed before fanOut
        // returned (Abort.fromPromise waits for the request's "close").
        expect(summary.stats.aborted).toEqual(expected.hang === 0 ? {} : { timeout: expected.hang })
        // The client destroyed its keep-alive pool when fanOut returned: the server sees every connection close
        // (a close reaches the server's side of the socket an I/O turn later), and saw each hanging request go.
        expect(await server.drained(2)).toBe(0)
        expect(server.stats).toMatchObject({
          requests: count,
          answered: expected.ok + expected.error,
          abortedByClient: expected.hang,
          inFlight: 0
        })
      } finally {
        await server.close()
      }
    }, 30_000)
  }

  it("fanOut cancelled mid-way: in-flight requests are aborted with kind 'cancel', no socket left open", async () => {
    const server = await startServer()
    try {
      let stats: ClientStats | undefined
      const silent = recordingConsole({ lines: [] }, () => 0)
      const result = await Effect.runPromise(
        asyncio.Loop.scoped(
          Effect.gen(function* () {
            const quarter = yield* Deferred.make<void>()
            const fiber = yield* Effect.forkChild(
              fanOut({
                baseUrl: server.url,
                count: 200,
                concurrency: 10,
                timeout: 1,
                progress: (done, _total, s) =>
                  Effect.sync(() => {
                    stats = s
                    if (done === 50) Deferred.doneUnsafe(quarter, Effect.void)
                  })
              })
            )
            yield* Deferred.await(quarter)
            yield* Fiber.interrupt(fiber)
            return yield* Fiber.await(fiber)
          })
        ).pipe(Effect.provideService(Console.Console, silent))
      )
      expect(result._tag).toBe("Failure")
      expect(stats?.aborted.cancel ?? 0).toBeGreaterThanOrEqual(1)
      expect(stats?.inFlight).toBe(0)
      expect(server.stats.requests).toBeLessThan(200)
      expect(await server.drained(2)).toBe(0)
      expect(server.stats.inFlight).toBe(0)
      expect(server.stats.answered + server.stats.abortedByClient).toBe(server.stats.requests)
    } finally {
      await server.close()
    }
  }, 30_000)

  it("Ctrl-C (SIGINT) on the real program: in-flight requests aborted, sockets closed, exit code 130", async () => {
    const node = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url))
    const file = fileURLToPath(new URL("../src/33-http-fanout.ts", import.meta.url))
    const env = { ...process.env }
    // Not vitest's options; the workspace packages resolve to their sources (see .npmrc).
    env.NODE_OPTIONS = "--conditions=@effect-asyncio/source"
    const child = spawn(node, [file], { stdio: ["ignore", "pipe", "pipe"], env })
    let stdout = ""
    let stderr = ""
    let signalled = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      // Event-driven: interrupt once a quarter of the requests are done.
      if (!signalled && stdout.includes("progress: 75/300 done")) {
        signalled = true
        child.kill("SIGINT")
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    const lines = stdout.split("\n")
    expect(signalled).toBe(true)
    expect(code).toBe(130)
    const [aborted] = numbers(lines, /^cancelled: (\d+) requests in flight aborted/)
    expect(aborted).toBeGreaterThanOrEqual(1)
    expect(lines.some((line) => line.startsWith("summary"))).toBe(false)
    expect(lines).toContainEqual(
      expect.stringMatching(/ 0 still in flight; open connections after the client closed its pool: 0$/)
    )
    expect(stderr).toBe(
      "run: KeyboardInterrupt (SIGINT): main task 'main' was cancelled; clean-up completed\n"
    )
  }, 30_000)
})

describe("real-time example metadata", () => {
  it("each names its seed, and its Python script if it has one; the virtual-time list does not hold them", () => {
    for (const { meta } of realTimeExamples) {
      expect(meta.seed).toMatch(/^\d{3}_[0-9a-f]{16}\.txt$/)
      expect(meta.transcript.length).toBeGreaterThan(0)
      if (meta.python !== undefined)
        expect(existsSync(new URL(`../${meta.python}`, import.meta.url)), meta.python).toBe(true)
      expect(examples.some((example) => example.meta.id === meta.id)).toBe(false)
    }
  })
})
