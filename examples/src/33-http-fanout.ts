/**
 * Seed 002, "Limiting Concurrency" and "Error Handling and Cancellation", for real: a client fetches 300 URLs
 * from a real local HTTP server (`node:http` on 127.0.0.1, a free port) whose endpoints answer after 20–140 ms,
 * fail with 500, or never answer.
 *
 * - `Semaphore(10)`: at most 10 requests at once (the server counts them and reports the maximum it saw);
 * - `waitFor(…, 1)` per request: a hanging request is cancelled after 1 s — and really stopped: the request's
 *   `AbortSignal` (from `Abort.fromPromise`) is aborted with a `CancelledError` whose `reason.kind` is `timeout`,
 *   `http.get` destroys its socket, and the cancellation completes once the socket is closed;
 * - `asCompleted` drives a progress bar on a terminal (plain progress lines otherwise);
 * - `gather(…, { returnExceptions: true })` collects the outcomes for the summary: values, `HttpError`s and
 *   `TimeoutError`s side by side;
 * - **Ctrl-C** cancels main (`run` turns SIGINT into a cancellation); main cancels the requests — the ones in
 *   flight are aborted, their sockets closed — and the client's connection pool is destroyed before the server
 *   checks that no connection is left open. Exit code 130.
 *
 * ```python
 * sem = asyncio.Semaphore(10)
 * async def fetch(url):
 *     async with sem:
 *         return await asyncio.wait_for(session.get(url), 1)
 * tasks = [asyncio.create_task(fetch(u)) for u in urls]
 * for next in asyncio.as_completed(tasks): ...            # progress
 * results = await asyncio.gather(*tasks, return_exceptions=True)
 * ```
 *
 * `npm run example -- 33` (add `--count=1000` for more). Real sockets and real time: the tests run it against
 * the real server, bounded in count and time.
 */
import * as http from "node:http"
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { expectedOutcomes, type FanoutServer, startServer } from "./shared/fanout-server.ts"
import { print } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

/** The server answered with a status other than 200. */
export class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
}> {}

/** The request failed below HTTP (connection refused or reset). */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{ readonly message: string }> {}

interface Response {
  readonly status: number
  readonly body: string
}

/**
 * `http.get` as a promise. It settles when the response has been read — or, if the request fails or is aborted,
 * only once the request is closed (its socket destroyed): so a cancellation that waits for it (`Abort.fromPromise`
 * does) completes when the socket is really gone.
 */
const httpGet = (url: string, agent: http.Agent, signal: AbortSignal): Promise<Response> =>
  new Promise((resolve, reject) => {
    let failure: unknown
    const request = http.get(url, { agent, signal }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        body += chunk
      })
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on("error", (error) => {
      failure = error
    })
    request.on("close", () => reject(failure ?? new Error("the connection closed before the response ended")))
  })

/** What the client saw, for the summary and the tests. */
export interface ClientStats {
  inFlight: number
  maxInFlight: number
  /** Aborted request signals, by the `reason.kind` of their `CancelledError`. */
  readonly aborted: Record<string, number>
}

export interface FanOutOptions {
  readonly baseUrl: string
  readonly count: number
  readonly concurrency: number
  /** Seconds per request (`waitFor`). */
  readonly timeout: number
  /** Called after each completion, in completion order (from `asCompleted`). */
  readonly progress: (done: number, total: number, stats: ClientStats) => Effect.Effect<void>
}

export interface Summary {
  readonly ok: number
  readonly httpErrors: number
  readonly timeouts: number
  readonly connectionErrors: number
  readonly cancelled: number
  readonly stats: ClientStats
}

/**
 * Fetches `/items/0 … /items/<count - 1>` with at most `concurrency` requests at once and `timeout` seconds per
 * request; returns the tally of the outcomes. If cancelled, cancels every request (the ones in flight are
 * aborted and their sockets closed) and waits for them before ending cancelled. The client's keep-alive
 * connections are closed when it returns, however it ends.
 */
