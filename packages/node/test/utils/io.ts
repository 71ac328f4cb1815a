/**
 * Helpers for the I/O tests (real sockets and processes on 127.0.0.1): raw `node:net` peers that misbehave on
 * purpose, a logger that records what the library logs, and readers of an `Exit`.
 */
import { readdirSync } from "node:fs"
import * as Net from "node:net"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Result from "effect/Result"

/** The first typed error of a failed exit. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  exit._tag === "Failure" ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined

/** The first defect of a failed exit. */
export const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown => {
  if (exit._tag === "Success") return undefined
  const found = Cause.findDefect(exit.cause)
  return Result.isSuccess(found) ? found.success : undefined
}

/** Whether the exit ended by interruption only. */
export const isInterrupted = <A, E>(exit: Exit.Exit<A, E>): boolean =>
  exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)

/**
 * A plain `node:net` server on 127.0.0.1 (a free port) calling `onConnection` for each socket; closed, with
 * every socket it accepted destroyed, when the scope ends. Returns the port and the accepted sockets.
 */
export const rawServer = (
  onConnection: (socket: Net.Socket) => void
): Effect.Effect<
  { readonly port: number; readonly sockets: Array<Net.Socket> },
  never,
  import("effect/Scope").Scope
> =>
  Effect.acquireRelease(
    Effect.callback<{ server: Net.Server; port: number; sockets: Array<Net.Socket> }>((resume) => {
      const sockets: Array<Net.Socket> = []
      const server = Net.createServer({ allowHalfOpen: true }, (socket) => {
        sockets.push(socket)
        socket.on("error", () => {})
        onConnection(socket)
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ server, port: (server.address() as Net.AddressInfo).port, sockets }))
      )
    }),
    ({ server, sockets }) =>
      Effect.callback<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  )

/** A raw client socket connected to 127.0.0.1:`port`, destroyed when the scope ends. */
export const rawClient = (port: number): Effect.Effect<Net.Socket, never, import("effect/Scope").Scope> =>
  Effect.acquireRelease(
    Effect.callback<Net.Socket>((resume) => {
      const socket = Net.connect({ host: "127.0.0.1", port, allowHalfOpen: true })
      socket.on("error", () => {})
      socket.once("connect", () => resume(Effect.succeed(socket)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** Everything `socket` sends until it ends, as a string. */
export const readAll = (socket: Net.Socket): Effect.Effect<string> =>
  Effect.callback<string>((resume) => {
    let text = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      text += chunk
    })
    socket.once("end", () => resume(Effect.succeed(text)))
    socket.once("close", () => resume(Effect.succeed(text)))
  })

export interface LogLine {
  readonly level: string
  readonly message: unknown
  readonly cause: Cause.Cause<unknown>
}

/** A logger layer that records every log line (instead of printing it). */
export const recordLogs = () => {
  const lines: Array<LogLine> = []
  const layer = Logger.layer([
    Logger.make((options) => {
      lines.push({ level: options.logLevel, message: options.message, cause: options.cause })
    })
  ])
  return { lines, layer }
}

/** The file descriptors this process has open. */
export const openFds = (): Set<string> => new Set(readdirSync("/proc/self/fd"))
