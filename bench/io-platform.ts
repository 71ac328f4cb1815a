/**
 * `node --expose-gc bench/io-platform.ts`: the measurements behind docs/io.md's "Why not @effect/platform-node":
 * what `@effect/platform-node` 4.1's sockets and child processes do where asyncio's streams and subprocesses
 * need something else. Each line prints what was measured; nothing is asserted.
 *
 * 1. Reading: `readexactly` over the platform's `Socket.Reader.pull` (a paused Node stream, `read()` on each
 *    `readable` event, one fiber resume per chunk) against ours (a flowing socket whose `data` handler wakes
 *    the read once its bytes are there), in echoes of 1 KiB and 64 KiB over 100 connections to a raw
 *    `node:net` server: µs per round trip (CPU of the process, and wall).
 * 2. Writing: the platform's `Writer.write` to a peer that does not read: does it return (asyncio's `write`
 *    always does; `drain` is where a writer waits)?
 * 3. `NodeChildProcessSpawner`: closing the scope of a child that ignores SIGTERM (no `forceKillAfter`); the
 *    exit status of a child ended by SIGTERM (asyncio: returncode -15); reading 64 MiB of stdout through the
 *    handle's `stdout` stream against our `StreamReader.read()`.
 */
import * as Net from "node:net"
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Streams from "@effect-asyncio/node/Streams"
import * as Subprocess from "@effect-asyncio/node/Subprocess"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ChildProcess from "effect/process/ChildProcess"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

const HOST = "127.0.0.1"
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** Runs `effect`, giving up after `ms`: its duration, or `undefined` if it had not finished. */
const timed = <A, E>(effect: Effect.Effect<A, E>, ms: number): Promise<number | undefined> => {
  const start = performance.now()
  return Effect.runPromise(
    Effect.map(Effect.timeoutOption(Effect.exit(effect), ms), (o) =>
      o._tag === "Some" ? performance.now() - start : undefined
    )
  )
}

// --- 1. reading ----------------------------------------------------------------------------------------------

/**
 * `readexactly(size)` over the platform's pull, as our reader first did: pull chunks into a buffer until `size`
 * bytes are there (one fiber resume per chunk), then take them.
 */
const pullReader = (pull: Effect.Effect<ReadonlyArray<Uint8Array | string>, unknown>) => {
  let chunks: Array<Buffer> = []
  let length = 0
  const take = (size: number): Buffer => {
    const joined = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    const rest = joined.subarray(size)
    chunks = rest.length === 0 ? [] : [rest]
    length -= size
    return joined.subarray(0, size)
  }
  return (size: number) =>
    Effect.suspend(() => {
      const loop: Effect.Effect<Buffer, unknown> = Effect.suspend(() =>
        length >= size
          ? Effect.succeed(take(size))
          : Effect.flatMap(pull, (pulled) => {
              for (const chunk of pulled) {
                const bytes = Buffer.from(chunk)
                chunks.push(bytes)
                length += bytes.length
              }
              return loop
            })
      )
      return loop
    })
}

/**
 * How many bytes the reading side takes from a socket while its reader, after one line, is not asked for more:
 * the platform reader (it reads only when pulled) against ours with `limit` 1 KiB and 1 MiB (asyncio's reader
 * reads ahead up to twice its limit, then pauses the socket).
 */
