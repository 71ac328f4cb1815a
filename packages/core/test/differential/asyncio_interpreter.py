"""The asyncio side of the differential harness (docs/differential.md).

Reads programs of the harness's little language (JSON, one per line, see program.ts) on stdin, runs each on
CPython's asyncio with a virtual clock, and writes one JSON line per program: its transcript, a list of
``[time, label, event]`` (time ``None`` for lines that belong to no instant: deadlock, never-retrieved reports).

Only the standard library of python3 >= 3.11 is used. The clock is virtual: the event loop is asyncio's own
``SelectorEventLoop`` with a selector that performs no I/O and, when the loop would block, moves the loop's
time to the next timer instead (``select(timeout)`` advances the clock by ``timeout``). Everything else --
the ready queue, the timer heap, tasks, futures, gather, shield, wait, as_completed, locks, queues -- is
CPython's code.

Where the library follows a newer Python than this interpreter runs on, the newer behaviour is emulated here,
in code of our own written from CPython's documentation (https://docs.python.org/3/library/asyncio.html) and
the newer ``Lib/asyncio/`` sources (CPython 3.13 is the library's target):

* ``Task.uncancel()`` clears a pending cancellation when the count reaches 0 (3.13);
* ``wait_for`` is a ``timeout()`` scope around the awaitable, run inline in the caller's task (3.12);
* ``timeout()`` converts only when the cancel count is back to the level recorded at entry (3.12);
* ``TaskGroup`` re-arms an outside cancellation when it raises an ExceptionGroup (3.13) and has ``cancel()``
  (3.15-dev); its children are kept in creation order (CPython keeps them in a ``set``, so the order in
  which an abort cancels them follows object addresses -- not reproducible run to run);
* ``Queue.shutdown()`` / ``QueueShutDown`` (3.13);
* ``Condition.wait()`` passes a notification on when it is left by an exception (3.13);
* ``asyncio.run``'s shutdown cancels leftover tasks in creation order (CPython iterates a weak set) -- one
  round, as ``asyncio.run`` does;
* ``as_completed`` over coroutines: their tasks are created in argument order (CPython iterates a set).

Knobs (per request, for classifying differences -- see classes.ts): ``timers`` = ``"asyncio"`` (the real
heap: timers due at the same instant run in one iteration, in ``heapq`` order, which is not first-in first-out
for four or more equal deadlines), ``"fifo"`` (the same, ties broken by scheduling order), or ``"settle"``
(one due timer at a time, only when nothing else is ready -- what effect's ``TestClock.adjust`` does);
and any of the ``knobs``: ``"eager"`` (the callbacks of a finished task, gather, wait, shield, as_completed go to
the front of the ready queue, depth first -- what effect's synchronous fiber observers do), ``"now"`` (a
cancelled task takes its next step before the work already ready), ``"late"`` (a timeout's timer is set one
step after the scope is entered), ``"selfcancel"`` (a task's cancellation of itself lands at its next
statement rather than its next suspension).
"""

import asyncio
import asyncio.tasks
import collections
import gc
import heapq
import json
import logging
import re
import selectors
import sys
import traceback
import warnings

logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
warnings.simplefilter("ignore")


# ------------------------------------------------------------------------------------------------------------
# The virtual clock
# ------------------------------------------------------------------------------------------------------------


class Deadlock(Exception):
    """Raised out of the loop when nothing is ready and no timer is left."""


class VirtualSelector(selectors._BaseSelectorImpl):
    """A selector with no I/O: a blocking ``select`` moves the virtual clock instead of waiting."""

    def __init__(self, loop_ref):
        super().__init__()
        self.now = 0.0
        self.loop_ref = loop_ref

    def select(self, timeout=None):
        loop = self.loop_ref()
        if loop.timers == "settle":
            if timeout == 0:
                return []
            handle = loop.pop_settle_timer()
            if handle is None:
                loop.deadlock()
                return []
            self.now = max(self.now, handle._when)
            loop._ready.append(handle)
            return []
        if timeout is None:
            loop.deadlock()
            return []
        if timeout > 0:
            self.now += timeout
        return []


