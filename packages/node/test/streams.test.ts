/**
 * `Streams`: asyncio's `open_connection` / `start_server` / `StreamReader` / `StreamWriter` on real sockets on
 * 127.0.0.1 (and a Unix socket in the temp directory). Misbehaving peers are plain `node:net` sockets. Real
 * time: timeouts are short `waitFor`s.
 */
import { readFileSync } from "node:fs"
import type * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  BrokenPipeError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileNotFoundError,
  IncompleteReadError,
  isOSError,
  LimitOverrunError,
  OSError
} from "../src/Errors.ts"
import * as Streams from "../src/Streams.ts"
import { defectOf, failureOf, rawClient, rawServer, readAll, recordLogs } from "./utils/io.ts"

const HOST = "127.0.0.1"

const portOf = (server: Streams.Server): number => {
  const address = server.sockets[0].getsockname()
  if (typeof address === "string") throw new Error("not a TCP server")
  return address[1]
}

/** An echo handler: each line back, until the end of the stream. */
const echoLines = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
  Effect.gen(function* () {
    for (;;) {
      const line = yield* reader.readline()
      if (line.length === 0) return
      yield* writer.write(line)
      yield* writer.drain()
    }
  })

/** A raw peer sending `chunks` one by one, `gap` seconds apart. */
const sender = (chunks: ReadonlyArray<string>, gap = 0.02, then?: (socket: Net.Socket) => void) =>
  rawServer((socket) => {
    chunks.forEach((chunk, i) => {
      setTimeout(() => socket.write(chunk), i * gap * 1000)
    })
    if (then !== undefined) setTimeout(() => then(socket), chunks.length * gap * 1000)
  })

