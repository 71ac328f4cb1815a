/**
 * `tg.start()`'s canonical use, "start a server, get its port, then connect": a TaskGroup starts a server task
 * and waits until that task says it is listening — handing back the port it got — before the client connects.
 * Trio's `nursery.start`, AnyIO's `TaskGroup.start`; asyncio has no such call, and the Python original does it
 * with a future the server task resolves:
 *
 * ```python
 * async def serve(ready):
 *     server = await asyncio.start_server(shout, '127.0.0.1', 0)
 *     ready.set_result(server.sockets[0].getsockname()[1])   # task_status.started(port)
 *     async with server:
 *         await server.serve_forever()
 *
 * async with asyncio.TaskGroup() as tg:
 *     ready = asyncio.get_running_loop().create_future()
 *     server_task = tg.create_task(serve(ready))
 *     port = await ready                                     # port = await tg.start(serve)
 * ```
 *
 * What `tg.start` adds to the future: a server that fails before it is listening (the port is taken) makes
 * `start` fail with its error, and the group is not affected; with the future, the error fails the whole group
 * (and a server that returns without resolving the future leaves `await ready` hanging, where `start` fails with
 * `RuntimeError`). The group stops the server with `tg.cancel()` (Python 3.15; the original cancels the task).
 *
 * `npm run example -- 55`; its Python original is `python/55-start-server-then-connect.py`, compared by
 * `npm run check:python -w examples`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import { portOf, withPort } from "./shared/io.ts"
import { print, repr } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

/** Answers one line in capitals. */
const shout = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
  Effect.gen(function* () {
    const line = (yield* reader.readline()).toString().trim()
    yield* print(`server: got ${repr(line)}`)
    yield* writer.write(`${line.toUpperCase()}\n`)
    yield* writer.drain()
    yield* writer.close()
    yield* writer.waitClosed()
  })

/** The server task: listens, reports its port, then serves until it is cancelled. */
const serve = (status: asyncio.TaskGroup.TaskStatus<number>) =>
  Effect.gen(function* () {
    const server = yield* Streams.startServer(shout, "127.0.0.1", 0)
    yield* print("server: listening")
    yield* status.started(portOf(server))
    yield* server.serveForever()
  }).pipe(Effect.scoped, Effect.ensuring(print("server: closed")))

/** Sends one line and prints the answer. */
const client = (port: number) =>
  Effect.gen(function* () {
    const [reader, writer] = yield* Streams.openConnection("127.0.0.1", port)
    yield* writer.write("hello\n")
    yield* writer.drain()
    yield* print("client: sent 'hello'")
    const answer = (yield* reader.readline()).toString().trim()
    yield* print(`client: got ${repr(answer)}`)
    yield* writer.close()
    yield* writer.waitClosed()
  }).pipe(Effect.scoped)

export const main = Effect.gen(function* () {
  yield* asyncio.TaskGroup.run((tg) =>
    Effect.gen(function* () {
      yield* print("main: starting the server")
      const port = yield* tg.start(serve, { name: "server" })
      yield* print(`main: the server is ready on port ${port}`)

      yield* client(port)

      yield* print("main: stopping the server")
      yield* tg.cancel()
    })
  )
  yield* print("main: done")
})

export const meta: RealTimeMeta = {
  id: "55-start-server-then-connect",
  title: "tg.start(): start a server, get its port, then connect",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Further Reading: Asyncio Streams",
  asyncio: [
    "TaskGroup",
    "Future (as task_status)",
    "start_server",
    "Server.serve_forever",
    "open_connection"
  ],
  python: "python/55-start-server-then-connect.py",
  checkPython: true,
  tutorialSays: ["Asyncio Streams (Further Reading: the documentation this program comes from)"],
  transcript: [
    "main: starting the server",
    "server: listening",
    withPort("main: the server is ready on port {PORT}"),
    "client: sent 'hello'",
    "server: got 'hello'",
    "client: got 'HELLO'",
    "main: stopping the server",
    "server: closed",
    "main: done"
  ],
  elapsed: 0.05,
  notes: [
    "tg.start(serve) is Trio's nursery.start / AnyIO's TaskGroup.start: it returns what the task passed to " +
      "status.started(…), once it has; the Python original resolves a future instead (asyncio has no start).",
    "Until it calls started(), the server task is the caller's: if it fails (the port is taken), start() fails " +
      "with that error and the group goes on (TGS-03); with the future the failure would fail the whole group.",
    "The group stops the server with tg.cancel() (Python 3.15's TaskGroup.cancel); the original, for 3.11, " +
      "cancels the server task. Cancelling serve_forever closes the server either way."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
