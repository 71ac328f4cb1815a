# Request/reply by id with futures, the pattern at the heart of RPC and protocol clients (a database driver, a
# websocket RPC, a Redis client): every request gets an id and a future kept in a table; one reader task reads the
# replies and completes the future with the same id; each caller awaits its own future, with a timeout. The
# "server" answers out of order, after a delay that depends on the method, and one answer comes too late: the
# caller has given up (wait_for cancelled its future), so the reader drops it.
import asyncio


class Connection:
    """Two queues standing for a socket: requests go out, replies come back."""

    def __init__(self):
        self.outgoing = asyncio.Queue()
        self.incoming = asyncio.Queue()


async def server(conn):
    delays = {"ping": 0.2, "add": 0.5, "slow": 3.0}

    async def answer(request_id, method, args):
        await asyncio.sleep(delays[method])
        result = "pong" if method == "ping" else sum(args) if method == "add" else "finally"
        await conn.incoming.put((request_id, result))

    answering = set()
    while True:
        request_id, method, args = await conn.outgoing.get()
        task = asyncio.create_task(answer(request_id, method, args))
        answering.add(task)
        task.add_done_callback(answering.discard)


class Client:
    def __init__(self, conn, loop):
        self.conn = conn
        self.loop = loop
        self.next_id = 0
        self.pending = {}  # request id -> future
        self.reader = loop.create_task(self.read_replies())

    async def read_replies(self):
        while True:
            request_id, result = await self.conn.incoming.get()
            fut = self.pending.pop(request_id)
            if fut.done():
                print(f"<- #{request_id} {result!r} dropped: its caller gave up (cancelled: {fut.cancelled()})")
                continue
            print(f"<- #{request_id} {result!r}")
            fut.set_result(result)

    async def call(self, method, *args, timeout=1.0):
        self.next_id += 1
        request_id = self.next_id
        fut = self.loop.create_future()
        self.pending[request_id] = fut
        await self.conn.outgoing.put((request_id, method, args))
        print(f"-> #{request_id} {method}({', '.join(map(str, args))})")
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return f"#{request_id} timed out"


async def main():
    loop = asyncio.get_running_loop()
    conn = Connection()
    asyncio.create_task(server(conn))
    client = Client(conn, loop)
    results = await asyncio.gather(
        client.call("add", 1, 2),
        client.call("ping"),
        client.call("slow"),
        client.call("add", 40, 2),
    )
    print(f"results: {results}")
    await asyncio.sleep(2.5)
    print(f"requests still pending: {len(client.pending)}")


asyncio.run(main())
