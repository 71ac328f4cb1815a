/**
 * The implementation of `Streams.ts` (loaded on first use): connecting, and the server.
 *
 * Sockets are opened and listened on with `node:net`/`node:tls`, read by `reader.ts` and written by
 * `connection.ts`. The server is written over `node:net` rather than `@effect/platform-node`'s
 * `NodeSocketServer`, whose handlers are root fibers it forks (not tasks the server owns) and whose only way to
 * stop listening is to end its scope, which waits for every connection to end; see docs/io.md.
 */

import { statSync, unlinkSync } from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { type CancelReason, RuntimeError, TypeError, ValueError } from "@effect-asyncio/core/Errors"
import * as Loop from "@effect-asyncio/core/Loop"
import { allTasks, cancelUnsafe, createTask, currentTask, type Task } from "@effect-asyncio/core/Task"
import { show } from "@effect-asyncio/core/Validate"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import type { AnyOSError } from "../Errors.ts"
import type {
  ConnectionHandler,
  OpenConnectionOptions,
  OpenUnixConnectionOptions,
  Server,
  ServerSocket,
  SocketAddress,
  StartServerOptions,
  StreamReader,
  StreamWriter
} from "../Streams.ts"
import { type Kind, wrapSocket } from "./connection.ts"
import { toOSError } from "./oserror.ts"
import { checkLimit } from "./reader.ts"

type Pair = readonly [StreamReader, StreamWriter]

/** Misuse found before anything is opened: a defect. */
const check = (ok: boolean, error: () => TypeError | ValueError): void => {
  if (!ok) throw error()
}

const checkPort = (what: string, port: unknown): number => {
  check(
    typeof port === "number" && Number.isInteger(port),
    () => new TypeError(`${what}: port must be an integer, got ${show(port)}`)
  )
  const n = port as number
  check(n >= 0 && n <= 65535, () => new ValueError(`${what}: port must be 0-65535, got ${n}`))
  return n
}

const checkString = (what: string, name: string, value: unknown): string => {
  check(
    typeof value === "string" && value.length > 0,
    () => new TypeError(`${what}: ${name} must be a non-empty string, got ${show(value)}`)
  )
  return value as string
}

/**
 * Connects the socket `make()` creates and resolves when `event` fires. Interrupted while connecting, the socket
 * is destroyed. Its error listener stays for the socket's life (an `error` without one throws in Node); the
 * `Connection` records errors from then on.
 */
const connect = (
  make: () => Net.Socket,
  event: "connect" | "secureConnect",
  context: Parameters<typeof toOSError>[1]
): Effect.Effect<Net.Socket, AnyOSError> =>
  Effect.callback<Net.Socket, AnyOSError>((resume) => {
    let done = false
    const socket = make()
    socket.on("error", (error) => {
      if (done) return
      done = true
      socket.destroy()
      resume(Effect.fail(toOSError(error, context)))
    })
    socket.once(event, () => {
      if (done) return
      done = true
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => {
      done = true
      socket.destroy()
    })
  })

/** Connects, then wraps the socket in the current scope, with no interruption in between. */
const open = (
  connecting: Effect.Effect<Net.Socket, AnyOSError>,
  kind: Kind,
  limit: number,
  names: { readonly peername?: SocketAddress; readonly sockname?: SocketAddress }
): Effect.Effect<Pair, AnyOSError, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(connecting), (socket) => wrapSocket(socket, kind, limit, names, scope))
    )
  )

