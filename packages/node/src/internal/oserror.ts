/**
 * Node's system errors as Python's `OSError` family: the class Python would raise for the errno, Python's errno
 * number and text, and the wording asyncio uses for a failed connect or bind.
 */
import { constants } from "node:os"
import { getSystemErrorMap } from "node:util"
import {
  type AnyOSError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileNotFoundError,
  OSError,
  type OSErrorFields,
  PermissionError
} from "../Errors.ts"

/** An address as Python prints it: `('127.0.0.1', 8888)`, `('::1', 8888, 0, 0)`, `'/tmp/sock'`. */
export const pyAddress = (host: string, port?: number): string =>
  port === undefined
    ? `'${host}'`
    : host.includes(":")
      ? `('${host}', ${port}, 0, 0)`
      : `('${host}', ${port})`

type Make = new (fields: OSErrorFields) => AnyOSError

/** The subclass Python's `OSError(errno, …)` constructor picks for an error code. */
const classes: Readonly<Record<string, Make>> = {
  ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  ECONNABORTED: ConnectionAbortedError,
  EPIPE: BrokenPipeError,
  ESHUTDOWN: BrokenPipeError,
  ENOENT: FileNotFoundError,
  EACCES: PermissionError,
  EPERM: PermissionError
}

interface NodeSystemError {
  readonly code?: unknown
  readonly errno?: unknown
  readonly message?: unknown
  readonly address?: unknown
  readonly port?: unknown
  readonly errors?: unknown
}

const errnos: Readonly<Record<string, number>> = constants.errno

let systemErrors: Map<number, [string, string]> | undefined

/** The libuv text for an errno, with Python's capital ("connection refused" → "Connection refused"). */
const strerrorOf = (errno: number): string => {
  systemErrors ??= getSystemErrorMap()
  const text = systemErrors.get(-errno)?.[1] ?? `errno ${errno}`
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** An error of the family with the given code (or none), errno text and message. */
export const makeOSError = (
  code: string | undefined,
  strerror: string,
  options?: { readonly cause?: unknown; readonly filename?: string | undefined; readonly errno?: number }
): AnyOSError => {
  const errno = options?.errno ?? (code === undefined ? undefined : errnos[code])
  const Class = (code === undefined ? undefined : classes[code]) ?? OSError
  const message = errno === undefined ? strerror : `[Errno ${errno}] ${strerror}`
  return new Class({
    message: options?.filename === undefined ? message : `${message}: '${options.filename}'`,
    errno,
    strerror,
    code,
    filename: options?.filename,
    cause: options?.cause
  })
}

/** asyncio's "the connection was lost" (`ConnectionResetError('Connection lost')`, no errno). */
export const connectionLost = (): AnyOSError =>
  new ConnectionResetError({
    message: "Connection lost",
    errno: undefined,
    strerror: "Connection lost",
    code: undefined
  })

/**
 * What went wrong in a call, in Python's terms:
 * - `connect`: asyncio's `Connect call failed ('127.0.0.1', 9)`; several failed addresses (Node's
 *   `AggregateError` from trying IPv6 and IPv4) give Python's `Multiple exceptions: …` `OSError`, unless they all
 *   say the same;
 * - `bind`: asyncio's `error while attempting to bind on address (…): address already in use`;
 * - `file`: `[Errno 2] No such file or directory: 'name'`;
 * - otherwise the errno's text (`[Errno 104] Connection reset by peer`).
 */
export const toOSError = (
  error: unknown,
  context?:
    | { readonly _tag: "connect"; readonly host: string; readonly port?: number | undefined }
    | { readonly _tag: "bind"; readonly host: string; readonly port?: number | undefined }
    | { readonly _tag: "file"; readonly filename: string }
): AnyOSError => {
  const e: NodeSystemError = typeof error === "object" && error !== null ? error : {}
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const all = e.errors.map((inner: unknown) => toOSError(inner, context))
    if (all.every((x) => x.message === all[0].message)) return all[0]
    return makeOSError(undefined, `Multiple exceptions: ${all.map((x) => x.message).join(", ")}`, {
      cause: error
    })
  }
  const code = typeof e.code === "string" ? e.code : undefined
  const errno = code === undefined ? undefined : errnos[code]
  const fallback = typeof e.message === "string" ? e.message : String(error)
  if (errno === undefined) return makeOSError(code, fallback, { cause: error })
  switch (context?._tag) {
    case "connect": {
      const host = typeof e.address === "string" ? e.address : context.host
      const port = typeof e.port === "number" ? e.port : context.port
      return makeOSError(code, `Connect call failed ${pyAddress(host, port)}`, { cause: error })
    }
    case "bind":
      return makeOSError(
        code,
        `error while attempting to bind on address ${pyAddress(context.host, context.port)}: ${strerrorOf(errno).toLowerCase()}`,
        { cause: error }
      )
    case "file":
      return makeOSError(code, strerrorOf(errno), { cause: error, filename: context.filename })
    default:
      return makeOSError(code, strerrorOf(errno), { cause: error })
  }
}
