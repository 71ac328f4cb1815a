/**
 * A multi-client chat server with per-client idle timeouts — the shape of most real asyncio servers: a handler
 * per connection, shared state between handlers, and a deadline on every read,
 * `waitFor(reader.readline(), IDLE)`. A client that says nothing for `IDLE` seconds is told so and disconnected;
 * the others hear about it.
 *
 * Three scripted clients on real sockets show it: alice (whose screen is printed), bob (says hello, then goes
 * quiet: disconnected at 1.2 s) and carol (says hi, then leaves). `IDLE` is 1 s so that the run is short; a
 * real server would say 60.
 *
 * ```python
 * async def handle_client(reader, writer):
 *     name = (await reader.readline()).decode().strip()
 *     while True:
 *         try:
 *             line = await asyncio.wait_for(reader.readline(), IDLE)
 *         except TimeoutError:
 *             writer.write(f"bye {name}, you were idle for {IDLE} s\n".encode())
 *             break
 *         ...
 * ```
 *
 * Every handler is a task the server owns (`Inspect.ps()` lists them); when the server's scope ends they are
 * cancelled and their connections closed. `npm run example -- 51`; its Python original is
 * `python/51-chat-server.py`, compared by `npm run check:python -w examples`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { portOf, pyAddress, withPort } from "./shared/io.ts"
import { print } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

/** Seconds a client may stay silent; a real server would say 60. */
export const IDLE = 1

/** A chat server: its handler, and the writers of the clients connected to it, by name. */
export const makeChat = (idle: number) => {
  const clients = new Map<string, Streams.StreamWriter>()

  const broadcast = (sender: string, text: string) =>
    Effect.forEach(
      Array.from(clients).filter(([name]) => name !== sender),
      ([, writer]) => writer.write(`${text}\n`),
      { discard: true }
    )

  const converse = (name: string, reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
    Effect.gen(function* () {
      yield* print(`server: ${name} joined`)
      yield* broadcast(name, `* ${name} joined`)
      for (;;) {
        const line = yield* asyncio
          .waitFor(reader.readline(), idle)
          .pipe(Effect.catchTag("TimeoutError", () => Effect.succeed(undefined)))
        if (line === undefined) {
          yield* print(`server: ${name} was idle for ${idle} s: disconnected`)
          yield* writer.write(`bye ${name}, you were idle for ${idle} s\n`)
          yield* broadcast(name, `* ${name} left (idle)`)
          return
        }
        if (line.length === 0) {
          yield* print(`server: ${name} left`)
          yield* broadcast(name, `* ${name} left`)
          return
        }
        yield* broadcast(name, `${name}: ${line.toString().trim()}`)
      }
    })

  const handleClient = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
    Effect.gen(function* () {
      const name = (yield* reader.readline()).toString().trim()
      clients.set(name, writer)
      // Python's `try: … finally: del clients[name]`. The server closes the connection when the handler's task
      // ends (the connection belongs to it), where Python's `finally:` calls writer.close().
      yield* Effect.ensuring(
        converse(name, reader, writer),
        Effect.sync(() => clients.delete(name))
      )
    })

  return { handleClient, clients }
}

/** A scripted client: says its name, then each line of `script` after its delay (`undefined`: leave). */
const client = (
  port: number,
  name: string,
  script: ReadonlyArray<readonly [delay: number, text: string | undefined]>,
  show: boolean
) =>
  Effect.gen(function* () {
    const [reader, writer] = yield* Streams.openConnection("127.0.0.1", port)
    yield* writer.write(`${name}\n`)

    const say = Effect.gen(function* () {
      for (const [delay, text] of script) {
        yield* asyncio.sleep(delay)
        if (text === undefined) return yield* writer.close()
        yield* writer.write(`${text}\n`)
      }
    })

    const talking = yield* asyncio.createTask(say)
    // Python's `async for line in reader:`
    yield* Stream.runForEach(reader.lines, (line) =>
      show ? print(`${name} got: ${line.toString().trim()}`) : Effect.void
    )
    if (show) yield* print(`${name}: the server closed the connection`)
    yield* talking
    yield* writer.close()
  }).pipe(Effect.scoped)

export const main = Effect.gen(function* () {
  const { handleClient } = makeChat(IDLE)
  yield* Effect.scoped(
    Effect.gen(function* () {
      const server = yield* Streams.startServer(handleClient, "127.0.0.1", 0)
      const port = portOf(server)
      yield* print(`chat: serving on ${pyAddress(server.sockets[0].getsockname())}; idle timeout ${IDLE} s`)
      const alice = yield* asyncio.createTask(client(port, "alice", [[0.5, "anyone there?"]], true))
      yield* asyncio.sleep(0.1)
      const bob = yield* asyncio.createTask(client(port, "bob", [[0.1, "hello"]], false))
      yield* asyncio.sleep(0.2)
      const carol = yield* asyncio.createTask(
        client(
          port,
          "carol",
          [
            [0.1, "hi all"],
            [0.2, undefined]
          ],
          false
        )
      )
      yield* asyncio.gather(alice, bob, carol)
    })
  )
  yield* print("chat: server closed")
})

export const meta: RealTimeMeta = {
  id: "51-chat-server",
  title: "A chat server with per-client idle timeouts: waitFor(reader.readline(), IDLE) in each handler",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: [
    "start_server",
    "wait_for",
    "StreamReader.readline",
    "async for line in reader",
    "create_task",
    "gather"
  ],
  python: "python/51-chat-server.py",
  checkPython: true,
  tutorialSays: [
    "If a request times out or a program is shutting down, unbounded background tasks can leak work or keep " +
      "resources open longer than expected.",
    "Ignoring cancellation and exception handling in long-running services."
  ],
  transcript: [
    withPort("chat: serving on ('127.0.0.1', {PORT}); idle timeout 1 s"),
    "server: alice joined",
    "server: bob joined",
    "alice got: * bob joined",
    "alice got: bob: hello",
    "server: carol joined",
    "alice got: * carol joined",
    "alice got: carol: hi all",
    "server: carol left",
    "alice got: * carol left",
    "server: bob was idle for 1 s: disconnected",
    "alice got: * bob left (idle)",
    "server: alice was idle for 1 s: disconnected",
    "alice got: bye alice, you were idle for 1 s",
    "alice: the server closed the connection",
    "chat: server closed"
  ],
  elapsed: 1.6,
  notes: [
    "The idle deadline is a waitFor around each readline: the read is cancelled at the deadline, and — as in " +
      "asyncio — a cancelled readline loses nothing: a half-received line stays in the reader.",
    "Python closes the connection in the handler's `finally:`; here the server closes it when the handler's task " +
      "ends (the connection belongs to the handler), so the handler only forgets the client.",
    "Broadcasts write without drain, so that one slow client cannot hold the others up (the bytes wait in its " +
      "socket's buffer); asyncio's write is the same non-blocking call."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