export const fanOut = (options: FanOutOptions): Effect.Effect<Summary> =>
  Effect.gen(function* () {
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new http.Agent({ keepAlive: true })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const sem = yield* asyncio.Semaphore.make(options.concurrency)
    const stats: ClientStats = { inFlight: 0, maxInFlight: 0, aborted: {} }

    const get = (id: number) =>
      asyncio.Abort.fromPromise(
        (signal) => {
          signal.addEventListener("abort", () => {
            const kind = signal.reason instanceof asyncio.CancelledError ? signal.reason.reason.kind : "other"
            stats.aborted[kind] = (stats.aborted[kind] ?? 0) + 1
          })
          return httpGet(`${options.baseUrl}/items/${id}`, agent, signal)
        },
        { catch: (error) => new ConnectionError({ message: String(error) }) }
      ).pipe(
        Effect.flatMap((response) =>
          response.status === 200
            ? Effect.succeed(id)
            : Effect.fail(
                new HttpError({ status: response.status, message: `GET /items/${id}: ${response.status}` })
              )
        )
      )

    // Semaphore outside, waitFor inside: the 1 s counts from when the request really starts.
    const request = (id: number) =>
      sem.withPermit(
        Effect.suspend(() => {
          stats.inFlight++
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
          return asyncio.waitFor(get(id), options.timeout)
        }).pipe(
          Effect.ensuring(
            Effect.sync(() => {
              stats.inFlight--
            })
          )
        )
      )

    const tasks = yield* Effect.forEach(
      Array.from({ length: options.count }, (_, id) => id),
      (id) => asyncio.createTask(request(id), { name: `GET /items/${id}` })
    )

    // Cancelled (Ctrl-C under run): cancel the requests, wait until every one has stopped, say what happened.
    const cancelAll = Effect.gen(function* () {
      let pending = 0
      for (const task of tasks) if (!(yield* task.done())) pending++
      const notStarted = pending - stats.inFlight
      for (const task of tasks) yield* task.cancel()
      for (const task of tasks) yield* Fiber.await(task.fiber)
      yield* print(
        `cancelled: ${stats.aborted.cancel ?? 0} requests in flight aborted (signal.reason: CancelledError, ` +
          `kind 'cancel'), their sockets closed; ${notStarted} had not started`
      )
    })

    let done = 0
    yield* Effect.gen(function* () {
      for (const next of yield* asyncio.asCompleted(tasks)) {
        yield* Effect.exit(next)
        yield* options.progress(++done, options.count, stats)
      }
    }).pipe(Effect.onInterrupt(() => cancelAll))

    const settled = yield* asyncio.gather(...tasks, { returnExceptions: true })
    const summary = { ok: 0, httpErrors: 0, timeouts: 0, connectionErrors: 0, cancelled: 0, stats }
    for (const outcome of settled) {
      if (typeof outcome === "number") summary.ok++
      else if (outcome instanceof HttpError) summary.httpErrors++
      else if (outcome instanceof asyncio.TimeoutError) summary.timeouts++
      else if (outcome instanceof asyncio.CancelledError) summary.cancelled++
      else summary.connectionErrors++
    }
    return summary
  }).pipe(Effect.scoped)

/** Plain progress lines at every quarter (stdout is not a terminal: logs, tests). */
const progressLines = (done: number, total: number): Effect.Effect<void> =>
  done % Math.ceil(total / 4) === 0 || done === total ? print(`progress: ${done}/${total} done`) : Effect.void