describe("openConnection / startServer", () => {
  it.live("echo: write, drain, read(100); peername and sockname; close and waitClosed", () =>
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      const server = yield* Streams.startServer(
        (reader, writer) =>
          Effect.gen(function* () {
            const data = yield* reader.read(100)
            seen.push(data.toString(), yield* writer.getExtraInfo("peername"))
            yield* writer.write(data)
            yield* writer.drain()
            yield* writer.close()
            yield* writer.waitClosed()
          }),
        HOST,
        0
      )
      const port = portOf(server)
      assert.isTrue(yield* server.isServing())
      const [reader, writer] = yield* Streams.openConnection(HOST, port)
      yield* writer.write("Hello World!")
      yield* writer.drain()
      const data = yield* reader.read(100)
      assert.strictEqual(data.toString(), "Hello World!")
      assert.strictEqual((yield* reader.read()).length, 0)
      assert.isTrue(yield* reader.atEof())
      const sockname = yield* writer.getExtraInfo("sockname")
      assert.deepStrictEqual(yield* writer.getExtraInfo("peername"), [HOST, port])
      assert.deepStrictEqual(seen, ["Hello World!", sockname])
      assert.strictEqual(yield* writer.getExtraInfo("peercert", "none"), "none")
      yield* writer.close()
      assert.isTrue(yield* writer.isClosing())
      yield* writer.waitClosed()
    })
  )

  it.live("read, readline, readuntil, readexactly, atEof and the lines stream follow asyncio", () =>
    Effect.gen(function* () {
      const { port } = yield* sender(["ab", "c\nde", "f\n", "g||h", "ij"], 0.02, (s) => s.end())
      const [reader] = yield* Streams.openConnection(HOST, port)
      assert.strictEqual((yield* reader.readexactly(2)).toString(), "ab")
      assert.strictEqual((yield* reader.readline()).toString(), "c\n")
      assert.strictEqual((yield* reader.read(0)).length, 0)
      assert.strictEqual((yield* reader.readuntil(Buffer.from("f\n"))).toString(), "def\n")
      assert.strictEqual((yield* reader.readuntil("||")).toString(), "g||")
      assert.isFalse(yield* reader.atEof())
      // The end of the stream without the separator: IncompleteReadError with what was left.
      const incomplete = failureOf(yield* Effect.exit(reader.readuntil("\n")))
      assert.instanceOf(incomplete, IncompleteReadError)
      assert.strictEqual((incomplete as IncompleteReadError).partial.toString(), "hij")
      assert.strictEqual((incomplete as IncompleteReadError).expected, undefined)
      assert.isTrue(yield* reader.atEof())
      assert.strictEqual((yield* reader.readline()).length, 0)
      assert.strictEqual((yield* reader.read()).length, 0)

      const { port: port2 } = yield* sender(["one\ntw", "o\nthree"], 0.02, (s) => s.end())
      const [lines] = yield* Streams.openConnection(HOST, port2)
      const all = yield* Stream.runCollect(lines.lines)
      assert.deepStrictEqual(
        Array.from(all, (b) => b.toString()),
        ["one\n", "two\n", "three"]
      )
    })
  )

  it.live("atEof is true once the peer has ended the stream and the buffer is empty, as asyncio's", () =>
    Effect.gen(function* () {
      const { port } = yield* sender(["only line\n"], 0.01, (s) => s.end())
      const [reader] = yield* Streams.openConnection(HOST, port)
      yield* asyncio.sleep(0.05)
      assert.isFalse(yield* reader.atEof())
      assert.strictEqual((yield* reader.readline()).toString(), "only line\n")
      assert.isTrue(yield* reader.atEof())
    })
  )

  it.live("readexactly at the end of the stream: IncompleteReadError carrying partial and expected", () =>
    Effect.gen(function* () {
      const { port } = yield* sender(["abc"], 0.01, (s) => s.end())
      const [reader] = yield* Streams.openConnection(HOST, port)
      const error = failureOf(yield* Effect.exit(reader.readexactly(5)))
      assert.instanceOf(error, IncompleteReadError)
      assert.strictEqual((error as IncompleteReadError).partial.toString(), "abc")
      assert.strictEqual((error as IncompleteReadError).expected, 5)
      assert.strictEqual(
        (error as IncompleteReadError).message,
        "3 bytes read on a total of 5 expected bytes"
      )
    })
  )

  it.live(
    "LimitOverrunError: readuntil leaves the bytes, readline discards the line (consumed as asyncio)",
    () =>
      Effect.gen(function* () {
        const { port } = yield* sender(["0123456789abcdef\nxyz\n", "0123456789abcdef", "ghij\nlast\n"], 0.03)
        const [reader] = yield* Streams.openConnection(HOST, port, { limit: 8 })
        assert.strictEqual(reader.limit, 8)
        const found = failureOf(yield* Effect.exit(reader.readuntil("\n")))
        assert.instanceOf(found, LimitOverrunError)
        assert.strictEqual((found as LimitOverrunError).consumed, 16)
        assert.strictEqual(
          (found as LimitOverrunError).message,
          "Separator is found, but chunk is longer than limit"
        )
        // readuntil left the bytes in the reader.
        assert.strictEqual((yield* reader.readexactly(4)).toString(), "0123")
        const line = failureOf(yield* Effect.exit(reader.readline()))
        assert.instanceOf(line, LimitOverrunError)
        // readline discarded the overlong line, separator included.
        assert.strictEqual((yield* reader.readline()).toString(), "xyz\n")
        // A line whose end is not buffered: the buffer is cleared, the rest of the line comes next.
        const notFound = failureOf(yield* Effect.exit(reader.readline()))
        assert.instanceOf(notFound, LimitOverrunError)
        assert.strictEqual(
          (notFound as LimitOverrunError).message,
          "Separator is not found, and chunk exceed the limit"
        )
        assert.strictEqual((yield* reader.readline()).toString(), "ghij\n")
        assert.strictEqual((yield* reader.readline()).toString(), "last\n")
      })
  )

  it.live("a half-close: writeEof ends the peer's stream and the connection can still read", () =>
    Effect.gen(function* () {
      const server = yield* Streams.startServer(
        (reader, writer) =>
          Effect.gen(function* () {
            const all = yield* reader.read()
            yield* writer.write(`got ${all.length} bytes: ${all.toString()}`)
            yield* writer.close()
          }),
        HOST,
        0
      )
      const [reader, writer] = yield* Streams.openConnection(HOST, portOf(server))
      assert.isTrue(yield* writer.canWriteEof())
      yield* writer.write("abc")
      yield* writer.writelines(["de", Buffer.from("f")])
      yield* writer.writeEof()
      assert.strictEqual((yield* reader.read()).toString(), "got 6 bytes: abcdef")
      // Misuse after writeEof is a defect, as asyncio's RuntimeError.
      const exit = yield* Effect.exit(writer.write("more"))
      assert.strictEqual((defectOf(exit) as { _tag?: string })._tag, "RuntimeError")
    })
  )

  it.live("bad arguments are defects naming the call and the value", () =>
    Effect.gen(function* () {
      const tag = (exit: import("effect/Exit").Exit<unknown, unknown>) =>
        (defectOf(exit) as { _tag?: string; message?: string } | undefined) ?? {}
      const badPort = tag(yield* Effect.exit(Streams.openConnection(HOST, 70000)))
      assert.strictEqual(badPort._tag, "ValueError")
      assert.include(badPort.message, "openConnection(): port must be 0-65535, got 70000")
      const badLimit = tag(yield* Effect.exit(Streams.openConnection(HOST, 1, { limit: 0 })))
      assert.strictEqual(badLimit._tag, "ValueError")
      const badHandler = tag(
        yield* Effect.exit(
          Streams.startServer("nope" as unknown as Streams.ConnectionHandler<never, never>, HOST, 0)
        )
      )
      assert.strictEqual(badHandler._tag, "TypeError")
      assert.include(badHandler.message, 'startServer(): the handler must be a function, got "nope"')
      const { port } = yield* sender(["x\n"])
      const [reader, writer] = yield* Streams.openConnection(HOST, port)
      assert.strictEqual(
        tag(yield* Effect.exit(reader.readexactly(-1))).message,
        "readexactly size can not be less than zero"
      )
      assert.strictEqual(
        tag(yield* Effect.exit(reader.readuntil(""))).message,
        "Separator should be at least one-byte string"
      )
      assert.strictEqual(
        tag(yield* Effect.exit(reader.read(1.5))).message,
        "read(): the size must be an integer, got 1.5"
      )
      assert.strictEqual(
        tag(yield* Effect.exit(writer.write(42 as unknown as string))).message,
        "write(): data must be a Uint8Array or a string, got 42"
      )
    })
  )
})

