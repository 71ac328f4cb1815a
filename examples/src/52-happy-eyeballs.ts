/**
 * Happy eyeballs by hand: connect to the first of several addresses that answers, starting the next attempt
 * 0.25 s after the previous one — or at once when one fails — with `staggeredRace`, the function behind asyncio's
 * `open_connection(happy_eyeballs_delay=…)`. An address "answers" when its server sends its greeting line.
 *
 * Three local addresses: a server that greets after 1 s, a port where nothing listens (refused at once), and a
 * server that greets at once. Attempt 0 connects to the slow one and waits; at 0.25 s attempt 1 is refused,
 * which starts attempt 2 at once; it gets its greeting and wins; attempt 0 is cancelled — its `readline`
 * interrupted, its connection closed — and awaited before `staggeredRace` returns.
 *
 * ```python
 * from asyncio.staggered import staggered_race
 * writer, index, exceptions = await staggered_race([attempt(i) for i in range(3)], 0.25)
 * ```
 *
 * `npm run example -- 52`; its Python original is `python/52-happy-eyeballs.py`, compared by
 * `npm run check:python -w examples`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import { portOf } from "./shared/io.ts"
import { print, repr } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

/** A server handler that greets after `delay` seconds — unless the client goes away first. */
const greeter =
  (greeting: string, delay: number) => (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
    Effect.gen(function* () {
      if (delay > 0) {
        const left = yield* asyncio.waitFor(reader.read(), delay).pipe(
          Effect.as(true),
          Effect.catchTag("TimeoutError", () => Effect.succeed(false))
        )
        if (left) return // the client went away before the greeting
      }
      yield* writer.write(`${greeting}\n`)
      yield* writer.drain()
    })

/** A port where nothing listens: one a server had a moment ago. */
const freePort = Effect.scoped(
  Effect.map(
    Streams.startServer(() => Effect.void, "127.0.0.1", 0),
    portOf
  )
)

const now = Effect.clockWith((clock) => Effect.sync(() => clock.currentTimeMillisUnsafe() / 1000))

export const main = Effect.gen(function* () {
  const slow = yield* Streams.startServer(greeter("hello from the slow server", 1.0), "127.0.0.1", 0)
  const fast = yield* Streams.startServer(greeter("hello from the fast server", 0), "127.0.0.1", 0)
  const closed = yield* freePort
  const ports = [portOf(slow), closed, portOf(fast)]
  const names = ["slow", "closed", "fast"]
  const start = yield* now

  const attempt = (i: number) => () =>
    Effect.gen(function* () {
      yield* print(`attempt ${i}: connecting to the ${names[i]} address`)
      const [reader, writer] = yield* Streams.openConnection("127.0.0.1", ports[i]).pipe(
        Effect.tapError((e) => print(`attempt ${i}: ${e._tag}`))
      )
      const greeting = yield* reader.readline().pipe(
        // Python's `except CancelledError: writer.close(); raise`
        Effect.onInterrupt(() =>
          Effect.andThen(print(`attempt ${i}: cancelled, closing its connection`), writer.close())
        )
      )
      yield* print(`attempt ${i}: ${repr(greeting.toString().trim())}`)
      return writer
    })

  const [writer, index, exceptions] = yield* asyncio.staggeredRace([0, 1, 2].map(attempt), 0.25)
  const elapsed = (yield* now) - start
  yield* print(`winner: attempt ${index} (${names[index ?? 0]}) after ${elapsed.toFixed(2)} s`)
  yield* print(`exceptions: ${exceptions.map((e) => (e === undefined ? "None" : e._tag)).join(", ")}`)
  if (writer !== undefined) yield* writer.close()
}).pipe(Effect.scoped)

export const meta: RealTimeMeta = {
  id: "52-happy-eyeballs",
  title: "Happy eyeballs: connect to the first of several addresses that answers (staggeredRace)",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Processing Results As Soon As They Finish",
  asyncio: [
    "staggered.staggered_race",
    "open_connection",
    "StreamReader.readline",
    "start_server",
    "wait_for"
  ],
  python: "python/52-happy-eyeballs.py",
  checkPython: true,
  tutorialSays: [
    "This is useful for streaming partial progress, updating dashboards, or returning the first acceptable result."
  ],
  transcript: [
    "attempt 0: connecting to the slow address",
    "attempt 1: connecting to the closed address",
    "attempt 1: ConnectionRefusedError",
    "attempt 2: connecting to the fast address",
    "attempt 2: 'hello from the fast server'",
    "attempt 0: cancelled, closing its connection",
    /^winner: attempt 2 \(fast\) after 0\.\d\d s$/,
    "exceptions: CancelledError, ConnectionRefusedError, None"
  ],
  elapsed: 0.3,
  notes: [
    "The cancelled attempt's clean-up (Effect.onInterrupt, Python's `except CancelledError:`) closes the " +
      "connection it had opened; staggeredRace waits for it before it returns, so its line comes before the " +
      "winner's, in both.",
    "The loser's exception is a CancelledError value, as in Python; ours also carries why (another attempt won).",
    "The connections belong to main's scope: the winner's stays open after the race and is closed by main."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