const readAhead = async (): Promise<void> => {
  const total = 16 * 1024 * 1024
  const measure = async (read: (port: number) => Effect.Effect<Net.Socket, unknown, Scope.Scope>) => {
    const server = Net.createServer((s) => {
      s.on("error", () => {})
      s.write("first line\n")
      s.write(Buffer.alloc(total, 120))
    })
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
    const port = (server.address() as Net.AddressInfo).port
    const bytes = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const socket = yield* read(port)
          yield* Effect.sleep(300)
          return socket.bytesRead
        })
      )
    )
    server.close()
    return `${(bytes / 1024).toFixed(0)} KiB`
  }
  const platform = await measure((port) =>
    Effect.gen(function* () {
      const socket = Net.connect({ host: HOST, port })
      yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
      yield* Effect.callback<void>((resume) => {
        socket.once("connect", () => resume(Effect.void))
      })
      const reader = yield* (yield* NodeSocket.fromDuplex(Effect.succeed(socket))).reader
      yield* reader.pull
      return socket
    })
  )
  const ours = (limit: number) => (port: number) =>
    Effect.gen(function* () {
      const [reader, writer] = yield* Streams.openConnection(HOST, port, { limit })
      yield* reader.readline()
      return (yield* writer.getExtraInfo("socket"))!
    })
  console.log(
    `   read ahead while nobody reads (16 MiB sent): platform reader ${await platform}; ours limit 1 KiB ${await measure(ours(1024))}, ` +
      `limit 1 MiB ${await measure(ours(1024 * 1024))}`
  )
}

const reading = async (size: number, rounds: number): Promise<void> => {
  const CONNECTIONS = 100
  const message = Buffer.alloc(size, 120)
  const server = Net.createServer({ noDelay: true }, (s) => s.on("data", (d) => s.write(d)))
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const port = (server.address() as Net.AddressInfo).port
  const connect = Effect.callback<Net.Socket>((resume) => {
    const socket = Net.connect({ host: HOST, port, noDelay: true })
    socket.once("connect", () => resume(Effect.succeed(socket)))
  })
  const platform = Effect.scoped(
    Effect.gen(function* () {
      const socket = yield* connect
      const reader = yield* (yield* NodeSocket.fromDuplex(Effect.succeed(socket))).reader
      const readexactly = pullReader(reader.pull)
      for (let i = 0; i < rounds; i++) {
        socket.write(message)
        yield* readexactly(size)
      }
      socket.destroy()
    })
  )
  const ours = Effect.scoped(
    Effect.gen(function* () {
      const [reader, writer] = yield* Streams.openConnection(HOST, port)
      for (let i = 0; i < rounds; i++) {
        yield* writer.write(message)
        yield* reader.readexactly(size)
      }
    })
  )
  const measure = async (client: Effect.Effect<void, unknown>) => {
    const before = process.cpuUsage()
    const start = performance.now()
    await Effect.runPromise(
      Effect.all(
        Array.from({ length: CONNECTIONS }, () => client),
        { concurrency: "unbounded" }
      )
    )
    const used = process.cpuUsage(before)
    const n = CONNECTIONS * rounds
    return { cpu: (used.user + used.system) / n, wall: ((performance.now() - start) * 1000) / n }
  }
  const samples = {
    platform: [] as Array<{ cpu: number; wall: number }>,
    ours: [] as Array<{ cpu: number; wall: number }>
  }
  for (let run = 0; run < 7; run++) {
    samples.platform.push(await measure(platform))
    samples.ours.push(await measure(ours))
  }
  const median = (xs: Array<{ cpu: number; wall: number }>, key: "cpu" | "wall") =>
    xs
      .map((x) => x[key])
      .sort((a, b) => a - b)
      [Math.floor(xs.length / 2)].toFixed(1)
  console.log(
    `1. readexactly(${size}) in an echo over 100 connections (raw node:net server; µs per round trip, median of 7): ` +
      `platform pull cpu ${median(samples.platform, "cpu")} wall ${median(samples.platform, "wall")}; ` +
      `ours cpu ${median(samples.ours, "cpu")} wall ${median(samples.ours, "wall")}`
  )
  server.close()
}

// --- 2. writing --------------------------------------------------------------------------------------------

