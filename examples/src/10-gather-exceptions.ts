/**
 * Seed 004, gotcha: "gather() stops on first exception by default — use return_exceptions=True to collect all
 * results even if some fail". The tutorial has no code for it; this is the demonstration.
 *
 * ```python
 * api = asyncio.create_task(fetch_data("API", 2))
 * try:
 *     await asyncio.gather(api, fetch_data("DB", 1, fail=True), fetch_data("Cache", 0.5))
 * except FetchError as e:
 *     print(f"gather raised ({time.time()-start:.1f}s): {e!r}")
 *     print(f"API task still running: {not api.done()}")
 * result = await api
 * print(f"API task finished anyway ({time.time()-start:.1f}s): {result!r}")
 *
 * results = await asyncio.gather(fetch_data("API", 2), fetch_data("DB", 1, fail=True),
 *                                fetch_data("Cache", 0.5), return_exceptions=True)
 * print(f"return_exceptions=True ({time.time()-start:.1f}s): {results}")
 * ```
 *
 * By default the first failure (DB, at 1 s) fails the gather at once — and the other awaitables are **not**
 * cancelled: the API task still finishes at 2 s. With `{ returnExceptions: true }` the gather waits for all
 * three and puts the error in the result list, in its position. The error is typed: `gather` fails with
 * `FetchError`, which `Effect.catchTag` handles like Python's `except FetchError`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

class FetchError extends Data.TaggedError("FetchError")<{ readonly message: string }> {}

const fetchData = (source: string, delay: number, fail = false) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(delay)
    if (fail) return yield* new FetchError({ message: `${source} unavailable` })
    return `Data from ${source}`
  })

const since = (start: number) => Effect.map(now, (t) => (t - start).toFixed(1))

export const main = Effect.gen(function* () {
  let start = yield* now
  const api = yield* asyncio.createTask(fetchData("API", 2))
  yield* asyncio.gather(api, fetchData("DB", 1, true), fetchData("Cache", 0.5)).pipe(
    Effect.catchTag("FetchError", (e) =>
      Effect.gen(function* () {
        yield* print(`gather raised (${yield* since(start)}s): ${repr(e)}`)
        yield* print(`API task still running: ${repr(!(yield* api.done()))}`)
      })
    )
  )
  const result = yield* api
  yield* print(`API task finished anyway (${yield* since(start)}s): ${repr(result)}`)

  start = yield* now
  const results = yield* asyncio.gather(
    fetchData("API", 2),
    fetchData("DB", 1, true),
    fetchData("Cache", 0.5),
    {
      returnExceptions: true
    }
  )
  yield* print(`return_exceptions=True (${yield* since(start)}s): ${repr(results)}`)
})

export const meta: ExampleMeta = {
  id: "10-gather-exceptions",
  title: "gather() fails on the first exception (siblings keep running) vs returnExceptions",
  seed: "004_2cd1d766782f0a22.txt",
  section: "Gotchas: gather() stops on first exception by default",
  asyncio: ["gather", "gather(return_exceptions=True)", "create_task", "Task.done"],
  python: "python/10-gather-exceptions.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "gather() stops on first exception by default — use return_exceptions=True to collect all results even if " +
      "some fail."
  ],
  transcript: [
    [1, "gather raised (1.0s): FetchError('DB unavailable')"],
    [1, "API task still running: True"],
    [2, "API task finished anyway (2.0s): 'Data from API'"],
    [4, "return_exceptions=True (2.0s): ['Data from API', FetchError('DB unavailable'), 'Data from Cache']"]
  ],
  elapsed: 4,
  differences: [
    {
      kind: "note",
      why:
        "FetchError is an Effect tagged error (`Data.TaggedError`), the typed equivalent of a Python exception " +
        "class; the shared repr() prints it the way Python prints an exception built with one argument."
    },
    {
      kind: "note",
      why:
        "`{ returnExceptions: true }` is the last argument, in place of Python's keyword argument. The result " +
        "type says that each position holds a string or a FetchError (or a Defect / CancelledError)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