describe("errors as Python names them", () => {
  it.live("ConnectionRefusedError: nothing listens ([Errno 111] Connect call failed (…))", () =>
    Effect.gen(function* () {
      const { port } = yield* rawServer(() => {})
      // A port that was free a moment ago: close a server and connect to its port.
      const closed = yield* Effect.scoped(
        Effect.map(
          rawServer(() => {}),
          (s) => s.port
        )
      )
      const error = failureOf(yield* Effect.exit(Streams.openConnection(HOST, closed)))
      assert.instanceOf(error, ConnectionRefusedError)
      assert.isTrue(isOSError(error))
      assert.strictEqual((error as ConnectionRefusedError).errno, 111)
      assert.strictEqual((error as ConnectionRefusedError).code, "ECONNREFUSED")
      assert.strictEqual(
        (error as ConnectionRefusedError).message,
        `[Errno 111] Connect call failed ('127.0.0.1', ${closed})`
      )
      assert.notStrictEqual(port, closed)
    })
  )

  it.live("an address in use: OSError with errno 98 and asyncio's message", () =>
    Effect.gen(function* () {
      const { port } = yield* rawServer(() => {})
      const error = failureOf(yield* Effect.exit(Streams.startServer(() => Effect.void, HOST, port)))
      assert.instanceOf(error, OSError)
      assert.strictEqual((error as OSError).errno, 98)
      assert.strictEqual(
        (error as OSError).message,
        `[Errno 98] error while attempting to bind on address ('127.0.0.1', ${port}): address already in use`
      )
    })
  )

  it.live(
    "a peer that resets mid-line: readline fails with ConnectionResetError, and so does every later read",
    () =>
      Effect.gen(function* () {
        const { port } = yield* sender(["first line\npart of a li"], 0.02, (socket) =>
          socket.resetAndDestroy()
        )
        const [reader, writer] = yield* Streams.openConnection(HOST, port)
        assert.strictEqual((yield* reader.readline()).toString(), "first line\n")
        const error = failureOf(yield* Effect.exit(reader.readline()))
        assert.instanceOf(error, ConnectionResetError)
        assert.strictEqual((error as ConnectionResetError).errno, 104)
        assert.strictEqual((error as ConnectionResetError).message, "[Errno 104] Connection reset by peer")
        assert.strictEqual(failureOf(yield* Effect.exit(reader.read())), error)
        assert.strictEqual(yield* reader.exception(), error)
        // drain and waitClosed report the connection's error too, as asyncio's do.
        assert.strictEqual(failureOf(yield* Effect.exit(writer.drain())), error)
        assert.strictEqual(failureOf(yield* Effect.exit(writer.waitClosed())), error)
      })
  )

  it.live("writing to a peer that has gone: drain fails with BrokenPipeError or ConnectionResetError", () =>
    Effect.gen(function* () {
      const { port } = yield* rawServer((socket) => socket.destroy())
      const [reader, writer] = yield* Streams.openConnection(HOST, port)
      assert.strictEqual((yield* reader.read()).length, 0)
      const chunk = Buffer.alloc(64 * 1024, 120)
      let error: unknown
      for (let i = 0; i < 100 && error === undefined; i++) {
        yield* writer.write(chunk)
        error = failureOf(yield* Effect.exit(writer.drain()))
        if (error === undefined) yield* asyncio.sleep(0.005)
      }
      assert.isTrue(error instanceof BrokenPipeError || error instanceof ConnectionResetError, String(error))
      // Once the connection is lost, writes are dropped (no throw) and drain keeps failing.
      yield* writer.write("dropped")
      assert.isDefined(failureOf(yield* Effect.exit(writer.drain())))
    })
  )

  it.live("drain after close: ConnectionResetError('Connection lost')", () =>
    Effect.gen(function* () {
      const { port } = yield* rawServer(() => {})
      const [, writer] = yield* Streams.openConnection(HOST, port)
      yield* writer.close()
      yield* writer.waitClosed()
      const error = failureOf(yield* Effect.exit(writer.drain()))
      assert.instanceOf(error, ConnectionResetError)
      assert.strictEqual((error as ConnectionResetError).message, "Connection lost")
      assert.strictEqual((error as ConnectionResetError).errno, undefined)
    })
  )

  it.live("a Unix socket path that does not exist: FileNotFoundError", () =>
    Effect.gen(function* () {
      const error = failureOf(
        yield* Effect.exit(Streams.openUnixConnection(join(tmpdir(), "no-such-socket-here")))
      )
      assert.instanceOf(error, FileNotFoundError)
      assert.strictEqual((error as FileNotFoundError).errno, 2)
    })
  )

  it.live("two tasks reading at once: a RuntimeError defect, as asyncio's", () =>
    Effect.gen(function* () {
      const { port } = yield* rawServer(() => {})
      const [reader] = yield* Streams.openConnection(HOST, port)
      const first = yield* Effect.forkChild(reader.readline())
      yield* asyncio.sleep(0.02)
      const defect = defectOf(yield* Effect.exit(reader.read(10))) as { _tag?: string; message?: string }
      assert.strictEqual(defect._tag, "RuntimeError")
      assert.strictEqual(
        defect.message,
        "read() called while another task is already waiting for incoming data"
      )
      yield* Fiber.interrupt(first)
    })
  )
})

