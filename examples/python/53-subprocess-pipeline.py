# Subprocesses: the asyncio documentation's run(cmd) (communicate, returncode), a two-process pipeline joined by
# this program (the first child's stdout read line by line, each line transformed and written to the second
# child's stdin), and a timeout that terminates a slow child.
import asyncio


async def run(cmd):
    proc = await asyncio.create_subprocess_shell(
        cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

    stdout, stderr = await proc.communicate()

    print(f'[{cmd!r} exited with {proc.returncode}]')
    if stdout:
        print(f'[stdout]\n{stdout.decode()}', end='')
    if stderr:
        print(f'[stderr]\n{stderr.decode()}', end='')


async def pipeline():
    numbers = await asyncio.create_subprocess_exec(
        "seq", "1", "5", stdout=asyncio.subprocess.PIPE)
    sort = await asyncio.create_subprocess_exec(
        "sort", "-rn", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    async for line in numbers.stdout:
        n = int(line)
        sort.stdin.write(f"{n * n}\n".encode())
        await sort.stdin.drain()
    sort.stdin.close()
    out, _ = await sort.communicate()
    print(f"seq 1 5 | (n*n) | sort -rn: {out.decode().split()} (exit codes {await numbers.wait()}, {sort.returncode})")


async def slow(timeout):
    proc = await asyncio.create_subprocess_exec("sleep", "10")
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        print(f"sleep 10: no exit after {timeout} s, terminating it")
        proc.terminate()
        print(f"sleep 10: returncode {await proc.wait()}")


async def main():
    await run('echo hello; echo oops >&2; exit 3')
    await pipeline()
    await slow(0.5)


asyncio.run(main())
