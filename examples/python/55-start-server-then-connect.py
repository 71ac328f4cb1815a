# tg.start()'s canonical use, "start a server, get its port, then connect", as asyncio writes it: the server task
# resolves a future with its port once it listens, and main awaits the future before it connects. Trio's
# nursery.start / AnyIO's TaskGroup.start do this in one call (effect-asyncio: tg.start). The server is stopped by
# cancelling its task (3.15: tg.cancel()).
import asyncio


async def shout(reader, writer):
    line = (await reader.readline()).decode().strip()
    print(f"server: got {line!r}")
    writer.write(f"{line.upper()}\n".encode())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def serve(ready):
    try:
        server = await asyncio.start_server(shout, '127.0.0.1', 0)
        print("server: listening")
        ready.set_result(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()
    finally:
        print("server: closed")


async def main():
    async with asyncio.TaskGroup() as tg:
        print("main: starting the server")
        ready = asyncio.get_running_loop().create_future()
        server_task = tg.create_task(serve(ready), name="server")
        port = await ready
        print(f"main: the server is ready on port {port}")

        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(b"hello\n")
        await writer.drain()
        print("client: sent 'hello'")
        answer = (await reader.readline()).decode().strip()
        print(f"client: got {answer!r}")
        writer.close()
        await writer.wait_closed()

        print("main: stopping the server")
        server_task.cancel()
    print("main: done")


asyncio.run(main())