describe("cancellation in each blocking call", () => {
  it.live("a cancelled readline loses no buffered bytes: the next readline returns the whole line", () =>
    Effect.gen(function* () {
      const { port } = yield* sender(["hel", "lo\nworld\n"], 0.15)
      const [reader] = yield* Streams.openConnection(HOST, port)
      const timedOut = failureOf(yield* Effect.exit(asyncio.waitFor(reader.readline(), 0.05)))
      assert.strictEqual((timedOut as { _tag?: string })._tag, "TimeoutError")
      assert.strictEqual((yield* reader.readline()).toString(), "hello\n")
      assert.strictEqual((yield* reader.readline()).toString(), "world\n")
    })
  )

  it.live("readexactly, readuntil and read cancelled: the stream stays usable, nothing is lost", () =>
    Effect.gen(function* () {
      const { port } = yield* sender(["ab", "cd", "ef|gh", "ij"], 0.12)
      const [reader] = yield* Streams.openConnection(HOST, port)
      const timedOut = (effect: Effect.Effect<unknown, unknown>) =>
        Effect.map(
          Effect.exit(asyncio.waitFor(effect, 0.05)),
          (exit) => (failureOf(exit) as { _tag?: string })?._tag
        )
      assert.strictEqual(yield* timedOut(reader.readexactly(4)), "TimeoutError")
      assert.strictEqual((yield* reader.readexactly(4)).toString(), "abcd")
      assert.strictEqual(yield* timedOut(reader.readuntil("|")), "TimeoutError")
      assert.strictEqual((yield* reader.readuntil("|")).toString(), "ef|")
      assert.strictEqual((yield* reader.read(10)).toString(), "gh")
      const task = yield* asyncio.createTask(reader.read(10))
      yield* asyncio.sleep(0.02)
      yield* task.cancel()
      assert.isTrue(yield* task.cancelled())
      assert.strictEqual((yield* reader.read(10)).toString(), "ij")
    })
  )

  it.live("openConnection cancelled during the TLS handshake: the socket is destroyed", () =>
    Effect.gen(function* () {
      let closed = 0
      // A TCP server that never answers the handshake.
      const { port } = yield* rawServer((socket) => {
        socket.on("end", () => closed++)
        socket.resume()
      })
      const exit = yield* Effect.exit(asyncio.waitFor(Streams.openConnection(HOST, port, { ssl: true }), 0.1))
      assert.strictEqual((failureOf(exit) as { _tag?: string })._tag, "TimeoutError")
      yield* asyncio.sleep(0.05)
      assert.strictEqual(closed, 1)
    })
  )

  it.live(
    "drain blocks while the peer does not read (backpressure); cancelled, the connection stays usable",
    () =>
      Effect.gen(function* () {
        const sockets: Array<Net.Socket> = []
        const { port } = yield* rawServer((socket) => {
          socket.pause()
          sockets.push(socket)
        })
        const [, writer] = yield* Streams.openConnection(HOST, port)
        const chunk = Buffer.alloc(1024 * 1024, 97)
        let blocked = false
        for (let i = 0; i < 64 && !blocked; i++) {
          yield* writer.write(chunk)
          blocked =
            (
              failureOf(yield* Effect.exit(asyncio.waitFor(writer.drain(), 0.05))) as
                | { _tag?: string }
                | undefined
            )?._tag === "TimeoutError"
        }
        assert.isTrue(blocked)
        // The peer reads everything: the drain that was cancelled can now complete.
        const received = yield* Effect.forkChild(
          Effect.callback<number>((resume) => {
            let n = 0
            sockets[0].on("data", (data: Buffer) => {
              n += data.length
            })
            sockets[0].on("end", () => resume(Effect.succeed(n)))
            sockets[0].resume()
          })
        )
        yield* writer.drain()
        yield* writer.writeEof()
        assert.isAbove(yield* Fiber.join(received), 1024 * 1024)
      })
  )

  it.live("waitClosed, serveForever and server.waitClosed can be cancelled", () =>
    Effect.gen(function* () {
      const server = yield* Streams.startServer(echoLines, HOST, 0, { startServing: false })
      assert.isFalse(yield* server.isServing())
      const [, writer] = yield* Streams.openConnection(HOST, portOf(server))
      assert.strictEqual(
        (failureOf(yield* Effect.exit(asyncio.waitFor(writer.waitClosed(), 0.05))) as { _tag?: string })._tag,
        "TimeoutError"
      )
      assert.strictEqual(
        (failureOf(yield* Effect.exit(asyncio.waitFor(server.waitClosed(), 0.05))) as { _tag?: string })._tag,
        "TimeoutError"
      )
      // Cancelling serveForever closes the server, as asyncio's does.
      const serving = yield* asyncio.createTask(server.serveForever())
      yield* asyncio.sleep(0.02)
      assert.isTrue(yield* server.isServing())
      yield* serving.cancel()
      yield* Fiber.await(serving.fiber)
      assert.isFalse(yield* server.isServing())
      assert.deepStrictEqual(server.sockets, [])
      yield* server.waitClosed()
      const refused = failureOf(yield* Effect.exit(Effect.scoped(Streams.openConnection(HOST, 1))))
      assert.instanceOf(refused, ConnectionRefusedError)
    })
  )
})