class StableTimerHandle(asyncio.TimerHandle):
    """A timer ordered by (deadline, scheduling order): equal deadlines leave the heap first in, first out."""

    __slots__ = ("_seq",)

    def __lt__(self, other):
        return (self._when, self._seq) < (other._when, other._seq)

    def __le__(self, other):
        return (self._when, self._seq) <= (other._when, other._seq)

    def __gt__(self, other):
        return (self._when, self._seq) > (other._when, other._seq)

    def __ge__(self, other):
        return (self._when, self._seq) >= (other._when, other._seq)


class ReadyQueue(collections.deque):
    """The loop's ready queue, with an insertion point at its front for the knobs that run work "at once": work
    put there during one callback runs in the order it was put, before what was already ready, and before the
    rest of what the previous callback put there (depth first, as nested effect fibers run)."""

    front = 0

    def popleft(self):
        self.front = 0
        return super().popleft()

    def put_front(self, handles):
        for i, handle in enumerate(handles):
            self.insert(self.front + i, handle)
        self.front += len(handles)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self, timers="asyncio", knobs=()):
        import weakref

        self.timers = timers
        self.eager = "eager" in knobs
        self.cancel_now = "now" in knobs
        self.late_deadlines = "late" in knobs
        self.self_cancel_at_once = "selfcancel" in knobs
        self._seq = 0
        self._settle = []  # (when, seq, handle) heap for the "settle" knob
        self.on_deadlock = None
        super().__init__(VirtualSelector(weakref.ref(self)))
        self._clock_resolution = 1e-9
        self._ready = ReadyQueue()

    def time(self):
        return self._selector.now

    def deadlock(self):
        """Nothing is ready and no timer is left: let ``on_deadlock`` break it (once), else give up."""
        handler, self.on_deadlock = self.on_deadlock, None
        if handler is None or not handler():
            raise Deadlock()

    def call_at(self, when, callback, *args, context=None):
        if self.timers == "asyncio":
            return super().call_at(when, callback, *args, context=context)
        self._check_closed()
        if self.timers == "settle" and when <= self.time():
            # effect's TestClock does not register a sleep that is already due: it returns at once.
            return self.call_soon(callback, *args, context=context)
        self._seq += 1
        handle = StableTimerHandle(when, callback, args, self, context)
        handle._seq = self._seq
        if self.timers == "fifo":
            heapq.heappush(self._scheduled, handle)
            handle._scheduled = True
        else:
            heapq.heappush(self._settle, (when, self._seq, handle))
        return handle

    def create_future(self):
        future = Future(loop=self)
        future._eager = _eager_capable(sys._getframe(1))
        return future

    def call_front(self, calls):
        """Puts callbacks at the front of the ready queue, in order (the ``eager`` wake-up knob)."""
        self._ready.put_front([asyncio.Handle(fn, args, self, context) for fn, args, context in calls])

    def promote(self, task):
        """Moves the pending steps of ``task`` to the front of the ready queue (the ``now`` knob)."""
        mine = [h for h in self._ready if getattr(h._callback, "__self__", None) is task]
        if not mine:
            return
        for h in mine:
            index = self._ready.index(h)
            if index < self._ready.front:
                self._ready.front -= 1
            del self._ready[index]
        self._ready.put_front(mine)

    def pop_settle_timer(self):
        while self._settle:
            _, _, handle = heapq.heappop(self._settle)
            if not handle._cancelled:
                return handle
        return None


# ------------------------------------------------------------------------------------------------------------
# Newer-Python behaviour the library follows (our own code, from CPython's documentation and sources)
# ------------------------------------------------------------------------------------------------------------


def _eager_capable(frame):
    """Whether a future created by ``frame``'s function stands for something effect resumes synchronously: a
    task's end, gather, wait, shield, as_completed, a task group's exit -- not a primitive's waiter (Lock,
    Event, Condition, Semaphore, Barrier, the program's queues) and not a sleep, which effect-asyncio wakes
    through the scheduler."""
    code = frame.f_code
    if code.co_filename.endswith("locks.py"):
        return False
    if code.co_name == "sleep" and code.co_filename.endswith("tasks.py"):
        return False
    if code.co_filename == __file__ and code.co_name in ("get", "put", "wait"):
        return False
    return True


