/**
 * The entry point of every worker thread of the thread pool: receives a {@link CallMessage}, imports the module
 * (cached by the module loader after the first call), calls the export and posts a {@link ReplyMessage}.
 *
 * Node runs this file directly (type stripping, no build step, no Vitest transform), so it imports nothing but
 * Node built-ins and types.
 */
import { parentPort } from "node:worker_threads"
import type { CallMessage, ReplyMessage, SerializedError } from "./protocol.ts"

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

const port = parentPort
if (port === null) throw new Error("effect-asyncio: worker.ts must run in a worker thread")

const handle = async (call: CallMessage): Promise<ReplyMessage> => {
  const { id, module, name } = call
  let exports: unknown
  try {
    exports = await import(module)
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

port.on("message", (call: CallMessage) => {
  void handle(call).then((reply) => {
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
