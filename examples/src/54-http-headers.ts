/**
 * The asyncio documentation's "Get HTTP headers" example — `print_http_headers(url)`: `open_connection`, a
 * `HEAD` request written by hand, then `readline()` until the end of the stream — ported line by line and
 * pointed at a tiny HTTP/1.0 server on 127.0.0.1 that the program starts first, so the headers are the same on
 * every run. The one change to the documentation's code: the port comes from the URL (`url.port or 80`).
 *
 * ```python
 * reader, writer = await asyncio.open_connection(url.hostname, 80)
 * writer.write(query.encode('latin-1'))
 * while True:
 *     line = await reader.readline()
 *     if not line:
 *         break
 *     line = line.decode('latin1').rstrip()
 *     if line:
 *         print(f'HTTP header> {line}')
 * ```
 *
 * `npm run example -- 54`; its Python original is `python/54-http-headers.py`, compared by
 * `npm run check:python -w examples`.
 */
import * as Streams from "@effect-asyncio/node/Streams"
import * as Effect from "effect/Effect"
import { portOf } from "./shared/io.ts"
import { print } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

const printHttpHeaders = (address: string) =>
  Effect.gen(function* () {
    const url = new URL(address)
    const [reader, writer] =
      url.protocol === "https:"
        ? yield* Streams.openConnection(url.hostname, 443, { ssl: true })
        : yield* Streams.openConnection(url.hostname, Number(url.port || 80))

    const query = `HEAD ${url.pathname || "/"} HTTP/1.0\r\nHost: ${url.hostname}\r\n\r\n`

    yield* writer.write(Buffer.from(query, "latin1"))
    for (;;) {
      const bytes = yield* reader.readline()
      if (bytes.length === 0) break

      const line = bytes.toString("latin1").trimEnd()
      if (line) yield* print(`HTTP header> ${line}`)
    }

    // Ignore the body, close the socket
    yield* writer.close()
    yield* writer.waitClosed()
  }).pipe(Effect.scoped)

const tinyHttp = (reader: Streams.StreamReader, writer: Streams.StreamWriter) =>
  Effect.gen(function* () {
    const request = yield* reader.readuntil("\r\n\r\n")
    const [method, path] = request.toString("latin1").split("\r\n")[0].split(" ")
    yield* print(`server: ${method} ${path}`)
    yield* writer.write(
      "HTTP/1.0 200 OK\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Length: 12\r\n" +
        "Server: tiny-asyncio-streams\r\n" +
        "\r\n"
    )
    yield* writer.drain()
    yield* writer.close()
  })

export const main = Effect.gen(function* () {
  const server = yield* Streams.startServer(tinyHttp, "127.0.0.1", 0)
  yield* printHttpHeaders(`http://127.0.0.1:${portOf(server)}/index.html`)
}).pipe(Effect.scoped)

export const meta: RealTimeMeta = {
  id: "54-http-headers",
  title: "The asyncio documentation's print_http_headers: a HEAD request by hand, readline to the end",
  seed: "003_78a3e24bcb0a1a74.txt",
  section: "Further Reading: Asyncio Streams",
  asyncio: ["open_connection", "StreamReader.readline", "StreamReader.readuntil", "start_server"],
  python: "python/54-http-headers.py",
  checkPython: true,
  tutorialSays: ["Asyncio Streams (Further Reading: the documentation this program comes from)"],
  transcript: [
    "server: HEAD /index.html",
    "HTTP header> HTTP/1.0 200 OK",
    "HTTP header> Content-Type: text/plain; charset=utf-8",
    "HTTP header> Content-Length: 12",
    "HTTP header> Server: tiny-asyncio-streams"
  ],
  elapsed: 0.05,
  notes: [
    "urllib.parse.urlsplit is the WHATWG URL here (its pathname is '/' for an empty path).",
    "readline returns an empty buffer at the end of the stream, as Python's returns b'': the loop is the same."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
