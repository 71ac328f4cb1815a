/**
 * Seed 002, "Error Handling and Cancellation": "You should also think about cancellation. If a request times
 * out …". A slow request under a deadline, first with `waitFor` (one awaitable), then with a `timeout` scope (a
 * block of several awaits). Not code in the tutorial.
 *
 * ```python
 * async def request(name, delay):
 *     print(f"  {name}: connection opened, request sent")
 *     try:
 *         await asyncio.sleep(delay)
 *         print(f"  {name}: response received")
 *         return f"{name} response"
 *     finally:
 *         print(f"  {name}: closing the connection")
 *         await asyncio.sleep(0.5)
 *         print(f"  {name}: connection closed")
 *
 * await asyncio.wait_for(request("A", 5), 2)          # TimeoutError at 2.5 s
 *
 * async with asyncio.timeout(2) as scope:              # TimeoutError at 2.5 s
 *     await request("B", 1)
 *     await request("C", 5)
 * ```
 *
 * At the deadline the request is cancelled; its clean-up runs — closing the connection takes 0.5 s — and only
 * when it is finished does `TimeoutError` come out, so the elapsed time is 2.5 s, not 2 s: nothing is still
 * closing behind the caller's back. The connection is an `acquireUseRelease` resource: the release runs however
 * the use ends (response, cancellation or error). The `TimeoutError`'s cause is the request's `CancelledError`,
 * as in Python (`e.__cause__`), and ours says why it was cancelled: `kind: 'timeout'`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { showReason } from "./shared/cancel.ts"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

const request = (name: string, delay: number) =>
  Effect.acquireUseRelease(
    print(`  ${name}: connection opened, request sent`),
    () =>
      Effect.gen(function* () {
        yield* asyncio.sleep(delay)
        yield* print(`  ${name}: response received`)
        return `${name} response`
      }),
    () =>
      Effect.gen(function* () {
        yield* print(`  ${name}: closing the connection`)
        yield* asyncio.sleep(0.5)
        yield* print(`  ${name}: connection closed`)
      })
  )

const since = (start: number) => Effect.map(now, (t) => (t - start).toFixed(1))

/** `type(e.__cause__).__name__`, and the reason of the cancellation (which Python does not have). */
const printCause = (error: asyncio.TimeoutError) =>
  Effect.gen(function* () {
    const cause = error.cause
    yield* print(`  its cause: ${cause instanceof asyncio.CancelledError ? cause._tag : repr(cause)}`)
    if (cause instanceof asyncio.CancelledError) {
      yield* print(`  reason: ${showReason(cause.reason, { detail: false })}`)
    }
  })

export const main = Effect.gen(function* () {
  let start = yield* now
  yield* print("wait_for(request('A', 5), 2):")
  yield* asyncio.waitFor(request("A", 5), 2).pipe(
    Effect.catchTag("TimeoutError", (e) =>
      Effect.gen(function* () {
        yield* print(`  ${e._tag} after ${yield* since(start)}s (the clean-up is included)`)
        yield* printCause(e)
      })
    )
  )

  start = yield* now
  yield* print("timeout(2): request('B', 1), then request('C', 5):")
  const scope = yield* asyncio.Timeout.make(2) // `asyncio.timeout(2) as scope`: the deadline is fixed now
  yield* asyncio.Timeout.enterScope(scope, () =>
    Effect.gen(function* () {
      yield* request("B", 1)
      yield* request("C", 5)
    })
  ).pipe(
    Effect.catchTag("TimeoutError", (e) =>
      Effect.gen(function* () {
        yield* print(`  ${e._tag} after ${yield* since(start)}s; expired: ${repr(yield* scope.expired())}`)
        yield* printCause(e)
      })
    )
  )
})

const REASON = "  reason: kind='timeout'"

export const meta: ExampleMeta = {
  id: "19-request-timeout",
  title:
    "A slow request under waitFor / timeout: cancelled at the deadline, clean-up included, then TimeoutError",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: ["wait_for", "timeout", "Timeout.expired", "TimeoutError", "try/finally (acquireUseRelease)"],
  python: "python/19-request-timeout.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "You should also think about cancellation. If a request times out or a program is shutting down, unbounded " +
      "background tasks can leak work or keep resources open longer than expected."
  ],
  transcript: [
    [0, "wait_for(request('A', 5), 2):"],
    [0, "  A: connection opened, request sent"],
    [2, "  A: closing the connection"],
    [2.5, "  A: connection closed"],
    [2.5, "  TimeoutError after 2.5s (the clean-up is included)"],
    [2.5, "  its cause: CancelledError"],
    [2.5, REASON],
    [2.5, "timeout(2): request('B', 1), then request('C', 5):"],
    [2.5, "  B: connection opened, request sent"],
    [3.5, "  B: response received"],
    [3.5, "  B: closing the connection"],
    [4, "  B: connection closed"],
    [4, "  C: connection opened, request sent"],
    [4.5, "  C: closing the connection"],
    [5, "  C: connection closed"],
    [5, "  TimeoutError after 2.5s; expired: True"],
    [5, "  its cause: CancelledError"],
    [5, REASON]
  ],
  elapsed: 5,
  differences: [
    {
      kind: "python",
      printed: REASON,
      python: undefined,
      why:
        "Python's CancelledError says nothing about why. Ours carries a reason of kind 'timeout'; its detail " +
        "(not printed, as it names the scope by a process-wide counter and the deadline by clock time) reads " +
        "'the deadline of Timeout-1 expired at t=…s'."
    },
    {
      kind: "note",
      why:
        "`async with asyncio.timeout(2) as scope:` is `Timeout.make(2)` (the handle, deadline fixed at creation " +
        "as in Python) and `Timeout.enterScope(scope, body)`; `asyncio.timeout(2, body)` does both when the " +
        "handle is not needed after the block."
    },
    {
      kind: "note",
      why:
        "`try/finally` around the request is `Effect.acquireUseRelease(open, use, close)`; the close runs " +
        "uninterruptibly, so a second cancellation could not cut it short either (in Python it could)."
    },
    {
      kind: "note",
      why:
        "Our TimeoutError has a message ('waitFor: the timeout expired'); Python's is empty, so both print the " +
        "class name only. Python 3.11's wait_for waits for the cancelled request as we do (3.12 rewrote it on " +
        "top of timeout(), with the same result)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
