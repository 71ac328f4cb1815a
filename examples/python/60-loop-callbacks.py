# The asyncio documentation's low-level event loop examples, "Hello World with call_soon()" and "Display the
# current date with call_later()" (https://docs.python.org/3/library/asyncio-eventloop.html#examples), with the
# loop's own clock (seconds since the start) instead of the date, so that every run prints the same; then a
# callback-style library — a sensor that reports each reading by calling a function — whose callback starts a task
# per reading with loop.create_task.
import asyncio


def hello_world(loop):
    """A callback to print 'Hello World' and stop the event loop"""
    print('Hello World')
    loop.stop()


def display_date(end_time, loop):
    print(f"{loop.time() - start:.1f}s")
    if (loop.time() + 1.0) < end_time:
        loop.call_later(1, display_date, end_time, loop)
    else:
        loop.stop()


class Sensor:
    """A callback-style library: every 0.5 s it calls on_reading(value) with the next reading."""

    def __init__(self, loop, readings, on_reading):
        self.loop = loop
        self.readings = list(readings)
        self.on_reading = on_reading
        loop.call_later(0.5, self._next)

    def _next(self):
        self.on_reading(self.readings.pop(0))
        if self.readings:
            self.loop.call_later(0.5, self._next)


async def store(value):
    await asyncio.sleep(0.3)
    print(f"stored {value}")


async def collect(loop):
    tasks = []

    def on_reading(value):  # called by the library, outside any task
        print(f"reading {value}")
        tasks.append(loop.create_task(store(value)))

    Sensor(loop, [21.5, 22.25, 22.75], on_reading)
    await asyncio.sleep(2)
    await asyncio.gather(*tasks)
    print(f"{len(tasks)} readings stored")


loop = asyncio.new_event_loop()
start = loop.time()

# Schedule a call to hello_world()
loop.call_soon(hello_world, loop)

# Blocking call interrupted by loop.stop()
loop.run_forever()

# Schedule the first call to display_date()
end_time = loop.time() + 5.0
loop.call_soon(display_date, end_time, loop)

# Blocking call interrupted by loop.stop()
loop.run_forever()

loop.run_until_complete(collect(loop))
loop.close()
