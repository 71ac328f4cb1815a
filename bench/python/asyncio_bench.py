"""asyncio versions of the bench workloads, for `npm run bench` (bench/run.ts).

Usage: python3 asyncio_bench.py WORKLOAD N RUNS WARMUP_N

Runs one workload inside a single `asyncio.run`: warm-up repetitions at WARMUP_N (untimed), then RUNS timed
repetitions at N with `gc.collect()` before each. Only the workload is timed (coroutine creation included,
interpreter start-up and imports excluded). Prints one JSON object on stdout:

  {"workload", "n", "times_ms": [...], "cpu_ms": [...], "rss_base_mib", "rss_peak_mib", "python"}

`cpu_ms` is the process CPU time (time.process_time) of each timed repetition.

`rss_base_mib` is the RSS before the warm-up; `rss_peak_mib` is the process's peak RSS (ru_maxrss) at the end,
so the difference is the peak growth caused by the workload.
"""

import asyncio
import gc
import json
import os
import platform
import resource
import sys
import time


async def ret(i):
    return i


async def yld(i):
    await asyncio.sleep(0)
    return i


async def gather(n):
    return sum(await asyncio.gather(*[ret(i) for i in range(n)]))


async def gather_sleep0(n):
    return sum(await asyncio.gather(*[yld(i) for i in range(n)]))


async def as_completed(n):
    s = 0
    for f in asyncio.as_completed([yld(i) for i in range(n)]):
        s += await f
    return s


class _Stop(Exception):
    pass


async def taskgroup_cancel(n):
    # N tasks blocked on their own never-set future, each counting itself and adding its index in `finally`; the
    # body yields once (the children start and block), then raises, which makes the group cancel its children.
    loop = asyncio.get_running_loop()
    state = [0, 0]

    async def blocked(i):
        try:
            await loop.create_future()
        finally:
            state[0] += 1
            state[1] += i

    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(n):
                tg.create_task(blocked(i))
            await asyncio.sleep(0)
            raise _Stop
    except BaseExceptionGroup as eg:  # noqa: F821 (3.11+)
        rest = eg.split(_Stop)[1]
        if rest is not None:
            raise rest
    if state[0] != n:
        raise SystemExit(f"{state[0]} of {n} finalizers ran")
    return state[1]


async def taskgroup_gather(n):
    async with asyncio.TaskGroup() as tg:
        ts = [tg.create_task(ret(i)) for i in range(n)]
    return sum(t.result() for t in ts)


async def _with_permit(sem, i):
    async with sem:
        await asyncio.sleep(0)
    return i


async def semaphore(n):
    sem = asyncio.Semaphore(100)
    return sum(await asyncio.gather(*[_with_permit(sem, i) for i in range(n)]))


async def _with_lock(lock, i):
    async with lock:
        await asyncio.sleep(0)
    return i


async def lock(n):
    lk = asyncio.Lock()
    return sum(await asyncio.gather(*[_with_lock(lk, i) for i in range(n)]))


async def _consume(q):
    s = 0
    while True:
        item = await q.get()
        if item is None:
            return s
        s += item


async def queue(n):
    # one producer, 4 consumers, 4 sentinels (3.11 has no Queue.shutdown)
    q = asyncio.Queue(100)
    consumers = [asyncio.create_task(_consume(q)) for _ in range(4)]
    for i in range(n):
        await q.put(i)
    for _ in range(4):
        await q.put(None)
    return sum(await asyncio.gather(*consumers))


# --- streams over loopback TCP (echo-1k, echo-64k, bulk: see bench/workloads/io.ts) -------------------------

_CONNECTIONS = 100
_CHUNK = 64 * 1024


async def _echo_handler(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()


async def _echo(n, size):
    server = await asyncio.start_server(_echo_handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    message = b"x" * size
    rounds = n // _CONNECTIONS

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(rounds):
            writer.write(message)
            await writer.drain()
            await reader.readexactly(size)
        writer.close()
        await writer.wait_closed()
        return rounds

    done = await asyncio.gather(*[client() for _ in range(_CONNECTIONS)])
    server.close()
    await server.wait_closed()
    return sum(done)


async def echo_1k(n):
    return await _echo(n, 1024)


async def echo_64k(n):
    return await _echo(n, 64 * 1024)


async def bulk(n):
    async def count(reader, writer):
        total = 0
        while True:
            data = await reader.read(_CHUNK)
            if not data:
                break
            total += len(data)
        writer.write(str(total).encode())
        writer.close()

    server = await asyncio.start_server(count, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    chunk = b"x" * _CHUNK
    for _ in range(n):
        writer.write(chunk)
        await writer.drain()
    writer.write_eof()
    total = int(await reader.read())
    writer.close()
    server.close()
    await server.wait_closed()
    return total // _CHUNK


WORKLOADS = {
    "gather": gather,
    "gather_sleep0": gather_sleep0,
    "as_completed": as_completed,
    "taskgroup_cancel": taskgroup_cancel,
    "taskgroup_gather": taskgroup_gather,
    "semaphore": semaphore,
    "lock": lock,
    "queue": queue,
    "echo_1k": echo_1k,
    "echo_64k": echo_64k,
    "bulk": bulk,
}

# The checksum of each workload for n (default: 0 + 1 + ... + n - 1); the I/O workloads count what they did.
EXPECTED = {"echo_1k": lambda n: n, "echo_64k": lambda n: n, "bulk": lambda n: n}


def current_rss_mib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def main(name, n, runs, warmup_n):
    work = WORKLOADS[name]
    expected = EXPECTED.get(name, lambda n: n * (n - 1) // 2)(n)
    gc.collect()
    base = current_rss_mib()
    if warmup_n > 0:
        for _ in range(2):
            await work(warmup_n)
    times = []
    cpu = []
    for _ in range(runs):
        gc.collect()
        cpu_start = time.process_time()
        start = time.perf_counter()
        got = await work(n)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
        if got != expected:
            raise SystemExit(f"wrong checksum for {name} n={n}: {got} != {expected}")
    return {
        "workload": name,
        "n": n,
        "times_ms": times,
        "cpu_ms": cpu,
        "rss_base_mib": base,
        "rss_peak_mib": peak_rss_mib(),
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    name, n, runs, warmup_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if name not in WORKLOADS:
        raise SystemExit(f"unknown workload {name}; known: {', '.join(WORKLOADS)}")
    print(json.dumps(asyncio.run(main(name, n, runs, warmup_n))))
