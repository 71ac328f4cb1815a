# The asyncio documentation's "Get HTTP headers" example (print_http_headers), unchanged, pointed at a tiny
# HTTP/1.0 server on 127.0.0.1 that this program starts first (so that the headers are the same on every run).
import asyncio
import urllib.parse


async def print_http_headers(url):
    url = urllib.parse.urlsplit(url)
    if url.scheme == 'https':
        reader, writer = await asyncio.open_connection(
            url.hostname, 443, ssl=True)
    else:
        reader, writer = await asyncio.open_connection(
            url.hostname, url.port or 80)

    query = (
        f"HEAD {url.path or '/'} HTTP/1.0\r\n"
        f"Host: {url.hostname}\r\n"
        f"\r\n"
    )

    writer.write(query.encode('latin-1'))
    while True:
        line = await reader.readline()
        if not line:
            break

        line = line.decode('latin1').rstrip()
        if line:
            print(f'HTTP header> {line}')

    # Ignore the body, close the socket
    writer.close()
    await writer.wait_closed()


async def tiny_http(reader, writer):
    request = await reader.readuntil(b"\r\n\r\n")
    method, path, _ = request.decode("latin-1").split("\r\n")[0].split(" ")
    print(f"server: {method} {path}")
    writer.write(
        b"HTTP/1.0 200 OK\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 12\r\n"
        b"Server: tiny-asyncio-streams\r\n"
        b"\r\n"
    )
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(tiny_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await print_http_headers(f"http://127.0.0.1:{port}/index.html")


asyncio.run(main())