class EagerCallbacks:
    """With the ``eager`` wake-up knob, the callbacks of a finished future of this kind go to the front of the
    ready queue (depth first), so what waits on it runs before the work already ready -- as an effect fiber's
    observers run the moment it ends and a joiner resumes at once."""

    _eager = True

    def _Future__schedule_callbacks(self):
        # ``now``: a cancelled future (a task's cancel() or a pending cancellation delivered at a suspension)
        # wakes its task first, as an interrupted effect fiber is resumed at once.
        front = (self._eager and self._loop.eager) or (self._loop.cancel_now and self.cancelled())
        if not front:
            return super()._Future__schedule_callbacks()
        callbacks = self._callbacks[:]
        if not callbacks:
            return
        self._callbacks[:] = []
        self._loop.call_front([(fn, (self,), context) for fn, context in callbacks])

    def add_done_callback(self, fn, *, context=None):
        if self._eager and self._loop.eager and self.done():
            self._loop.call_front([(fn, (self,), context)])
        else:
            super().add_done_callback(fn, context=context)


class Future(EagerCallbacks, asyncio.futures._PyFuture):
    """asyncio's pure-Python Future (the loop's ``create_future``), eager or not per ``_eager_capable``."""


class GatheringFuture(EagerCallbacks, asyncio.futures._PyFuture):
    """The future ``gather`` returns, as asyncio's ``_GatheringFuture``: cancelling it cancels the children."""

    def __init__(self, children, *, loop):
        super().__init__(loop=loop)
        self._children = children
        self._cancel_requested = False

    def cancel(self, msg=None):
        if self.done():
            return False
        cancelled = False
        for child in self._children:
            if child.cancel(msg=msg):
                cancelled = True
        if cancelled:
            self._cancel_requested = True
        return cancelled


asyncio.tasks._GatheringFuture = GatheringFuture


class Task(EagerCallbacks, asyncio.tasks._PyTask):
    """asyncio's pure-Python Task with 3.13's ``uncancel()``: reaching 0 also drops a pending cancellation.

    With the ``now`` knob, a cancelled task takes its next step before the work already ready (what effect does:
    an interrupted fiber runs its clean-up at once)."""

    def cancel(self, msg=None):
        requested = super().cancel(msg)
        if requested and self._loop.cancel_now:
            self._loop.promote(self)
        return requested

    def uncancel(self):
        if self._num_cancels_requested > 0:
            self._num_cancels_requested -= 1
            if self._num_cancels_requested == 0:
                self._must_cancel = False
        return self._num_cancels_requested


class Timeout:
    """``asyncio.timeout`` as of 3.12: the scope records the task's cancel count at entry and converts its own
    expiry into TimeoutError only when ``uncancel()`` brings the count back to that level."""

    def __init__(self, when):
        self._when = when
        self._state = "created"
        self._handle = None
        self._task = None
        self._entry_count = 0

    def when(self):
        return self._when

    def expired(self):
        return self._state in ("expiring", "expired")

    def reschedule(self, when):
        if self._state != "active":
            raise RuntimeError(f"Cannot change state of {self._state} Timeout")
        self._when = when
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if when is not None:
            loop = asyncio.get_running_loop()
            if when <= loop.time():
                self._handle = loop.call_soon(self._fire)
            elif getattr(loop, "late_deadlines", False):
                # The ``late`` knob: the timer is set one step later (effect-asyncio's timer is a forked fiber).
                self._handle = loop.call_soon(self._arm, when)
            else:
                self._handle = loop.call_at(when, self._fire)

    async def __aenter__(self):
        if self._state != "created":
            raise RuntimeError("Timeout has already been entered")
        self._task = asyncio.current_task()
        self._entry_count = self._task.cancelling()
        self._state = "active"
        self.reschedule(self._when)
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._state == "expiring":
            self._state = "expired"
            if self._task.uncancel() <= self._entry_count and isinstance(exc, asyncio.CancelledError):
                raise TimeoutError from exc
        elif self._state == "active":
            self._state = "finished"
        return None

    def _arm(self, when):
        self._handle = asyncio.get_running_loop().call_at(when, self._fire)

    def _fire(self):
        self._handle = None
        self._task.cancel()
        self._state = "expiring"


