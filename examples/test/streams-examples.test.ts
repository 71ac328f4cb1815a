/**
 * The I/O examples (50–55) on real sockets on 127.0.0.1 and real child processes, in real time: each prints its
 * transcript (ports and measured seconds are patterns), and each lesson is checked by name — the idle timeouts
 * of the chat server fire on time, the happy-eyeballs winner is the fast address after one stagger, no child
 * process outlives the pipeline example.
 */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import { makeChat } from "../src/51-chat-server.ts"
import { realTimeExamples } from "../src/index.ts"
import { portOf } from "../src/shared/io.ts"
import { transcriptMismatch } from "../src/shared/realtime.ts"
import { runReal, runRealTimed } from "./utils/realtime.ts"

const example = (id: string) => {
  const found = realTimeExamples.find(({ meta }) => meta.id === id)
  if (found === undefined) throw new Error(`no example ${id}`)
  return found
}

const ioIds = [
  "50-echo-server-client",
  "51-chat-server",
  "52-happy-eyeballs",
  "53-subprocess-pipeline",
  "54-http-headers",
  "55-start-server-then-connect"
]

describe("the I/O examples print their transcripts (real sockets and processes)", () => {
  for (const id of ["50-echo-server-client", "54-http-headers", "55-start-server-then-connect"]) {
    it(id, async () => {
      const { meta, main } = example(id)
      expect(transcriptMismatch(meta.transcript, await runReal(main))).toBeUndefined()
    }, 20_000)
  }

  it("51-chat-server: bob is disconnected after 1 s of silence, alice after hers", async () => {
    const { meta, main } = example("51-chat-server")
    const lines = await runRealTimed(main)
    expect(
      transcriptMismatch(
        meta.transcript,
        lines.map(([, text]) => text)
      )
    ).toBeUndefined()
    const at = (text: string) => lines.find(([, line]) => line === text)?.[0] ?? Number.NaN
    // bob spoke last at 0.2 s, alice at 0.5 s: each is dropped IDLE (1 s) later.
    expect(at("server: bob was idle for 1 s: disconnected")).toBeGreaterThanOrEqual(1.15)
    expect(at("server: bob was idle for 1 s: disconnected")).toBeLessThan(1.6)
    expect(
      at("server: alice was idle for 1 s: disconnected") - at("server: bob was idle for 1 s: disconnected")
    ).toBeGreaterThan(0.2)
  }, 20_000)

  it("51-chat-server: a client that stays silent gets no line before the deadline, then the bye line", async () => {
    const lines = await runReal(
      Effect.gen(function* () {
        const { handleClient, clients } = makeChat(0.3)
        const server = yield* Streams.startServer(handleClient, "127.0.0.1", 0)
        const [reader, writer] = yield* Streams.openConnection("127.0.0.1", portOf(server))
        yield* writer.write("dave\n")
        const early = yield* Effect.exit(asyncio.waitFor(reader.readline(), 0.15))
        yield* Effect.sync(() => expect(early._tag).toBe("Failure"))
        const bye = (yield* reader.readline()).toString()
        const end = yield* reader.readline()
        yield* Effect.sync(() => {
          expect(bye).toBe("bye dave, you were idle for 0.3 s\n")
          expect(end.length).toBe(0)
          expect(clients.size).toBe(0)
        })
      }).pipe(Effect.scoped)
    )
    expect(lines).toEqual(["server: dave joined", "server: dave was idle for 0.3 s: disconnected"])
  }, 20_000)

  it("52-happy-eyeballs: the fast address wins after one stagger; the slow attempt is cancelled first", async () => {
    const { meta, main } = example("52-happy-eyeballs")
    const lines = await runReal(main)
    expect(transcriptMismatch(meta.transcript, lines)).toBeUndefined()
    const seconds = Number(/after (\d+\.\d\d) s/.exec(lines.find((l) => l.startsWith("winner")) ?? "")?.[1])
    expect(seconds).toBeGreaterThanOrEqual(0.25)
    expect(seconds).toBeLessThan(0.9) // long before the slow server's 1 s greeting
  }, 20_000)

  it("53-subprocess-pipeline: the transcript; no `sleep 10` left running", async () => {
    const { meta, main } = example("53-subprocess-pipeline")
    expect(transcriptMismatch(meta.transcript, await runReal(main))).toBeUndefined()
    const ps = spawnSync("ps", ["-o", "pid=,ppid=,args=", "--ppid", String(process.pid)], {
      encoding: "utf8"
    })
    expect(ps.stdout).not.toContain("sleep 10")
  }, 20_000)

  it("every I/O example has a Python original that check:python compares", () => {
    for (const id of ioIds) {
      const { meta } = example(id)
      expect(meta.checkPython, id).toBe(true)
      expect(meta.python, id).toBe(`python/${id}.py`)
    }
  })
})
