# The asyncio documentation's "TCP echo server using streams" and "TCP echo client using streams"
# (https://docs.python.org/3/library/asyncio-stream.html#examples), in one program: the server listens on a free
# port instead of 8888, the client talks to it, then the server is closed. Lines say who prints them.
import asyncio


async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info('peername')

    print(f"server: Received {message!r} from {addr!r}")

    print(f"server: Send: {message!r}")
    writer.write(data)
    await writer.drain()

    print("server: Close the connection")
    writer.close()
    await writer.wait_closed()


async def tcp_echo_client(message, port):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)

    print(f'client: Send: {message!r}')
    writer.write(message.encode())
    await writer.drain()

    data = await reader.read(100)
    print(f'client: Received: {data.decode()!r}')

    print('client: Close the connection')
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle_echo, '127.0.0.1', 0)

    addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
    print(f'server: Serving on {addrs}')

    async with server:
        await tcp_echo_client('Hello World!', server.sockets[0].getsockname()[1])
    print('server: closed')


asyncio.run(main())
