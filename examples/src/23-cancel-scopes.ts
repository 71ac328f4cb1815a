/**
 * Seed 002, "if a request times out…": two budgets written as cancel scopes (Trio's `move_on_after` and
 * `fail_after`, `@effect-asyncio/core/CancelScope`), next to the asyncio code a Python programmer writes for the
 * same thing. Not code in the tutorial.
 *
 * ```python
 * # move on: render the page without recommendations if they take more than 1 s
 * recs = None
 * try:
 *     async with asyncio.timeout(1):
 *         recs = await recommendations()
 * except TimeoutError:
 *     pass
 *
 * # fail: the save has 2 s, but its commit, once begun, must finish (shielded)
 * async with asyncio.timeout(2):
 *     await asyncio.sleep(1.5)                       # writing
 *     commit = asyncio.create_task(commit_draft())
 *     try:
 *         await asyncio.shield(commit)
 *     except asyncio.CancelledError:
 *         await commit                               # let it finish, then go on being cancelled
 *         raise
 * ```
 *
 * - `CancelScope.moveOnAfter(1, body)` is the first block in one call: the body is cancelled at the deadline (its
 *   clean-up runs), and the scope **ends normally** with `undefined` — no exception to catch and ignore;
 *   `scope.cancelledCaught` says that the deadline cut it short.
 * - `CancelScope.failAfter(2, body)` is `asyncio.timeout(2)`: at the deadline the body is cancelled, then the
 *   scope fails with `TimeoutError`.
 * - A scope with `shield: true` is Trio's shielded scope: the deadline around it does not enter until the
 *   shielded part is done. asyncio's `shield()` stops the *awaiter* at once and leaves the task running, so the
 *   Python program needs the `except CancelledError: await commit; raise` dance to wait for the commit; the
 *   shielded scope waits by itself, and the failure (at 2.5 s, when the commit is done) is the same.
 */
import * as asyncio from "@effect-asyncio/core"
import * as CancelScope from "@effect-asyncio/core/CancelScope"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print } from "./shared/python.ts"

const recommendations = Effect.gen(function* () {
  yield* print("  recommendations: started")
  yield* asyncio.sleep(5)
  return ["a book", "a film"]
}).pipe(Effect.onInterrupt(() => print("  recommendations: cancelled")))

const commitDraft = Effect.gen(function* () {
  yield* print("  save: committing")
  yield* asyncio.sleep(1)
  yield* print("  save: committed")
})

export const main = Effect.gen(function* () {
  const t0 = yield* asyncio.Timeout.time
  yield* print("render the page, giving the recommendations 1 s:")
  let caught = false
  const recs = yield* CancelScope.moveOnAfter(1, (scope) =>
    Effect.ensuring(
      recommendations,
      Effect.sync(() => {
        caught = scope.cancelCalled
      })
    )
  )
  yield* print(
    `  page: rendered ${recs === undefined ? "without" : "with"} recommendations (deadline hit: ${caught ? "True" : "False"})`
  )

  yield* print("save the draft within 2 s, its commit shielded:")
  yield* CancelScope.failAfter(
    2,
    Effect.gen(function* () {
      yield* print("  save: writing")
      yield* asyncio.sleep(1.5)
      yield* CancelScope.run(commitDraft, { shield: true })
      yield* asyncio.sleep(0)
      yield* print("  save: done")
    })
  ).pipe(
    Effect.catchTag("TimeoutError", () =>
      Effect.flatMap(asyncio.Timeout.time, (t) =>
        print(`  save: TimeoutError at ${Math.round((t - t0) * 10) / 10} s; the commit had finished`)
      )
    )
  )
})

export const meta: ExampleMeta = {
  id: "23-cancel-scopes",
  title: "Budgets as cancel scopes: move on after 1 s, fail after 2 s, with a shielded commit",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Error Handling and Cancellation",
  asyncio: ["timeout", "TimeoutError", "shield", "CancelledError"],
  python: "python/23-cancel-scopes.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "You should also think about cancellation. If a request times out or a program is shutting down, unbounded " +
      "background tasks can leak work or keep resources open longer than expected."
  ],
  transcript: [
    [0, "render the page, giving the recommendations 1 s:"],
    [0, "  recommendations: started"],
    [1, "  recommendations: cancelled"],
    [1, "  page: rendered without recommendations (deadline hit: True)"],
    [1, "save the draft within 2 s, its commit shielded:"],
    [1, "  save: writing"],
    [2.5, "  save: committing"],
    [3.5, "  save: committed"],
    [3.5, "  save: TimeoutError at 3.5 s; the commit had finished"]
  ],
  elapsed: 3.5,
  differences: [
    {
      kind: "note",
      why:
        "The Python program is what asyncio offers for the same budgets: `asyncio.timeout` with the TimeoutError " +
        "caught and ignored (move on), `asyncio.timeout` (fail), and `shield()` plus `except CancelledError: " +
        "await commit; raise` to let the commit finish. Trio's `move_on_after`/`fail_after`/`CancelScope(shield=" +
        "True)` are the names used here (docs/cancellation.md §10)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