/** A progress bar redrawn in place (stdout is a terminal). */
const progressBar = (done: number, total: number, stats: ClientStats): Effect.Effect<void> =>
  Effect.sync(() => {
    const width = 30
    const filled = Math.round((done / total) * width)
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`
    process.stdout.write(`\r[${bar}] ${done}/${total} · in flight ${stats.inFlight} `)
    if (done === total) process.stdout.write("\n")
  })

const describeServer = (server: FanoutServer): string =>
  `server: ${server.stats.requests} requests, at most ${server.stats.maxInFlight} at once, ` +
  `${server.stats.abortedByClient} abandoned by the client, ${server.stats.inFlight} still in flight`

/** `--count=N` (or `--count N` when the file is run directly); 300 by default. */
const countArgument = (): number => {
  const inline = process.argv.find((arg) => arg.startsWith("--count="))
  const index = process.argv.indexOf("--count")
  const value = Number(
    inline !== undefined ? inline.slice("--count=".length) : index >= 0 ? process.argv[index + 1] : ""
  )
  return Number.isInteger(value) && value > 0 ? value : 300
}

/**
 * The example's program: `count` items, progress as a bar (a terminal) or as lines (a log, a test).
 */
export const makeMain = (options: { readonly count: number; readonly progress: "bar" | "lines" }) =>
  Effect.gen(function* () {
    const { count } = options
    const started = performance.now()
    const server = yield* Effect.acquireRelease(Effect.promise(startServer), (server) =>
      Effect.promise(() => server.close())
    )
    // Runs after the client is gone (finalizers run last-in first-out), before the server closes.
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(
        Effect.promise(() => server.drained(2)),
        (open) =>
          print(`${describeServer(server)}; open connections after the client closed its pool: ${open}`)
      )
    )
    const expected = expectedOutcomes(count)
    yield* print(
      `server: 127.0.0.1, ${count} items: ${expected.ok} answer after 20–140 ms, ${expected.error} fail with 500, ` +
        `${expected.hang} never answer`
    )
    yield* print(
      `client: GET /items/0 … /items/${count - 1}, at most 10 at once (Semaphore), 1 s each (waitFor)`
    )
    const summary = yield* fanOut({
      baseUrl: server.url,
      count,
      concurrency: 10,
      timeout: 1,
      progress: options.progress === "bar" ? progressBar : progressLines
    })
    yield* print(
      `summary (gather, returnExceptions): ${summary.ok} ok, ${summary.httpErrors} HttpError (500), ` +
        `${summary.timeouts} TimeoutError`
    )
    const aborted = Object.entries(summary.stats.aborted)
      .map(([kind, n]) => `${n} × reason.kind '${kind}'`)
      .join(", ")
    yield* print(`  aborted request signals: ${aborted === "" ? "none" : aborted}`)
    yield* print(
      `  client: at most ${summary.stats.maxInFlight} requests in flight; ` +
        `took ${((performance.now() - started) / 1000).toFixed(1)} s`
    )
  }).pipe(Effect.scoped)

export const main = makeMain({ count: countArgument(), progress: process.stdout.isTTY ? "bar" : "lines" })

export const meta: RealTimeMeta = {
  id: "33-http-fanout",
  title:
    "A real fan-out client: Semaphore(10), waitFor per request, asCompleted progress, Ctrl-C closes sockets",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Limiting Concurrency; Error Handling and Cancellation",
  asyncio: ["Semaphore", "wait_for", "as_completed", "gather(return_exceptions=True)", "create_task", "run"],
  python: undefined,
  tutorialSays: [
    "Launching unbounded numbers of tasks against external systems. Use semaphores or batching.",
    "If a request times out or a program is shutting down, unbounded background tasks can leak work or keep " +
      "resources open longer than expected.",
    "Use gather() when you need all results and as_completed() when early results matter."
  ],
  transcript: [
    "server: 127.0.0.1, 300 items: 272 answer after 20–140 ms, 20 fail with 500, 8 never answer",
    "client: GET /items/0 … /items/299, at most 10 at once (Semaphore), 1 s each (waitFor)",
    "progress: 75/300 done",
    "progress: 150/300 done",
    "progress: 225/300 done",
    "progress: 300/300 done",
    "summary (gather, returnExceptions): 272 ok, 20 HttpError (500), 8 TimeoutError",
    "  aborted request signals: 8 × reason.kind 'timeout'",
    /^ {2}client: at most 10 requests in flight; took \d+\.\d s$/,
    "server: 300 requests, at most 10 at once, 8 abandoned by the client, 0 still in flight; open connections " +
      "after the client closed its pool: 0"
  ],
  elapsed: 3.5,
  notes: [
    "On a terminal the four progress lines are a progress bar instead.",
    "The Python version would need an HTTP client library (aiohttp, httpx); the standard library has none for " +
      "asyncio, so there is no Python script.",
    "Ctrl-C: main is cancelled (reason kind 'signal'), cancels the requests (kind 'cancel'); in-flight requests " +
      "are aborted and their sockets closed before the server reports 'open connections … 0'; exit code 130."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