export const openConnection = (
  host: string,
  port: number,
  options: OpenConnectionOptions | undefined
): Effect.Effect<Pair, AnyOSError, Scope.Scope> =>
  Effect.suspend(() => {
    checkString("openConnection()", "host", host)
    checkPort("openConnection()", port)
    const limit = checkLimit("openConnection()", options?.limit)
    const delay = options?.happyEyeballsDelay
    check(
      delay === undefined || (typeof delay === "number" && delay > 0),
      () =>
        new ValueError(
          `openConnection(): happyEyeballsDelay must be a positive number of seconds, got ${show(delay)}`
        )
    )
    const base: Net.TcpNetConnectOpts = {
      host,
      port,
      noDelay: true,
      allowHalfOpen: true,
      // asyncio tries the addresses one after the other; with happy_eyeballs_delay, staggered.
      autoSelectFamily: true,
      autoSelectFamilyAttemptTimeout: delay === undefined ? 2 ** 31 - 1 : Math.max(10, delay * 1000),
      ...(options?.family === undefined ? {} : { family: options.family }),
      ...(options?.localAddr === undefined
        ? {}
        : { localAddress: options.localAddr[0], localPort: options.localAddr[1] })
    }
    const ssl = options?.ssl
    if (ssl === undefined) {
      return open(
        connect(() => Net.connect(base), "connect", { _tag: "connect", host, port }),
        "tcp",
        limit,
        {}
      )
    }
    const tls: Tls.ConnectionOptions = {
      ...base,
      servername: options?.serverHostname ?? (Net.isIP(host) === 0 ? host : undefined),
      ...(ssl === true ? {} : ssl)
    }
    return open(
      connect(() => Tls.connect(tls), "secureConnect", { _tag: "connect", host, port }),
      "tls",
      limit,
      {}
    )
  })

export const openUnixConnection = (
  path: string,
  options: OpenUnixConnectionOptions | undefined
): Effect.Effect<Pair, AnyOSError, Scope.Scope> =>
  Effect.suspend(() => {
    checkString("openUnixConnection()", "path", path)
    const limit = checkLimit("openUnixConnection()", options?.limit)
    return open(
      connect(() => Net.createConnection({ path, allowHalfOpen: true }), "connect", undefined),
      "unix",
      limit,
      { peername: path, sockname: "" }
    )
  })

// ---------------------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------------------

export type Listen =
  | { readonly _tag: "tcp"; readonly host: string | undefined; readonly port: number }
  | { readonly _tag: "unix"; readonly path: string }

/** Listens; fails as asyncio's `create_server` does when it cannot bind. */
const listen = (
  net: Net.Server,
  where: Listen,
  options: StartServerOptions | undefined
): Effect.Effect<void, AnyOSError> =>
  Effect.callback<void, AnyOSError>((resume) => {
    const backlog = options?.backlog ?? 100
    const onError = (error: Error) =>
      resume(
        Effect.fail(
          where._tag === "tcp"
            ? toOSError(error, { _tag: "bind", host: where.host ?? "::", port: where.port })
            : toOSError(error, { _tag: "bind", host: where.path })
        )
      )
    net.once("error", onError)
    const listening = () => {
      net.off("error", onError)
      resume(Effect.void)
    }
    if (where._tag === "unix") {
      net.listen({ path: where.path, backlog }, listening)
    } else {
      net.listen(
        {
          port: where.port,
          backlog,
          ...(where.host === undefined ? {} : { host: where.host }),
          ...(where.host === undefined && options?.family === 4 ? { host: "0.0.0.0" } : {}),
          ...(where.host === undefined && options?.family === 6 ? { host: "::", ipv6Only: true } : {}),
          ...(options?.reusePort === true ? { reusePort: true } : {})
        },
        listening
      )
    }
    return Effect.sync(() => {
      net.off("error", onError)
      net.close()
    })
  })

/** asyncio removes a stale socket file before binding a Unix server. */
const removeStaleSocket = (path: string): void => {
  try {
    if (statSync(path).isSocket()) unlinkSync(path)
  } catch {
    // nothing there, or not ours to remove: listen reports it
  }
}

type State = "idle" | "serving" | "closed"

class ServerImpl implements Server {
  private state: State = "idle"
  private readonly net: Net.Server
  private readonly name: string
  private readonly address: SocketAddress
  /** Every socket accepted and not closed yet, raw (before TLS) included: aborted once the handlers are done. */
  private readonly open = new Set<Net.Socket>()
  private readonly accepted: Queue.Queue<Net.Socket>
  private readonly serving = Latch.makeUnsafe(false)
  private readonly closeCalled = Deferred.makeUnsafe<void>()
  private readonly listenerClosed = Deferred.makeUnsafe<void>()
  private readonly loop: Context.Context<never>
  private servingForever = false