def timeout(delay):
    loop = asyncio.get_running_loop()
    return Timeout(None if delay is None else loop.time() + delay)


def timeout_at(when):
    return Timeout(when)


async def wait_for(aw, delay):
    """``asyncio.wait_for`` as of 3.12: a timeout scope around ``await aw`` in the calling task."""
    if delay is None:
        return await aw
    if delay <= 0:
        fut = asyncio.ensure_future(aw)
        if fut.done():
            return fut.result()
        fut.cancel()
        # Wait until it has finished, whatever happens to us meanwhile (CPython's _cancel_and_wait).
        while not fut.done():
            try:
                await asyncio.wait([fut])
            except asyncio.CancelledError:
                pass
        try:
            return fut.result()
        except asyncio.CancelledError as exc:
            raise TimeoutError from exc
    async with timeout(delay):
        return await aw


class OrderedTaskSet:
    """A set that iterates in insertion order."""

    def __init__(self):
        self._d = {}

    def add(self, x):
        self._d[x] = None

    def discard(self, x):
        self._d.pop(x, None)

    def __iter__(self):
        return iter(list(self._d))

    def __len__(self):
        return len(self._d)

    def __bool__(self):
        return bool(self._d)


class TaskGroup:
    """``asyncio.TaskGroup`` as documented for 3.13 (https://docs.python.org/3/library/asyncio-task.html#task-groups),
    with 3.15-dev's ``cancel()`` (the group exits without CancelledError). Children are cancelled in creation
    order. Whether a CancelledError is the group's own is decided against the parent's cancel count at entry, as
    ``timeout()`` does, so that nested groups each absorb their own ``cancel()``."""

    def __init__(self):
        self._entered = False
        self._exiting = False
        self._aborting = False
        self._loop = None
        self._parent = None
        self._parent_cancel_requested = False
        self._cancel_on_enter = False
        self._tasks = OrderedTaskSet()
        self._errors = []
        self._done_waiter = None

    async def __aenter__(self):
        if self._entered:
            raise RuntimeError("TaskGroup has already been entered")
        self._entered = True
        self._loop = asyncio.get_running_loop()
        self._parent = asyncio.current_task()
        self._entry_cancelling = self._parent.cancelling()
        if self._cancel_on_enter:
            self.cancel()
        return self

    def create_task(self, coro, *, name=None):
        if not self._entered:
            coro.close()
            raise RuntimeError("TaskGroup has not been entered")
        if self._exiting and not self._tasks:
            coro.close()
            raise RuntimeError("TaskGroup is finished")
        if self._aborting:
            coro.close()
            raise RuntimeError("TaskGroup is shutting down")
        task = self._loop.create_task(coro, name=name)
        task.add_done_callback(self._on_done)
        self._tasks.add(task)
        return task

    def cancel(self):
        if not self._entered:
            self._cancel_on_enter = True
            return
        if self._exiting and not self._tasks:
            return
        if not self._aborting:
            self._abort()
        if not self._parent_cancel_requested:
            self._parent_cancel_requested = True
            self._parent.cancel()

    def _abort(self):
        self._aborting = True
        for task in self._tasks:
            if not task.done():
                task.cancel()

    def _on_done(self, task):
        self._tasks.discard(task)
        if self._done_waiter is not None and not self._tasks and not self._done_waiter.done():
            self._done_waiter.set_result(True)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self._errors.append(exc)
        if self._parent.done():
            return
        if not self._aborting and not self._parent_cancel_requested:
            self._abort()
            self._parent_cancel_requested = True
            self._parent.cancel()

    async def __aexit__(self, et, exc, tb):
        self._exiting = True
        propagate = exc if isinstance(exc, asyncio.CancelledError) else None
        if et is not None and not self._aborting:
            self._abort()
        while self._tasks:
            self._done_waiter = self._loop.create_future()
            try:
                await self._done_waiter
            except asyncio.CancelledError as e:
                if not self._aborting:
                    propagate = e
                    self._abort()
            self._done_waiter = None
        if self._parent_cancel_requested:
            # The group's own request is withdrawn; only requests made before the group was entered remain
            # (the entry level, as timeout() records it since 3.12): then the CancelledError is the group's.
            if self._parent.uncancel() <= self._entry_cancelling:
                propagate = None
        if propagate is not None and not self._errors:
            raise propagate
        if et is not None and not isinstance(exc, asyncio.CancelledError):
            self._errors.append(exc)
        if self._errors:
            if self._parent.cancelling() > 0:
                # 3.13: an outside cancellation is re-armed for the next await after the group.
                self._parent.uncancel()
                self._parent.cancel()
            errors = self._errors
            self._errors = None
            raise BaseExceptionGroup("unhandled errors in a TaskGroup", errors) from None
        # The body's CancelledError was the group's own (``cancel()``): the group exits normally.
        return isinstance(exc, asyncio.CancelledError)


