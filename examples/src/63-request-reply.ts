/**
 * Request/reply by id with futures — the heart of RPC and protocol clients (a database driver, a websocket RPC, a
 * Redis client): every request gets an id and a future kept in a table; one reader task reads the replies and
 * completes the future with the same id; each caller awaits its own future, with a timeout.
 *
 * ```python
 * async def read_replies(self):
 *     while True:
 *         request_id, result = await self.conn.incoming.get()
 *         fut = self.pending.pop(request_id)
 *         if fut.done():
 *             print(f"<- #{request_id} {result!r} dropped: its caller gave up (cancelled: {fut.cancelled()})")
 *             continue
 *         print(f"<- #{request_id} {result!r}")
 *         fut.set_result(result)
 *
 * async def call(self, method, *args, timeout=1.0):
 *     self.next_id += 1
 *     request_id = self.next_id
 *     fut = self.loop.create_future()
 *     self.pending[request_id] = fut
 *     await self.conn.outgoing.put((request_id, method, args))
 *     try:
 *         return await asyncio.wait_for(fut, timeout)
 *     except TimeoutError:
 *         return f"#{request_id} timed out"
 * ```
 *
 * - `loop.createFuture()` is a plain call (no `yield*`), as Python's; the reader's `fut.setResult(result)` wakes
 *   exactly the caller of that id, whatever order the replies come in.
 * - `waitFor(fut, 1.0)` cancels the future when the time is up (as asyncio's `wait_for` does): the late reply finds
 *   it cancelled and is dropped.
 * - The `Connection`'s queues are made in the class body with `Queue.makeUnsafe` (Python's `__init__`), and the
 *   client starts its reader task in its constructor with `loop.createTask`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

type Loop = asyncio.EventLoop.Loop
type Request = readonly [requestId: number, method: string, args: ReadonlyArray<number>]
type Reply = readonly [requestId: number, result: string | number]

/** Two queues standing for a socket: requests go out, replies come back. */
class Connection {
  readonly outgoing = asyncio.Queue.makeUnsafe<Request>()
  readonly incoming = asyncio.Queue.makeUnsafe<Reply>()
}

const server = (conn: Connection) =>
  Effect.gen(function* () {
    const delays: Record<string, number> = { ping: 0.2, add: 0.5, slow: 3.0 }

    const answer = (requestId: number, method: string, args: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        yield* asyncio.sleep(delays[method])
        const result =
          method === "ping" ? "pong" : method === "add" ? args.reduce((a, b) => a + b, 0) : "finally"
        yield* conn.incoming.put([requestId, result])
      })

    const answering = new Set<asyncio.Task<void, asyncio.QueueShutDown>>()
    while (true) {
      const [requestId, method, args] = yield* conn.outgoing.get()
      const task = yield* asyncio.createTask(answer(requestId, method, args))
      answering.add(task)
      yield* task.addDoneCallback((t) => Effect.sync(() => answering.delete(t)))
    }
  })

class Client {
  readonly conn: Connection
  readonly loop: Loop
  nextId = 0
  readonly pending = new Map<number, asyncio.Future.Future<string | number>>() // request id -> future
  readonly reader: asyncio.Task<never, asyncio.InvalidStateError | asyncio.QueueShutDown>

  constructor(conn: Connection, loop: Loop) {
    this.conn = conn
    this.loop = loop
    this.reader = loop.createTask(this.readReplies())
  }

  readReplies() {
    const self = this
    return Effect.gen(function* () {
      while (true) {
        const [requestId, result] = yield* self.conn.incoming.get()
        const fut = self.pending.get(requestId)!
        self.pending.delete(requestId)
        if (yield* fut.done()) {
          yield* print(
            `<- #${requestId} ${repr(result)} dropped: its caller gave up (cancelled: ${repr(yield* fut.cancelled())})`
          )
          continue
        }
        yield* print(`<- #${requestId} ${repr(result)}`)
        yield* fut.setResult(result)
      }
    })
  }

  call(method: string, args: ReadonlyArray<number> = [], timeout = 1.0) {
    const self = this
    return Effect.gen(function* () {
      self.nextId += 1
      const requestId = self.nextId
      const fut = self.loop.createFuture<string | number>()
      self.pending.set(requestId, fut)
      yield* self.conn.outgoing.put([requestId, method, args])
      yield* print(`-> #${requestId} ${method}(${args.join(", ")})`)
      return yield* asyncio
        .waitFor(fut, timeout)
        .pipe(Effect.catchTag("TimeoutError", () => Effect.succeed(`#${requestId} timed out`)))
    })
  }
}

export const main = Effect.gen(function* () {
  const loop = yield* asyncio.getRunningLoop()
  const conn = new Connection()
  yield* asyncio.createTask(server(conn))
  const client = new Client(conn, loop)
  const results = yield* asyncio.gather(
    client.call("add", [1, 2]),
    client.call("ping"),
    client.call("slow"),
    client.call("add", [40, 2])
  )
  yield* print(`results: ${repr(results)}`)
  yield* asyncio.sleep(2.5)
  yield* print(`requests still pending: ${client.pending.size}`)
})

export const meta: ExampleMeta = {
  id: "63-request-reply",
  title:
    "Request/reply by id with futures: a table of pending futures, a reader task, a timeout that cancels",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "When asyncio Helps and When It Does Not (sockets, message consumers)",
  asyncio: [
    "loop.create_future",
    "Future.set_result",
    "Future.done",
    "Future.cancelled",
    "wait_for",
    "gather",
    "Queue",
    "Task.add_done_callback"
  ],
  python: "python/63-request-reply.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "asyncio is best for I/O-bound workloads: HTTP requests, sockets, async database drivers, message consumers.",
    'When people say "multiple tasks using asyncio", they usually mean creating coroutines, scheduling them as tasks, and coordinating their results safely.'
  ],
  transcript: [
    [0, "-> #1 add(1, 2)"],
    [0, "-> #2 ping()"],
    [0, "-> #3 slow()"],
    [0, "-> #4 add(40, 2)"],
    [0.2, "<- #2 'pong'"],
    [0.5, "<- #1 3"],
    [0.5, "<- #4 42"],
    [1, "results: [3, 'pong', '#3 timed out', 42]"],
    [3, "<- #3 'finally' dropped: its caller gave up (cancelled: True)"],
    [3.5, "requests still pending: 0"]
  ],
  elapsed: 3.5,
  differences: [
    {
      kind: "note",
      why:
        "Python's `call(self, method, *args, timeout=1.0)` takes the arguments as `*args`; here they are an array " +
        '(`call("add", [1, 2])`), so that `timeout` can keep its default after them.'
    },
    {
      kind: "note",
      why:
        "The future's methods are effects (`yield* fut.done()`, `yield* fut.setResult(result)`), like a task's; " +
        "`loop.createFuture()` is a plain call on the loop handle, as Python's `loop.create_future()`."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
