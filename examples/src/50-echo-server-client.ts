/**
 * The asyncio documentation's "TCP echo server using streams" and "TCP echo client using streams", ported line
 * by line and run as one program: the server listens on a free port of 127.0.0.1 (the documentation's 8888 may
 * be taken), the client sends "Hello World!", the server echoes it and closes the connection, then the server is
 * closed when its scope ends (`async with server:`).
 *
 * ```python
 * async def handle_echo(reader, writer):
 *     data = await reader.read(100)
 *     addr = writer.get_extra_info('peername')
 *     writer.write(data)
 *     await writer.drain()
 *     writer.close()
 *     await writer.wait_closed()
 *
 * server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
 * async with server:
 *     await server.serve_forever()
 * ```
 *
 * `npm run example -- 50`; its Python original is `python/50-echo-server-client.py`, compared by
 * `npm run check:python -w examples`.
 */
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import { portOf, pyAddress, withPort } from "./shared/io.ts"
import { print, repr } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

const handleEcho = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
  Effect.gen(function* () {
    const data = yield* reader.read(100)
    const message = data.toString()
    const addr = yield* writer.getExtraInfo("peername")

    yield* print(`server: Received ${repr(message)} from ${pyAddress(addr)}`)

    yield* print(`server: Send: ${repr(message)}`)
    yield* writer.write(data)
    yield* writer.drain()

    yield* print("server: Close the connection")
    yield* writer.close()
    yield* writer.waitClosed()
  })

const tcpEchoClient = (message: string, port: number) =>
  Effect.gen(function* () {
    const [reader, writer] = yield* Streams.openConnection("127.0.0.1", port)

    yield* print(`client: Send: ${repr(message)}`)
    yield* writer.write(message)
    yield* writer.drain()

    const data = yield* reader.read(100)
    yield* print(`client: Received: ${repr(data.toString())}`)

    yield* print("client: Close the connection")
    yield* writer.close()
    yield* writer.waitClosed()
  }).pipe(Effect.scoped)

export const main = Effect.gen(function* () {
  // The server belongs to this scope: `async with server:` is the end of Effect.scoped.
  yield* Effect.scoped(
    Effect.gen(function* () {
      const server = yield* Streams.startServer(handleEcho, "127.0.0.1", 0)

      const addrs = server.sockets.map((sock) => pyAddress(sock.getsockname())).join(", ")
      yield* print(`server: Serving on ${addrs}`)

      yield* tcpEchoClient("Hello World!", portOf(server))
    })
  )
  yield* print("server: closed")
})

export const meta: RealTimeMeta = {
  id: "50-echo-server-client",
  title: "The asyncio documentation's TCP echo server and client (streams), in one program",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Further Reading: Asyncio Streams",
  asyncio: [
    "start_server",
    "open_connection",
    "StreamReader.read",
    "StreamWriter.write/drain/close/wait_closed"
  ],
  python: "python/50-echo-server-client.py",
  checkPython: true,
  tutorialSays: ["Asyncio Streams (Further Reading: the documentation this program comes from)"],
  transcript: [
    withPort("server: Serving on ('127.0.0.1', {PORT})"),
    "client: Send: 'Hello World!'",
    withPort("server: Received 'Hello World!' from ('127.0.0.1', {PORT})"),
    "server: Send: 'Hello World!'",
    "server: Close the connection",
    "client: Received: 'Hello World!'",
    "client: Close the connection",
    "server: closed"
  ],
  elapsed: 0.05,
  notes: [
    "The documentation's two programs run as one, each line prefixed with who prints it; the port is chosen by " +
      "the system (start_server on port 0) instead of 8888.",
    "writer.write takes a string (sent as UTF-8) as well as bytes; Python needs message.encode().",
    "The server ends with its scope (Effect.scoped), as `async with server:` ends it: the server stops " +
      "listening and its handlers are cancelled — none is left here, the only one has returned."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
