/**
 * Streams over real loopback TCP (issue 14): ours (`Streams.startServer` / `openConnection`, asyncio's API) against
 * raw Effect 4 (`@effect/platform-node`'s `NodeSocketServer` + `NodeSocket`: a pull-based reader and a writer
 * whose `write` waits for `drain`), raw `node:net` (the "promise" column: event handlers, the floor) and Python's
 * asyncio streams. Every repetition starts its own server on 127.0.0.1 and its own connections.
 *
 * - `echo-1k` / `echo-64k`: 100 connections; each sends a message (1 KiB / 64 KiB), waits for the whole echo,
 *   and repeats, N / 100 times; N round trips in all. The server echoes whatever it reads (`read(65536)`, `write`,
 *   `drain`). µs/task = µs per round trip over the 100 connections.
 * - `bulk`: one connection sends N chunks of 64 KiB (`write` + `drain`), half-closes, and reads the byte count the
 *   server sends back once it has read everything. µs/task = µs per 64 KiB: MB/s = 65 536 / µs.
 *
 * Each implementation returns the round trips (chunks) it completed: the harness checks it is N.
 */
import * as Net from "node:net"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as asyncio from "@effect-asyncio/core"
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type { Workload } from "../lib/types.ts"

const HOST = "127.0.0.1"
const CONNECTIONS = 100
const CHUNK = 64 * 1024

/** The I/O workloads run at a few sizes only (`--n` values above the cap are replaced by it). */
const capped =
  (cap: number) =>
  (requested: ReadonlyArray<number>): ReadonlyArray<number> =>
    Array.from(new Set(requested.map((n) => Math.min(n, cap))))

const portOf = (server: Streams.Server): number => {
  const address = server.sockets[0].getsockname()
  return typeof address === "string" ? 0 : address[1]
}

// --- ours ------------------------------------------------------------------------------------------------

const echoHandler = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
  Effect.gen(function* () {
    for (;;) {
      const data = yield* reader.read(65536)
      if (data.length === 0) return
      yield* writer.write(data)
      yield* writer.drain()
    }
  })

const oursEcho = (size: number) => (n: number) => {
  const message = Buffer.alloc(size, 120)
  const rounds = n / CONNECTIONS
  return Effect.scoped(
    Effect.gen(function* () {
      const server = yield* Streams.startServer(echoHandler, HOST, 0)
      const port = portOf(server)
      const client = Effect.scoped(
        Effect.gen(function* () {
          const [reader, writer] = yield* Streams.openConnection(HOST, port)
          for (let i = 0; i < rounds; i++) {
            yield* writer.write(message)
            yield* writer.drain()
            yield* reader.readexactly(size)
          }
          return rounds
        })
      )
      const done = yield* asyncio.gather(...Array.from({ length: CONNECTIONS }, () => client))
      return done.reduce((a, b) => a + b, 0)
    })
  )
}

const oursBulk = (n: number) => {
  const chunk = Buffer.alloc(CHUNK, 120)
  return Effect.scoped(
    Effect.gen(function* () {
      const server = yield* Streams.startServer(
        (reader, writer) =>
          Effect.gen(function* () {
            let total = 0
            for (;;) {
              const data = yield* reader.read(CHUNK)
              if (data.length === 0) break
              total += data.length
            }
            yield* writer.write(String(total))
            yield* writer.close()
          }),
        HOST,
        0
      )
      const [reader, writer] = yield* Streams.openConnection(HOST, portOf(server))
      for (let i = 0; i < n; i++) {
        yield* writer.write(chunk)
        yield* writer.drain()
      }
      yield* writer.writeEof()
      return Number((yield* reader.read()).toString()) / CHUNK
    })
  )
}

// --- raw Effect 4: @effect/platform-node sockets ------------------------------------------------------------

/** Pulls until `size` bytes have come (or the stream ends); returns how many came. */
const pullBytes = (reader: Socket.Reader, size: number): Effect.Effect<number, Socket.SocketError> =>
  Effect.suspend(() => {
    let got = 0
    const step: Effect.Effect<number, Socket.SocketError> = Effect.flatMap(reader.pull, (chunks) => {
      for (const chunk of chunks) got += chunk.length
      return got >= size ? Effect.succeed(got) : step
    })
    return step
  })

const platformServer = (
  handler: (socket: Socket.Socket) => Effect.Effect<void, Socket.SocketError, Scope.Scope>
): Effect.Effect<number, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* NodeSocketServer.make({ host: HOST, port: 0, allowHalfOpen: true, noDelay: true })
    const fiber = yield* Effect.forkChild(server.run((socket) => Effect.scoped(handler(socket))))
    yield* Effect.addFinalizer(() => Fiber.interrupt(fiber))
    return server.address._tag === "UnixPathAddress" ? 0 : server.address.port
  })

const effectEcho = (size: number) => (n: number) => {
  const message = Buffer.alloc(size, 120)
  const rounds = n / CONNECTIONS
  return Effect.scoped(
    Effect.gen(function* () {
      const port = yield* platformServer((socket) =>
        Effect.gen(function* () {
          const reader = yield* socket.reader
          const writer = yield* socket.writer
          return yield* Effect.forever(Effect.flatMap(reader.pull, (chunks) => writer.writeAll(chunks)))
        }).pipe(Effect.catch(() => Effect.void))
      )
      const client = Effect.scoped(
        Effect.gen(function* () {
          const socket = yield* NodeSocket.makeNet({ host: HOST, port, noDelay: true })
          const reader = yield* socket.reader
          const writer = yield* socket.writer
          for (let i = 0; i < rounds; i++) {
            yield* writer.write(message)
            yield* pullBytes(reader, size)
          }
          return rounds
        })
      )
      const done = yield* Effect.all(
        Array.from({ length: CONNECTIONS }, () => client),
        { concurrency: "unbounded" }
      )
      return done.reduce((a, b) => a + b, 0)
    })
  )
}