  constructor(
    net: Net.Server,
    name: string,
    address: SocketAddress,
    accepted: Queue.Queue<Net.Socket>,
    loop: Context.Context<never>
  ) {
    this.net = net
    this.name = name
    this.address = address
    this.accepted = accepted
    this.loop = loop
    net.on("connection", (socket: Net.Socket) => {
      this.open.add(socket)
      socket.once("close", () => this.open.delete(socket))
      // An error before a handler has the socket (a reset during a TLS handshake) must not throw.
      socket.on("error", () => {})
    })
    net.once("close", () => Deferred.doneUnsafe(this.listenerClosed, Effect.void))
  }

  get sockets(): ReadonlyArray<ServerSocket> {
    if (this.state === "closed") return []
    const address = this.address
    return [{ getsockname: () => address }]
  }

  /** A connection ready for its handler (after the TLS handshake for a TLS server). */
  readonly dispatch = (socket: Net.Socket): void => {
    if (this.state === "closed") socket.destroy()
    else Queue.offerUnsafe(this.accepted, socket)
  }

  isServing(): Effect.Effect<boolean> {
    return Effect.sync(() => this.state === "serving")
  }

  startServing(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.state !== "idle") return
      this.state = "serving"
      this.serving.openUnsafe()
    })
  }

  serveForever(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.state === "closed")
        return Effect.die(new RuntimeError(`serveForever(): ${this.name} is closed`))
      if (this.servingForever) {
        return Effect.die(new RuntimeError(`serveForever(): ${this.name} is already being served forever`))
      }
      this.servingForever = true
      return Effect.andThen(this.startServing(), Deferred.await(this.closeCalled)).pipe(
        Effect.onInterrupt(() => Effect.andThen(this.close(), this.waitClosed())),
        Effect.ensuring(
          Effect.sync(() => {
            this.servingForever = false
          })
        )
      )
    })
  }

  close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.state === "closed") return Effect.void
      this.state = "closed"
      this.net.close()
      Deferred.doneUnsafe(this.closeCalled, Effect.void)
      const reason: CancelReason = { kind: "shutdown", detail: `${this.name} was closed` }
      return Effect.map(this.tasks, (tasks) => {
        for (const task of tasks) cancelUnsafe(task, reason)
      })
    })
  }

  /** The tasks the server owns that are not done: the acceptor, the handlers and the tasks they created. */
  private get tasks(): Effect.Effect<ReadonlySet<Task<unknown, unknown>>> {
    return Effect.provideContext(allTasks, this.loop)
  }

  waitClosed(): Effect.Effect<void> {
    return Effect.andThen(
      Deferred.await(this.closeCalled),
      Effect.suspend(() => this.drainTasks())
    ).pipe(
      Effect.andThen(
        Effect.sync(() => {
          // A handler's connection closes once its bytes are sent; one that cannot send them is aborted here.
          for (const socket of this.open) socket.destroy()
        })
      ),
      Effect.andThen(Deferred.await(this.listenerClosed))
    )
  }

  /** Cancels and awaits the server's tasks, round after round (clean-up may create tasks). */
  private drainTasks(): Effect.Effect<void> {
    return Effect.flatMap(Effect.zip(this.tasks, currentTask), ([all, me]) => {
      // A handler waiting for its own server would wait for itself (close() has cancelled it anyway).
      const tasks = Array.from(all).filter((task) => task !== me)
      if (tasks.length === 0) return Effect.void
      const reason: CancelReason = { kind: "shutdown", detail: `${this.name} was closed` }
      for (const task of tasks) cancelUnsafe(task, reason)
      return Effect.forEach(tasks, (task) => this.reportLate(task), { discard: true }).pipe(
        Effect.andThen(Effect.suspend(() => this.drainTasks()))
      )
    })
  }

  /** Waits for a cancelled task; an error it raised while being cancelled is reported like a handler's. */
  private reportLate(task: Task<unknown, unknown>): Effect.Effect<void> {
    return Effect.flatMap(Fiber.await(task.fiber), (exit) => {
      if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) return Effect.void
      return reportHandlerError(
        task.name,
        Cause.fromReasons(exit.cause.reasons.filter((reason) => reason._tag !== "Interrupt"))
      )
    })
  }

  /** The acceptor: takes each accepted connection and starts its handler as a task of the server's loop. */
  acceptor<E, R>(handler: ConnectionHandler<E, R>, kind: Kind, limit: number, unixPath: string | undefined) {
    const spawn = (socket: Net.Socket) => {
      const peer =
        unixPath === undefined ? `${socket.remoteAddress}:${socket.remotePort}` : `${unixPath} client`
      const names = unixPath === undefined ? {} : { peername: "", sockname: unixPath }
      const body = Effect.scoped(
        Effect.flatMap(Effect.scope, (scope) =>
          Effect.flatMap(wrapSocket(socket, kind, limit, names, scope), ([reader, writer]) =>
            handler(reader, writer)
          )
        )
      ).pipe(
        // asyncio's server reports a failed handler and keeps serving; a cancelled one just ends.
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.flatMap(currentTask, (task) => reportHandlerError(task?.name ?? peer, cause))
        )
      )
      return createTask(body, { name: `handler ${peer}` })
    }
    return Effect.andThen(
      this.serving.await,
      Effect.forever(Effect.flatMap(Queue.take(this.accepted), spawn))
    )
  }
}

