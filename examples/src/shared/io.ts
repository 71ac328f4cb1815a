/**
 * What the I/O examples (50–54) share: addresses printed as Python prints them, and a pattern for a port.
 */
import type * as Streams from "@effect-asyncio/node/Streams"

/** A socket address as Python's `repr()`/`str()` of it: `('127.0.0.1', 8888)`, or the path of a Unix socket. */
export const pyAddress = (address: Streams.SocketAddress | undefined): string =>
  address === undefined
    ? "None"
    : typeof address === "string"
      ? `'${address}'`
      : `('${address[0]}', ${address[1]})`

/** The port of a TCP server. */
export const portOf = (server: Streams.Server): number => {
  const address = server.sockets[0].getsockname()
  if (typeof address === "string") throw new Error("not a TCP server")
  return address[1]
}

/** A regular expression source matching a port number, for transcripts (ports are chosen by the system). */
export const PORT = "\\d{2,5}"

/** A transcript line with `{PORT}` standing for any port number (and nothing else special). */
export const withPort = (line: string): RegExp =>
  new RegExp(`^${line.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&").replaceAll("\\{PORT\\}", PORT)}$`)