const effectBulk = (n: number) => {
  const chunk = Buffer.alloc(CHUNK, 120)
  return Effect.scoped(
    Effect.gen(function* () {
      const port = yield* platformServer((socket) =>
        Effect.gen(function* () {
          const reader = yield* socket.reader
          const writer = yield* socket.writer
          // Pulls until the end of the stream (a pull that fails with the close), counting the bytes.
          let total = 0
          yield* Effect.forever(
            Effect.map(reader.pull, (chunks) => {
              for (const chunk of chunks) total += chunk.length
            })
          ).pipe(Effect.catch(() => Effect.void))
          yield* writer.write(String(total))
        })
      )
      const socket = yield* NodeSocket.makeNet({ host: HOST, port, noDelay: true, allowHalfOpen: true })
      const reader = yield* socket.reader
      const sending = yield* Scope.make()
      const writer = yield* Scope.provide(socket.writer, sending)
      for (let i = 0; i < n; i++) yield* writer.write(chunk)
      yield* Scope.close(sending, Exit.void) // the writer's end(): the half-close
      const reply = yield* Effect.map(reader.pull, (chunks) =>
        Buffer.concat(chunks.map((c) => Buffer.from(c)))
      )
      return Number(reply.toString()) / CHUNK
    })
  )
}

// --- raw node:net ---------------------------------------------------------------------------------------------

const listen = (onConnection: (socket: Net.Socket) => void): Promise<Net.Server> =>
  new Promise((resolve) => {
    const server = Net.createServer({ noDelay: true, allowHalfOpen: true }, onConnection)
    server.listen(0, HOST, () => resolve(server))
  })

const close = (server: Net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()))

const nodeEcho = (size: number) => (n: number) => {
  const message = Buffer.alloc(size, 120)
  const rounds = n / CONNECTIONS
  return async (): Promise<number> => {
    const server = await listen((socket) => {
      socket.on("data", (data) => socket.write(data))
      socket.on("end", () => socket.end())
    })
    const port = (server.address() as Net.AddressInfo).port
    const client = () =>
      new Promise<number>((resolve, reject) => {
        const socket = Net.connect({ host: HOST, port, noDelay: true })
        let got = 0
        let done = 0
        socket.on("error", reject)
        socket.on("connect", () => socket.write(message))
        socket.on("data", (data) => {
          got += data.length
          if (got < size) return
          got -= size
          if (++done === rounds) {
            socket.end()
            resolve(done)
          } else {
            socket.write(message)
          }
        })
      })
    const done = await Promise.all(Array.from({ length: CONNECTIONS }, client))
    await close(server)
    return done.reduce((a, b) => a + b, 0)
  }
}

const nodeBulk = (n: number) => {
  const chunk = Buffer.alloc(CHUNK, 120)
  return async (): Promise<number> => {
    const server = await listen((socket) => {
      let total = 0
      socket.on("data", (data) => {
        total += data.length
      })
      socket.on("end", () => socket.end(String(total)))
    })
    const port = (server.address() as Net.AddressInfo).port
    const socket = Net.connect({ host: HOST, port, noDelay: true, allowHalfOpen: true })
    await new Promise((resolve) => socket.once("connect", resolve))
    const reply = new Promise<string>((resolve) => {
      let text = ""
      socket.on("data", (data) => {
        text += data.toString()
      })
      socket.on("end", () => resolve(text))
    })
    for (let i = 0; i < n; i++) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve))
    }
    socket.end()
    const total = Number(await reply)
    socket.destroy()
    await close(server)
    return total / CHUNK
  }
}

const echo = (name: string, size: number, cap: number, title: string): Workload => ({
  name,
  title,
  impls: {
    ours: oursEcho(size),
    effect: effectEcho(size),
    promise: nodeEcho(size),
    python: name.replace("-", "_")
  },
  oursVariants: ["loop-scope"],
  expected: (n) => n,
  sizes: capped(cap),
  warmupTasks: (n) => 2 * n,
  // Its "effect" column is @effect/platform-node's sockets; docs/io.md holds the I/O comparison, not this budget.
  budget: null
})

export const echo1k: Workload = echo(
  "echo-1k",
  1024,
  20_000,
  "N echo round trips of 1 KiB over 100 loopback TCP connections (µs per round trip; raw node:net = promise)"
)

export const echo64k: Workload = echo(
  "echo-64k",
  64 * 1024,
  2_000,
  "N echo round trips of 64 KiB over 100 loopback TCP connections (µs per round trip; raw node:net = promise)"
)

export const bulk: Workload = {
  name: "bulk",
  title:
    "N chunks of 64 KiB through one loopback TCP connection, then a reply (µs per 64 KiB; MB/s = 65536 / µs)",
  impls: { ours: oursBulk, effect: effectBulk, promise: nodeBulk, python: "bulk" },
  oursVariants: ["loop-scope"],
  expected: (n) => n,
  sizes: capped(8_000),
  warmupTasks: (n) => 2 * n,
  budget: null
}