describe("the server owns its handlers", () => {
  it.live("serveForever returns when the server is closed elsewhere (asyncio cancels the serving task)", () =>
    Effect.gen(function* () {
      const server = yield* Streams.startServer(echoLines, HOST, 0)
      const serving = yield* asyncio.createTask(server.serveForever())
      yield* asyncio.sleep(0.02)
      yield* server.close()
      yield* Fiber.await(serving.fiber)
      assert.isFalse(yield* serving.cancelled())
      assert.isUndefined(yield* serving.result())
      const again = defectOf(yield* Effect.exit(server.serveForever())) as { _tag?: string }
      assert.strictEqual(again._tag, "RuntimeError")
    }).pipe(asyncio.Loop.scoped)
  )

  it.live(
    "handlers are tasks listed by ps; closing a busy server cancels them, closes their connections",
    () =>
      Effect.gen(function* () {
        const events: Array<string> = []
        const server = yield* Streams.startServer(
          (reader, writer) =>
            Effect.gen(function* () {
              const name = (yield* reader.readline()).toString().trim()
              yield* writer.write(`hello ${name}\n`)
              yield* writer.drain()
              yield* reader.readline() // busy: waits for a line that never comes
            }).pipe(Effect.onInterrupt(() => Effect.sync(() => events.push("handler cancelled")))),
          HOST,
          0
        )
        const port = portOf(server)
        const clients = yield* Effect.forEach(["a", "b", "c"], (name) =>
          Effect.gen(function* () {
            const socket = yield* rawClient(port)
            socket.write(`${name}\n`)
            return socket
          })
        )
        const ended = clients.map((socket) => Effect.runPromise(readAll(socket)))
        yield* asyncio.sleep(0.1)
        const listing = yield* asyncio.Inspect.ps()
        const handlers = listing.split("\n").filter((line) => line.includes("handler 127.0.0.1:"))
        assert.strictEqual(handlers.length, 3, listing)
        assert.isTrue(
          handlers.every((line) => line.includes("Server(127.0.0.1:")),
          listing
        )
        yield* server.close()
        yield* server.waitClosed()
        assert.deepStrictEqual(events, ["handler cancelled", "handler cancelled", "handler cancelled"])
        // Every client saw its greeting, then the end of the stream.
        const texts = yield* Effect.promise(() => Promise.all(ended))
        assert.deepStrictEqual(texts.sort(), ["hello a\n", "hello b\n", "hello c\n"])
        assert.notInclude(yield* asyncio.Inspect.ps(), "handler 127.0.0.1:")
      }).pipe(asyncio.Inspect.track, asyncio.Loop.scoped)
  )

  it.live(
    "a failing handler is reported as asyncio's server reports it; its connection closes; serving goes on",
    () => {
      const logs = recordLogs()
      return Effect.gen(function* () {
        const server = yield* Streams.startServer(
          (reader, writer) =>
            Effect.gen(function* () {
              const line = (yield* reader.readline()).toString()
              if (line.startsWith("fail"))
                return yield* Effect.fail(
                  new OSError({ message: "boom", errno: undefined, strerror: "boom", code: undefined })
                )
              yield* writer.write(`ok ${line}`)
            }),
          HOST,
          0
        )
        const port = portOf(server)
        const failing = yield* rawClient(port)
        failing.write("fail\n")
        assert.strictEqual(yield* readAll(failing), "")
        const fine = yield* rawClient(port)
        fine.write("fine\n")
        assert.strictEqual(yield* readAll(fine), "ok fine\n")
        const errors = logs.lines.filter((line) => line.level === "Error")
        assert.strictEqual(errors.length, 1)
        assert.deepStrictEqual(errors[0].message, ["Unhandled exception in client_connected_cb"])
        assert.include(String(errors[0].cause), "boom")
      }).pipe(Effect.provide(logs.layer))
    }
  )

  it.live("the server is closed when its scope ends; tasks its handlers created are cancelled too", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      let port = 0
      yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* Streams.startServer(
            (reader) =>
              Effect.gen(function* () {
                yield* asyncio.createTask(
                  Effect.never.pipe(
                    Effect.onInterrupt(() => Effect.sync(() => events.push("helper cancelled")))
                  )
                )
                yield* reader.read()
              }),
            HOST,
            0
          )
          port = portOf(server)
          yield* rawClient(port)
          yield* asyncio.sleep(0.05)
        })
      )
      assert.deepStrictEqual(events, ["helper cancelled"])
      const refused = failureOf(yield* Effect.exit(Effect.scoped(Streams.openConnection(HOST, port))))
      assert.instanceOf(refused, ConnectionRefusedError)
    }).pipe(asyncio.Loop.scoped)
  )

  it.live(
    "1,000 concurrent connections to one server",
    () =>
      Effect.gen(function* () {
        const server = yield* Streams.startServer(echoLines, HOST, 0)
        const port = portOf(server)
        const client = (i: number) =>
          Effect.scoped(
            Effect.gen(function* () {
              const [reader, writer] = yield* Streams.openConnection(HOST, port)
              yield* writer.write(`client ${i}\n`)
              yield* writer.drain()
              const line = (yield* reader.readline()).toString()
              yield* writer.close()
              return line === `client ${i}\n` ? 1 : (0 as number)
            })
          )
        const results = yield* asyncio.gather(...Array.from({ length: 1000 }, (_, i) => client(i)))
        assert.strictEqual(
          results.reduce((a, b) => a + b, 0),
          1000
        )
      }).pipe(asyncio.Loop.scoped),
    60_000
  )

  it.live(
    "reading pulls only what a read needs: a fast sender is held back (backpressure at the reader)",
    () =>
      Effect.gen(function* () {
        const received: Array<Net.Socket> = []
        const server = yield* Streams.startServer(
          (reader, writer) =>
            Effect.gen(function* () {
              received.push((yield* writer.getExtraInfo("socket"))!)
              yield* reader.readline()
              yield* asyncio.sleep(0.2)
              const rest = yield* reader.read()
              yield* writer.write(String(rest.length))
            }),
          HOST,
          0,
          { limit: 1024 }
        )
        const [reader, writer] = yield* Streams.openConnection(HOST, portOf(server))
        yield* writer.write("first\n")
        const total = 8 * 1024 * 1024
        yield* writer.write(Buffer.alloc(total, 98))
        yield* asyncio.sleep(0.1)
        // While the handler sleeps the server's socket stays paused: far less than the 8 MiB was read from it.
        assert.isBelow(received[0].bytesRead, total / 2)
        yield* writer.writeEof()
        assert.strictEqual((yield* reader.read()).toString(), String(total))
      })
  )
})

