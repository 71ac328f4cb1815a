/**
 * The program every worker thread of the thread pool runs: it receives a {@link CallMessage}, imports the module
 * (cached by the module loader after the first call), calls the export and posts a {@link ReplyMessage}. A
 * function that asks for its cancel signal (`cancelSignal()`) makes the worker post `Asked`; a
 * {@link CancelMessage} then aborts the signal, and the reply is posted when the function settles.
 *
 * The pool starts a worker from this function's **source text** (`new Worker(source, { eval: true })`), not from a
 * file: a file next to the library's code cannot be found once an application is bundled (esbuild, Rollup,
 * webpack), while a string travels inside the bundle. So {@link workerMain} must be self-contained: it may use
 * nothing from this module's scope, its imports included — only its parameter and globals. Type-only imports are
 * fine (they vanish at compile time).
 */
import type { MessagePort } from "node:worker_threads"
import type { CallMessage, CancelMessage, ReplyMessage, RequestMessage, SerializedError } from "./protocol.ts"

/**
 * The worker's program: answers the calls arriving on `port`, loading modules with `load`. Self-contained (see the
 * module comment). `load` is `(specifier) => import(specifier)`, written in {@link workerSource} rather than here:
 * tools that compile this file (Vite, bundlers) rewrite a dynamic `import()` into a helper of their own, which would
 * not exist in the worker.
 */
export const workerMain = (
  port: MessagePort,
  load: (specifier: string) => Promise<unknown>,
  asked: Int32Array | undefined
): void => {
  const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

  const cloneable = (value: unknown): boolean => {
    try {
      structuredClone(value)
      return true
    } catch {
      return false
    }
  }

  const serialize = (thrown: unknown, depth = 0): SerializedError => {
    if (!(thrown instanceof Error)) {
      return {
        isError: false,
        name: thrown === null ? "null" : typeof thrown,
        message: String(thrown),
        stack: undefined,
        data: {},
        value: cloneable(thrown) ? thrown : String(thrown),
        cause: undefined
      }
    }
    const data: Record<string, unknown> = {}
    for (const key of Object.keys(thrown)) {
      if (key === "cause" || key === "stack" || key === "message") continue
      const value: unknown = Reflect.get(thrown, key)
      if (cloneable(value)) data[key] = value
    }
    const cause =
      isRecord(thrown) && "cause" in thrown && depth < 4 ? serialize(thrown.cause, depth + 1) : undefined
    return {
      isError: true,
      name: thrown.name,
      message: thrown.message,
      stack: thrown.stack,
      data,
      value: undefined,
      cause
    }
  }

  const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

  /** The running call: its cancel signal, and whether the function asked for it. */
  let current: { readonly id: number; readonly controller: AbortController; asked: boolean } | undefined
  // What `cancelSignal()` calls (the key is `cancelSignalKey` of protocol.ts, spelt out: this function imports
  // nothing). Outside a call it gives `undefined`.
  Reflect.set(globalThis, Symbol.for("@effect-asyncio/node/cancelSignal"), (): AbortSignal | undefined => {
    if (current === undefined) return undefined
    if (!current.asked) {
      current.asked = true
      // A worker thread says so in memory shared with the pool (seen at once); a process, in a message.
      if (asked !== undefined) Atomics.store(asked, 0, current.id | 0)
      else port.postMessage({ _tag: "Asked", id: current.id } satisfies ReplyMessage)
    }
    return current.controller.signal
  })

  const cancel = (message: CancelMessage): void => {
    // A call that already settled has its reply on the way: the pool reads that.
    if (current !== undefined && current.id === message.id) current.controller.abort()
  }

  const handle = async (call: CallMessage): Promise<ReplyMessage> => {
    const { id, module, name } = call
    current = { id, controller: new AbortController(), asked: false }
    let exports: unknown
    try {
      exports = await load(module)
    } catch (error) {
      return {
        _tag: "Misuse",
        id,
        kind: "load",
        message: `cannot load ${module}: ${describe(error)}`,
        error: serialize(error)
      }
    }
    const fn: unknown = isRecord(exports) ? exports[name] : undefined
    if (typeof fn !== "function") {
      return {
        _tag: "Misuse",
        id,
        kind: "export",
        message: `${module} has no exported function ${JSON.stringify(name)} (found ${typeof fn})`,
        error: undefined
      }
    }
    try {
      const value: unknown = await Reflect.apply(fn, undefined, call.args)
      return { _tag: "Success", id, value }
    } catch (error) {
      return { _tag: "Threw", id, error: serialize(error) }
    }
  }

  port.on("message", (message: RequestMessage) => {
    if (message._tag === "Cancel") return cancel(message)
    const call = message
    void handle(call).then((reply) => {
      current = undefined
      try {
        port.postMessage(reply)
      } catch (error) {
        port.postMessage({
          _tag: "Misuse",
          id: call.id,
          kind: "result",
          message: `the result of ${call.name} cannot be sent back to the main thread: ${describe(error)}`,
          error: undefined
        } satisfies ReplyMessage)
      }
    })
  })
}

/**
 * The code a worker thread is started with (`eval: true`, so CommonJS: `require` is there), with the flag the pool
 * shares with it in `workerData.asked`. A worker started outside the pool has no `parentPort`; that cannot happen
 * here.
 */
export const workerSource = `(({ parentPort, workerData }) => (${workerMain.toString()})(parentPort, (specifier) => import(specifier), new Int32Array(workerData.asked)))(require("node:worker_threads"))`
