/**
 * The HTTP server of the fan-out example (33): a real `node:http` server on 127.0.0.1 and a free port, whose
 * `/items/<id>` endpoints answer after 20–140 ms, fail with 500, or never answer — decided by the id, so a run's
 * outcome is known in advance ({@link behaviourOf}). It counts what the client did to it: requests, how many were
 * in flight at once, how many the client gave up on (closed before the answer), and the TCP connections open.
 */
import * as http from "node:http"
import type { Socket } from "node:net"

/** What `/items/<id>` does: answer 200 (`ok`) or 500 (`error`) after `latency` seconds, or never (`hang`). */
export interface Behaviour {
  readonly kind: "ok" | "error" | "hang"
  readonly latency: number
}

/** The behaviour of `/items/<id>`: every 40th item (17, 57, …) hangs, every 15th (4, 19, …) fails. */
export const behaviourOf = (id: number): Behaviour => {
  const latency = 0.02 + ((id * 7919) % 13) * 0.01
  if (id % 40 === 17) return { kind: "hang", latency }
  if (id % 15 === 4) return { kind: "error", latency }
  return { kind: "ok", latency }
}

/** How many of the items `0 … count - 1` answer, fail and hang. */
export const expectedOutcomes = (count: number) => {
  const outcomes = { ok: 0, error: 0, hang: 0 }
  for (let id = 0; id < count; id++) outcomes[behaviourOf(id).kind]++
  return outcomes
}

export interface ServerStats {
  /** Requests received. */
  requests: number
  /** Requests received and not yet answered or abandoned. */
  inFlight: number
  /** The most requests in flight at once: the client's concurrency, seen from the server. */
  maxInFlight: number
  /** Requests answered (200 or 500). */
  answered: number
  /** Requests whose connection the client closed before the answer (timeouts, Ctrl-C). */
  abortedByClient: number
}

export interface FanoutServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly stats: Readonly<ServerStats>
  /** TCP connections open now, seen from the server. */
  readonly connections: () => number
  /** Resolves with the number of open connections once it is 0, or after `timeout` seconds. */
  readonly drained: (timeout: number) => Promise<number>
  /** Stops listening and closes every connection. */
  readonly close: () => Promise<void>
}

export const startServer = (): Promise<FanoutServer> =>
  new Promise((resolve, reject) => {
    const stats: ServerStats = { requests: 0, inFlight: 0, maxInFlight: 0, answered: 0, abortedByClient: 0 }
    const sockets = new Set<Socket>()
    let onDrained: Array<() => void> = []
    const server = http.createServer((request, response) => {
      const match = /^\/items\/(\d+)$/.exec(request.url ?? "")
      if (match === null) {
        response.statusCode = 404
        response.end("not found")
        return
      }
      const id = Number(match[1])
      stats.requests++
      stats.inFlight++
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
      let timer: ReturnType<typeof setTimeout> | undefined
      response.on("close", () => {
        clearTimeout(timer)
        stats.inFlight--
        if (response.writableFinished) stats.answered++
        else stats.abortedByClient++
      })
      const behaviour = behaviourOf(id)
      if (behaviour.kind === "hang") return
      timer = setTimeout(() => {
        if (behaviour.kind === "error") {
          response.statusCode = 500
          response.end("internal error")
        } else {
          response.setHeader("content-type", "application/json")
          response.end(JSON.stringify({ id, square: id * id }))
        }
      }, behaviour.latency * 1000)
    })
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => {
        sockets.delete(socket)
        if (sockets.size === 0) {
          const waiting = onDrained
          onDrained = []
          for (const wake of waiting) wake()
        }
      })
    })
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        url: `http://127.0.0.1:${port}`,
        stats,
        connections: () => sockets.size,
        drained: (timeout) =>
          new Promise<number>((done) => {
            if (sockets.size === 0) return done(0)
            const timer = setTimeout(() => done(sockets.size), timeout * 1000)
            onDrained.push(() => {
              clearTimeout(timer)
              done(0)
            })
          }),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })
