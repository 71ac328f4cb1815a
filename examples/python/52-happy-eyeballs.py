# Happy eyeballs by hand: connect to the first of several addresses that answers, starting the next attempt
# 0.25 s after the previous one (or at once when one fails), with asyncio.staggered.staggered_race (the
# function behind open_connection(happy_eyeballs_delay=...)). "Answers" means: sends its greeting line.
# Three local addresses: a server that greets after 1 s, a port where nothing listens, a server that greets at once.
import asyncio
import time
from asyncio.staggered import staggered_race


def greeter(greeting, delay):
    async def handle(reader, writer):
        if delay > 0:
            try:
                await asyncio.wait_for(reader.read(), delay)
                writer.close()  # the client went away before the greeting
                return
            except TimeoutError:
                pass
        writer.write(f"{greeting}\n".encode())
        await writer.drain()
        writer.close()
    return handle


async def free_port():
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


async def main():
    slow = await asyncio.start_server(greeter("hello from the slow server", 1.0), "127.0.0.1", 0)
    fast = await asyncio.start_server(greeter("hello from the fast server", 0), "127.0.0.1", 0)
    closed = await free_port()
    ports = [slow.sockets[0].getsockname()[1], closed, fast.sockets[0].getsockname()[1]]
    names = ["slow", "closed", "fast"]
    start = time.monotonic()

    def attempt(i):
        async def connect():
            print(f"attempt {i}: connecting to the {names[i]} address")
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", ports[i])
            except OSError as e:
                print(f"attempt {i}: {type(e).__name__}")
                raise
            try:
                greeting = (await reader.readline()).decode().strip()
            except asyncio.CancelledError:
                print(f"attempt {i}: cancelled, closing its connection")
                writer.close()
                raise
            print(f"attempt {i}: {greeting!r}")
            return writer
        return connect

    async with slow, fast:
        writer, index, exceptions = await staggered_race([attempt(i) for i in range(3)], 0.25)
        elapsed = time.monotonic() - start
        print(f"winner: attempt {index} ({names[index]}) after {elapsed:.2f} s")
        print("exceptions: " + ", ".join("None" if e is None else type(e).__name__ for e in exceptions))
        writer.close()


asyncio.run(main())