const writing = async (): Promise<void> => {
  const sockets: Array<Net.Socket> = []
  const server = Net.createServer((s) => {
    s.pause()
    sockets.push(s)
  })
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const port = (server.address() as Net.AddressInfo).port
  const chunk = Buffer.alloc(1024 * 1024, 120)
  const platform = await timed(
    Effect.scoped(
      Effect.gen(function* () {
        const socket = yield* NodeSocket.makeNet({ host: HOST, port })
        const writer = yield* socket.writer
        for (let i = 0; i < 64; i++) yield* writer.write(chunk)
      })
    ),
    1000
  )
  const ours = await timed(
    Effect.scoped(
      Effect.gen(function* () {
        const [, writer] = yield* Streams.openConnection(HOST, port)
        for (let i = 0; i < 64; i++) yield* writer.write(chunk)
      })
    ),
    1000
  )
  console.log(
    `2. writing 64 MiB to a peer that does not read: platform Writer.write ${platform === undefined ? "still waiting after 1 s (it waits for drain)" : `returned in ${seconds(platform)}`}; ` +
      `our write ${ours === undefined ? "still waiting after 1 s" : `returned in ${seconds(ours)} (drain is where it would wait)`}`
  )
  for (const s of sockets) s.destroy()
  server.close()
}

// --- 3. NodeChildProcessSpawner ----------------------------------------------------------------------------

const spawner = NodeChildProcessSpawner.layer.pipe(
  Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
)

const childProcesses = async (): Promise<void> => {
  const stubborn = await timed(
    Effect.scoped(
      Effect.gen(function* () {
        yield* ChildProcess.make("sh", ["-c", "trap '' TERM; exec sleep 3"])
        yield* Effect.sleep(100)
      })
    ).pipe(Effect.provide(spawner)),
    10_000
  )
  const ours = await timed(
    Effect.scoped(
      Effect.gen(function* () {
        yield* Subprocess.createSubprocessShell("trap '' TERM; exec sleep 3", { killAfter: 0.5 })
        yield* Effect.sleep(100)
      })
    ),
    10_000
  )
  console.log(
    `3. a child that ignores SIGTERM, its scope closed: platform (no forceKillAfter) ${stubborn === undefined ? "> 10 s" : seconds(stubborn - 100)} ` +
      `(it waits until the child exits by itself: sleep 3); ours (killAfter 0.5) ${ours === undefined ? "> 10 s" : seconds(ours - 100)}`
  )

  const signalled = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const handle = yield* ChildProcess.make("sleep", ["10"])
        yield* handle.kill({ killSignal: "SIGTERM" })
        return yield* Effect.match(handle.exitCode, {
          onFailure: (e) => `fails: ${e.message}`,
          onSuccess: (code) => `succeeds with ${code}`
        })
      })
    ).pipe(Effect.provide(spawner))
  )
  console.log(`   exitCode of a child ended by SIGTERM: ${signalled} (asyncio's returncode: -15)`)

  const bytes = 64 * 1024 * 1024
  const platformRead = await timed(
    Effect.scoped(
      Effect.gen(function* () {
        const handle = yield* ChildProcess.make("head", ["-c", String(bytes), "/dev/zero"])
        const total = yield* Stream.runFold(
          handle.stdout,
          () => 0,
          (n, chunk) => n + chunk.length
        )
        if (total !== bytes) throw new Error(`read ${total}`)
      })
    ).pipe(Effect.provide(spawner)),
    60_000
  )
  const oursRead = await timed(
    Effect.scoped(
      Effect.gen(function* () {
        const proc = yield* Subprocess.createSubprocessExec("head", "-c", String(bytes), "/dev/zero", {
          stdout: Subprocess.PIPE
        })
        let total = 0
        for (;;) {
          const chunk = yield* proc.stdout!.read(1 << 20)
          if (chunk.length === 0) break
          total += chunk.length
        }
        if (total !== bytes) throw new Error(`read ${total}`)
      })
    ),
    60_000
  )
  const rate = (ms: number | undefined) =>
    ms === undefined ? "?" : `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`
  console.log(
    `   64 MiB of a child's stdout: platform stdout Stream ${rate(platformRead)}, our StreamReader.read ${rate(oursRead)}`
  )
}

await reading(1024, 300)
await reading(64 * 1024, 30)
await readAhead()
await writing()
await childProcesses()