class QueueShutDown(Exception):
    pass


class ShutdownMixin:
    """Queue.shutdown() of 3.13 on top of 3.11's queues."""

    _is_shutdown = False

    async def put(self, item):
        while self.full():
            if self._is_shutdown:
                raise QueueShutDown
            putter = self._get_loop().create_future()
            self._putters.append(putter)
            try:
                await putter
            except BaseException:
                putter.cancel()
                try:
                    self._putters.remove(putter)
                except ValueError:
                    pass
                if not self.full() and not putter.cancelled():
                    self._wakeup_next(self._putters)
                raise
        return self.put_nowait(item)

    def put_nowait(self, item):
        if self._is_shutdown:
            raise QueueShutDown
        return super().put_nowait(item)

    async def get(self):
        while self.empty():
            if self._is_shutdown:
                raise QueueShutDown
            getter = self._get_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                try:
                    self._getters.remove(getter)
                except ValueError:
                    pass
                if not self.empty() and not getter.cancelled():
                    self._wakeup_next(self._getters)
                raise
        return self.get_nowait()

    def get_nowait(self):
        if self.empty() and self._is_shutdown:
            raise QueueShutDown
        return super().get_nowait()

    def shutdown(self, immediate=False):
        self._is_shutdown = True
        if immediate:
            while not self.empty():
                self._get()
                if self._unfinished_tasks > 0:
                    self._unfinished_tasks -= 1
            if self._unfinished_tasks == 0:
                self._finished.set()
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)
        while self._putters:
            putter = self._putters.popleft()
            if not putter.done():
                putter.set_result(None)


class Queue(ShutdownMixin, asyncio.Queue):
    pass


class PriorityQueue(ShutdownMixin, asyncio.PriorityQueue):
    pass


class LifoQueue(ShutdownMixin, asyncio.LifoQueue):
    pass


class Condition(asyncio.Condition):
    """3.13's ``wait()``: the lock is always re-acquired, and a wait left by an exception passes a notification
    on to another waiter."""

    async def wait(self):
        if not self.locked():
            raise RuntimeError("cannot wait on un-acquired lock")
        self.release()
        try:
            try:
                fut = self._get_loop().create_future()
                self._waiters.append(fut)
                try:
                    await fut
                    return True
                finally:
                    self._waiters.remove(fut)
            finally:
                error = None
                while True:
                    try:
                        await self.acquire()
                        break
                    except asyncio.CancelledError as e:
                        error = e
                if error is not None:
                    raise error
        except BaseException:
            self._notify_one_more()
            raise

    def _notify_one_more(self):
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(False)
                return


# ------------------------------------------------------------------------------------------------------------
# The interpreter
# ------------------------------------------------------------------------------------------------------------


class Err(Exception):
    pass


def fmt(v):
    """The transcript's rendering of a value (shared with the TypeScript side: format.ts)."""
    if v is None:
        return "None"
    if v is True:
        return "True"
    if v is False:
        return "False"
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    if isinstance(v, Err):
        return f"Err({v.args[0]!r})"
    if isinstance(v, asyncio.CancelledError):
        return f"CancelledError({v.args[0]!r})" if v.args else "CancelledError()"
    if isinstance(v, BaseExceptionGroup):
        return "ExceptionGroup[" + ", ".join(fmt(x) for x in v.exceptions) + "]"
    if isinstance(v, BaseException):
        return type(v).__name__ + "()"
    return repr(v)