const reportHandlerError = (task: string, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Effect.logError("Unhandled exception in client_connected_cb", cause).pipe(Effect.annotateLogs({ task }))

export const startServer = <E, R>(
  handler: ConnectionHandler<E, R>,
  where: Listen,
  options: StartServerOptions | undefined
): Effect.Effect<Server, AnyOSError, Scope.Scope | R> =>
  Effect.suspend(() => {
    const what = where._tag === "tcp" ? "startServer()" : "startUnixServer()"
    check(
      typeof handler === "function",
      () => new TypeError(`${what}: the handler must be a function, got ${show(handler)}`)
    )
    if (where._tag === "tcp") {
      check(
        where.host === undefined || typeof where.host === "string",
        () => new TypeError(`${what}: host must be a string or undefined, got ${show(where.host)}`)
      )
      checkPort(what, where.port)
    } else {
      checkString(what, "path", where.path)
    }
    const limit = checkLimit(what, options?.limit)
    const backlog = options?.backlog
    check(
      backlog === undefined || (Number.isInteger(backlog) && backlog > 0),
      () => new ValueError(`${what}: backlog must be a positive integer, got ${show(backlog)}`)
    )
    const ssl = options?.ssl
    const kind: Kind = ssl !== undefined ? "tls" : where._tag
    const serverOptions = { allowHalfOpen: true, noDelay: true }
    const net =
      ssl === undefined ? Net.createServer(serverOptions) : Tls.createServer({ ...ssl, ...serverOptions })
    if (where._tag === "unix") removeStaleSocket(where.path)
    return Effect.gen(function* () {
      const outer = yield* Scope.Scope
      yield* listen(net, where, options)
      const info = net.address()
      const address: SocketAddress =
        typeof info === "string" || info === null
          ? where._tag === "unix"
            ? where.path
            : ""
          : [info.address, info.port]
      const name = `Server(${typeof address === "string" ? address : `${address[0]}:${address[1]}`})`
      // asyncio logs the errors of accept() and keeps listening; Node throws an `error` nobody listens to.
      net.on("error", () => {})
      const scope = yield* Scope.fork(outer)
      const loop = yield* Layer.buildWithScope(Loop.layer({ name }), scope)
      const accepted = yield* Queue.unbounded<Net.Socket>()
      const server = new ServerImpl(net, name, address, accepted, loop)
      if (ssl === undefined) net.on("connection", server.dispatch)
      else net.on("secureConnection", server.dispatch)
      yield* Scope.addFinalizer(scope, Effect.andThen(server.close(), server.waitClosed()))
      yield* Effect.provideContext(
        createTask(server.acceptor(handler, kind, limit, where._tag === "unix" ? where.path : undefined), {
          name: `${name} acceptor`
        }),
        loop
      )
      if (options?.startServing !== false) yield* server.startServing()
      return server
    }).pipe(Effect.onError(() => Effect.sync(() => net.close())))
  })