describe("Unix sockets and TLS", () => {
  it.live("a Unix server and client; a stale socket file is replaced", () =>
    Effect.gen(function* () {
      const path = join(tmpdir(), `effect-asyncio-stream-${process.pid}.sock`)
      yield* Effect.scoped(Streams.startUnixServer(echoLines, path)) // leaves nothing behind
      const server = yield* Streams.startUnixServer(echoLines, path)
      assert.strictEqual(server.sockets[0].getsockname(), path)
      const [reader, writer] = yield* Streams.openUnixConnection(path)
      assert.strictEqual(yield* writer.getExtraInfo("peername"), path)
      yield* writer.write("over unix\n")
      assert.strictEqual((yield* reader.readline()).toString(), "over unix\n")
    })
  )

  it.live("TLS: a server with a certificate, a client trusting it; no half-close on TLS", () =>
    Effect.gen(function* () {
      const key = readFileSync(new URL("./fixtures/tls/key.pem", import.meta.url))
      const cert = readFileSync(new URL("./fixtures/tls/cert.pem", import.meta.url))
      const server = yield* Streams.startServer(echoLines, HOST, 0, { ssl: { key, cert } })
      const port = portOf(server)
      const [reader, writer] = yield* Streams.openConnection(HOST, port, { ssl: { ca: cert } })
      yield* writer.write("secret\n")
      assert.strictEqual((yield* reader.readline()).toString(), "secret\n")
      assert.isFalse(yield* writer.canWriteEof())
      assert.strictEqual((yield* writer.getExtraInfo("peercert"))?.subject.CN, "localhost")
      assert.strictEqual(
        (defectOf(yield* Effect.exit(writer.writeEof())) as { _tag?: string })._tag,
        "RuntimeError"
      )
      // A client that does not trust the certificate fails with an OSError.
      const untrusted = failureOf(
        yield* Effect.exit(Effect.scoped(Streams.openConnection(HOST, port, { ssl: true })))
      )
      assert.instanceOf(untrusted, OSError)
    })
  )
})

describe("scopes", () => {
  it.live("a connection is closed when its scope ends", () =>
    Effect.gen(function* () {
      const ended: Array<string> = []
      const { port } = yield* rawServer((socket) => {
        void Effect.runPromise(readAll(socket)).then((text) => ended.push(text))
      })
      const scope = yield* Scope.make()
      const [, writer] = yield* Scope.provide(Streams.openConnection(HOST, port), scope)
      yield* writer.write("last words")
      yield* Scope.close(scope, Exit.void)
      yield* asyncio.sleep(0.05)
      assert.deepStrictEqual(ended, ["last words"])
    })
  )
})