def cancel_text(e):
    return f"cancelled({e.args[0]!r})" if e.args and e.args[0] is not None else "cancelled()"


class Run:
    def __init__(self, program, loop):
        self.program = program
        self.loop = loop
        self.lines = []
        self.closed = False
        self.handles = {}
        self.instances = collections.Counter()
        self.counters = [0] * program.get("counters", 0)
        self.start = loop.time()
        kinds = {"Queue": Queue, "PriorityQueue": PriorityQueue, "LifoQueue": LifoQueue}
        self.queues = [kinds[q["kind"]](q["maxsize"]) for q in program.get("queues", [])]
        self.locks = [asyncio.Lock() for _ in range(program.get("locks", 0))]
        self.events = [asyncio.Event() for _ in range(program.get("events", 0))]
        self.conds = [Condition() for _ in range(program.get("conds", 0))]
        self.sems = [asyncio.Semaphore(v) for v in program.get("sems", [])]
        self.barriers = [asyncio.Barrier(n) for n in program.get("barriers", [])]

    def rec(self, label, event, timeless=False):
        if self.closed:
            return
        t = None if timeless else round(self.loop.time() - self.start, 6)
        self.lines.append([t, label, event])

    def instance(self, name):
        self.instances[name] += 1
        n = self.instances[name]
        return name if n == 1 else f"{name}#{n}"

    # -- bodies ---------------------------------------------------------------------------------------------

    async def body(self, label, block, ctx):
        """A task's or coroutine's body: prints start, its statements, and how it ended."""
        self.rec(label, "start")
        try:
            await self.block(block, dict(ctx, label=label))
            self.deliver_self_cancel()
        except asyncio.CancelledError as e:
            self.rec(label, cancel_text(e))
            raise
        except BaseException as e:
            self.rec(label, f"raised {fmt(e)}")
            raise
        self.rec(label, "return")
        return label

    def spawn(self, name, block, ctx):
        label = self.instance(name)
        task = self.loop.create_task(self.body(label, block, ctx), name=label)
        self.handles[name] = task
        return task

    def target(self, t, ctx):
        """An awaitable argument: an existing task, a new coroutine, or a task created on the spot."""
        if t["kind"] == "ref":
            return self.handles.get(t["ref"])
        if t["kind"] == "coro":
            return self.body(self.instance(t["name"]), t["body"], ctx)
        return self.spawn(t["name"], t["body"], ctx)

    def deliver_self_cancel(self):
        """The ``selfcancel`` knob: a cancellation the current task requested of itself lands at the next statement
        (an effect fiber's interruption lands at its next step), not at the next suspension."""
        if not self.loop.self_cancel_at_once:
            return
        task = asyncio.current_task()
        if task is not None and task._must_cancel:
            task._must_cancel = False
            raise asyncio.CancelledError(*(() if task._cancel_message is None else (task._cancel_message,)))

    async def block(self, stmts, ctx):
        for s in stmts:
            self.deliver_self_cancel()
            await self.stmt(s, ctx)

    async def stmt(self, s, ctx):
        op = s["op"]
        label = ctx["label"]

        def rec(label, event):
            # What a statement prints after it ran: with ``selfcancel``, a cancellation of the current task
            # lands first (an effect fiber's interruption lands at its next step).
            self.deliver_self_cancel()
            self.rec(label, event)

        if op == "print":
            rec(label, s["text"])
        elif op == "sleep":
            await asyncio.sleep(s["d"])
        elif op == "spawn":
            self.spawn(s["name"], s["body"], ctx)
        elif op == "await":
            task = self.handles.get(s["ref"])
            if task is None:
                rec(label, f"await {s['ref']} -> missing")
                return
            v = await task
            rec(label, f"await {s['ref']} -> {fmt(v)}")
        elif op == "cancel":
            task = self.handles.get(s["ref"])
            if task is None:
                rec(label, f"cancel {s['ref']} -> missing")
                return
            r = task.cancel(s["msg"]) if s.get("msg") is not None else task.cancel()
            rec(label, f"cancel {s['ref']} -> {fmt(r)}")
        elif op == "raise":
            raise Err(s["msg"])
        elif op == "try":
            try:
                await self.block(s["body"], ctx)
            except Exception as e:
                rec(label, f"caught {fmt(e)}")
                await self.block(s["handler"], ctx)
        elif op == "finally":
            try:
                await self.block(s["body"], ctx)
            finally:
                await self.block(s["cleanup"], ctx)
        elif op == "onCancel":
            try:
                await self.block(s["body"], ctx)
            except asyncio.CancelledError as e:
                rec(label, f"caught {cancel_text(e)}")
                await self.block(s["handler"], ctx)
                if not s["swallow"]:
                    raise
                rec(label, "swallowed")
        elif op == "gather":
            aws = [self.target(t, ctx) for t in s["items"]]
            aws = [a for a in aws if a is not None]
            r = await asyncio.gather(*aws, return_exceptions=s["returnExceptions"])
            rec(label, f"gather -> {fmt(list(r))}")
        elif op == "asCompleted":
            aws = []
            for t in s["items"]:
                a = self.target(t, ctx)
                if a is not None:
                    aws.append(a)
            # as_completed makes tasks of coroutines in set order (object addresses); here in argument order.
            aws = [self.loop.create_task(a) if asyncio.iscoroutine(a) else a for a in aws]
            for f in asyncio.as_completed(aws, timeout=s["timeout"]):
                try:
                    v = await f
                    rec(label, f"next -> {fmt(v)}")
                except Exception as e:
                    rec(label, f"next raised {fmt(e)}")
        elif op == "wait":
            tasks = [self.handles[r] for r in s["refs"] if r in self.handles]
            if not tasks:
                rec(label, "wait -> nothing")
                return
            names = {t: t.get_name() for t in tasks}
            done, pending = await asyncio.wait(tasks, timeout=s["timeout"], return_when=s["returnWhen"])
            d = sorted(names[t] for t in done)
            p = sorted(names[t] for t in pending)
            rec(label, f"wait -> done={d} pending={p}".replace("'", ""))
        elif op == "waitFor":
            aw = self.target(s["item"], ctx)
            if aw is None:
                rec(label, "waitFor -> missing")
                return
            v = await wait_for(aw, s["timeout"])
            rec(label, f"waitFor -> {fmt(v)}")
        elif op == "timeout":
            if s["at"]:
                cm = timeout_at(None if s["delay"] is None else self.loop.time() + s["delay"])
            else:
                cm = timeout(s["delay"])
            async with cm:
                await self.block(s["body"], dict(ctx, scope=cm))
            rec(label, f"timeout exit expired={cm.expired()}")
        elif op == "reschedule":
            scope = ctx.get("scope")
            scope.reschedule(None if s["delay"] is None else self.loop.time() + s["delay"])
        elif op == "shield":
            aw = self.target(s["item"], ctx)
            if aw is None:
                rec(label, "shield -> missing")
                return
            v = await asyncio.shield(aw)
            rec(label, f"shield -> {fmt(v)}")
        elif op == "taskGroup":
            async with TaskGroup() as tg:
                await self.block(s["body"], dict(ctx, group=tg))
            rec(label, "taskGroup exit")
        elif op == "tgSpawn":
            tg = ctx["group"]
            name = self.instance(s["name"])
            task = tg.create_task(self.body(name, s["body"], ctx), name=name)
            self.handles[s["name"]] = task
        elif op == "tgCancel":
            ctx["group"].cancel()
        elif op == "put":
            q = self.queues[s["q"]]
            if s["nowait"]:
                q.put_nowait(s["item"])
            else:
                await q.put(s["item"])
            rec(label, f"put {s['item']}")
        elif op == "get":
            q = self.queues[s["q"]]
            v = q.get_nowait() if s["nowait"] else await q.get()
            rec(label, f"got {fmt(v)}")
        elif op == "taskDone":
            self.queues[s["q"]].task_done()
        elif op == "join":
            await self.queues[s["q"]].join()
            rec(label, f"joined Q{s['q']}")
        elif op == "shutdown":
            self.queues[s["q"]].shutdown(s["immediate"])
        elif op == "withLock":
            async with self.locks[s["lock"]]:
                rec(label, f"acquired L{s['lock']}")
                await self.block(s["body"], ctx)
        elif op == "set":
            self.events[s["event"]].set()
        elif op == "clear":
            self.events[s["event"]].clear()
        elif op == "waitEvent":
            await self.events[s["event"]].wait()
            rec(label, f"event E{s['event']}")
        elif op == "withCond":
            async with self.conds[s["cond"]]:
                rec(label, f"acquired C{s['cond']}")
                await self.block(s["body"], ctx)
        elif op == "condWait":
            await self.conds[s["cond"]].wait()
            rec(label, f"notified C{s['cond']}")
        elif op == "notify":
            c = self.conds[s["cond"]]
            if s["n"] == 0:
                c.notify_all()
            else:
                c.notify(s["n"])
        elif op == "condWaitFor":
            c, k, v = s["cond"], s["counter"], s["value"]
            await self.conds[c].wait_for(lambda: self.counters[k] >= v)
            rec(label, f"waited C{c}")
        elif op == "incr":
            self.counters[s["counter"]] += 1
        elif op == "show":
            rec(label, f"x{s['counter']} = {self.counters[s['counter']]}")
        elif op == "withSem":
            async with self.sems[s["sem"]]:
                rec(label, f"acquired S{s['sem']}")
                await self.block(s["body"], ctx)
        elif op == "barrierWait":
            i = await self.barriers[s["barrier"]].wait()
            rec(label, f"barrier B{s['barrier']} -> {i}")
        elif op == "barrierAbort":
            await self.barriers[s["barrier"]].abort()
        elif op == "barrierReset":
            await self.barriers[s["barrier"]].reset()
        elif op == "loop":
            for _ in range(s["times"]):
                await self.block(s["body"], ctx)
        else:
            raise ValueError(f"unknown op {op}")


