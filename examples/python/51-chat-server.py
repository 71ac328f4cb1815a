# A multi-client chat server with per-client idle timeouts: every line a client sends goes to the others;
# a client that says nothing for IDLE seconds is told so and disconnected (asyncio.wait_for around readline).
# Three scripted clients show it: alice (whose screen we print), bob (goes quiet), carol (leaves).
import asyncio

IDLE = 1  # seconds; a real server would say 60

clients = {}  # name -> writer


def broadcast(sender, text):
    for name, writer in clients.items():
        if name != sender:
            writer.write(f"{text}\n".encode())


async def handle_client(reader, writer):
    name = (await reader.readline()).decode().strip()
    clients[name] = writer
    print(f"server: {name} joined")
    broadcast(name, f"* {name} joined")
    try:
        while True:
            try:
                line = await asyncio.wait_for(reader.readline(), IDLE)
            except TimeoutError:
                print(f"server: {name} was idle for {IDLE} s: disconnected")
                writer.write(f"bye {name}, you were idle for {IDLE} s\n".encode())
                broadcast(name, f"* {name} left (idle)")
                break
            if not line:
                print(f"server: {name} left")
                broadcast(name, f"* {name} left")
                break
            broadcast(name, f"{name}: {line.decode().strip()}")
    finally:
        del clients[name]
        writer.close()


async def client(port, name, script, show):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{name}\n".encode())

    async def say():
        for delay, text in script:
            await asyncio.sleep(delay)
            if text is None:
                writer.close()
                return
            writer.write(f"{text}\n".encode())

    talking = asyncio.create_task(say())
    async for line in reader:
        if show:
            print(f"{name} got: {line.decode().strip()}")
    if show:
        print(f"{name}: the server closed the connection")
    await talking
    writer.close()


async def main():
    server = await asyncio.start_server(handle_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"chat: serving on {server.sockets[0].getsockname()}; idle timeout {IDLE} s")
    async with server:
        alice = asyncio.create_task(client(port, "alice", [(0.5, "anyone there?")], True))
        await asyncio.sleep(0.1)
        bob = asyncio.create_task(client(port, "bob", [(0.1, "hello")], False))
        await asyncio.sleep(0.2)
        carol = asyncio.create_task(client(port, "carol", [(0.1, "hi all"), (0.2, None)], False))
        await asyncio.gather(alice, bob, carol)
    print("chat: server closed")


asyncio.run(main())