def run_program(program, timers="asyncio", knobs=()):
    loop = VirtualLoop(timers, knobs)
    loop.set_task_factory(lambda loop, coro, **kw: Task(coro, loop=loop, **kw))
    reports = []

    def on_exception(loop, context):
        reports.append(context)

    loop.set_exception_handler(on_exception)
    asyncio.set_event_loop(loop)
    run = Run(program, loop)
    created = []
    factory = loop.get_task_factory()

    def numbered(loop, coro, **kw):
        task = factory(loop, coro, **kw)
        created.append(task)
        return task

    loop.set_task_factory(numbered)
    deadlocked = False
    try:
        main = loop.create_task(run.body("main", program["main"], {"label": "main"}), name="main")

        def break_deadlock():
            # The first time everything is stuck while main runs, main is cancelled (as Ctrl-C would).
            if main.done():
                return False
            run.rec("-", "deadlock: main cancelled")
            main.cancel("deadlock")
            return True

        loop.on_deadlock = break_deadlock
        try:
            loop.run_until_complete(main)
        except Deadlock:
            deadlocked = True
        except BaseException:
            pass
        if deadlocked:
            run.rec("-", "deadlock", timeless=True)
            run.closed = True
        # asyncio.run's shutdown: cancel what is left (one round), wait, report errors raised meanwhile.
        leftovers = [t for t in created if not t.done()]
        for t in leftovers:
            t.cancel()
        if leftovers:
            try:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            except Deadlock:
                if not run.closed:
                    run.rec("-", "deadlock", timeless=True)
                    run.closed = True
            for t in leftovers:
                if t.done() and not t.cancelled() and t.exception() is not None:
                    run.rec("run", f"shutdown error {t.get_name()}: {fmt(t.exception())}")
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Deadlock:
            pass
    finally:
        run.closed = True
        loop.close()
        asyncio.set_event_loop(None)
    # Failed tasks nobody retrieved are reported when they are garbage-collected.
    del created[:]
    run.handles.clear()
    main = leftovers = None
    gc.collect()
    lines = run.lines
    never = sorted(
        re.sub(r"^Task-\d+$", "Task-?", c["future"].get_name())
        for c in reports
        if c.get("message") == "Task exception was never retrieved" and "future" in c
    )
    for name in never:
        lines.append([None, "-", f"never retrieved {name}"])
    return lines


def main():
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        request = json.loads(raw)
        try:
            lines = run_program(request["program"], request.get("timers", "asyncio"), request.get("knobs", []))
            out = {"lines": lines}
        except BaseException:
            out = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
