/**
 * The bad-input table (issue 10, item 7): one row per public entry point × bad value. Every row asserts
 *
 * - the error class (`TypeError` for a value of the wrong kind, `ValueError` for the right kind with a bad value,
 *   `RuntimeError` for a call in the wrong state — Python's split), delivered as a defect (or thrown, for the
 *   synchronous `…Unsafe`/formatting functions);
 * - that the message names the call and shows the value;
 * - that it is raised **at the call**: the error was built while the caller's frame was on the stack (its stack
 *   trace holds this file) — or, for the rows marked `result`, when the library called the user's function, and
 *   for `run`, in the first step of the effect (an iterable is read when the effect runs);
 * - that nothing leaked or started: no task besides the loop's main task, no timer requested, no virtual time
 *   passed, the semaphores at their value, the locks unlocked, the queue empty with nothing unfinished and
 *   nobody waiting.
 *
 * `docs/misuse.md` summarises what each kind of misuse produces. The node package has its own table
 * (`packages/node/test/Misuse.test.ts`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as AsyncioStream from "@effect-asyncio/core/Stream"
import * as TaskModule from "@effect-asyncio/core/Task"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { defectOf } from "./utils/exits.ts"
import { recordingTimers } from "./utils/taskState.ts"
import { now } from "./utils/virtual.ts"

type Misuse = typeof asyncio.TypeError | typeof asyncio.ValueError | typeof asyncio.RuntimeError

const { TypeError, ValueError, RuntimeError } = asyncio

/** The objects a row may misuse; fresh for every row. */
interface Env {
  readonly sem: asyncio.Semaphore.Semaphore
  readonly bounded: asyncio.BoundedSemaphore.BoundedSemaphore
  readonly lock: asyncio.Lock.Lock
  readonly cond: asyncio.Condition.Condition
  readonly queue: asyncio.Queue.Queue<number>
  /** A finished task. */
  readonly task: asyncio.Task<number>
  /** The handle of a finished group. */
  readonly group: asyncio.TaskGroup.TaskGroup
  /** A scope that was created and not entered. */
  readonly scope: asyncio.Timeout.Timeout
  readonly timeline: asyncio.Timeline.Timeline
  /** The context of a `Loop.layer` that has been released. */
  readonly closedLoop: Context.Context<never>
  /** A handle on a running loop scope (a `Loop.layer` kept open), and one on the released one. */
  readonly loop: asyncio.EventLoop.Loop
  readonly closedHandle: asyncio.EventLoop.Loop
}

/** A synchronous API: the row throws instead of returning an effect. */
interface Sync {
  readonly sync: () => unknown
}

interface Row {
  /** The call the message must name. */
  readonly call: string
  /** What is wrong, for the title: `delay: NaN`. */
  readonly arg: string
  /** The value as the message must show it. */
  readonly shown: string
  readonly error: Misuse
  /** Where the error is built (default `call`); see the module comment. */
  readonly at?: "call" | "result" | "run"
  readonly make: (env: Env) => Effect.Effect<unknown, unknown, unknown> | Sync
}

const sync = (f: () => unknown): Sync => ({ sync: f })

/** Passes an ill-typed value anywhere: every row is a deliberate misuse. */
const bad = (u: unknown): never => u as never
/** A bad value typed as an effect, for entry points whose data-last form takes an options object. */
const badEffect = (u: unknown): Effect.Effect<unknown> => u as Effect.Effect<unknown>

const forever = () => Effect.never

const row = (
  call: string,
  arg: string,
  shown: string,
  error: Misuse,
  make: Row["make"],
  at: Row["at"] = "call"
): Row => ({ call, arg, shown, error, make, at })

const rows: ReadonlyArray<Row> = [
  // sleep and delays ---------------------------------------------------------------------------------------
  row("sleep", "delay: NaN", "NaN", ValueError, () => asyncio.sleep(Number.NaN)),
  row("sleep", "delay: a bigint", "1n", TypeError, () => asyncio.sleep(bad(1n))),
  row("sleep", "delay: a word", '"soon"', TypeError, () => asyncio.sleep(bad("soon"))),
  row("sleep", "delay: a string without a unit", '"5"', TypeError, () => asyncio.sleep(bad("5"))),
  row("sleep", "delay: a misspelt duration key", "{ second: 5 }", TypeError, () =>
    asyncio.sleep(bad({ second: 5 }))
  ),
  row("sleep", "delay: a duration object holding NaN", "{ seconds: NaN }", ValueError, () =>
    asyncio.sleep({ seconds: Number.NaN })
  ),
  row("sleep", "delay: null", "null", TypeError, () => asyncio.sleep(bad(null))),
  row("sleep", "delay: a tuple of one", "[1]", TypeError, () => asyncio.sleep(bad([1]))),
  row("sleep", "delay: a symbol", "Symbol(soon)", TypeError, () => asyncio.sleep(bad(Symbol("soon")))),
  row("sleep", "delay: a Date", "Thu Jan 01 1970", TypeError, () => asyncio.sleep(bad(new Date(0)))),

  // timeout, timeoutAt, Timeout ----------------------------------------------------------------------------
  row("timeout", "delay: NaN", "NaN", ValueError, () => asyncio.timeout(Number.NaN, forever)),
  row("timeout", "delay: a word", '"abc"', TypeError, () => asyncio.timeout(bad("abc"), forever)),
  row("timeout", "body: a number", "42", TypeError, () => asyncio.timeout(1, bad(42))),
  row(
    "timeout",
    "body: returns 42",
    "42",
    TypeError,
    () =>
      asyncio.timeout(
        1,
        bad(() => 42)
      ),
    "result"
  ),
  row("timeout", "options: a misspelt key", '"nmae"', TypeError, () =>
    asyncio.timeout(1, forever, bad({ nmae: "x" }))
  ),
  row("timeout", "name: a number", "42", TypeError, () => asyncio.timeout(1, forever, { name: bad(42) })),
  row("timeoutAt", "when: NaN", "NaN", ValueError, () => asyncio.timeoutAt(Number.NaN, forever)),
  row("timeoutAt", "when: a word", '"abc"', TypeError, () => asyncio.timeoutAt(bad("abc"), forever)),
  row("timeoutAt", "when: -Infinity", "-Infinity", ValueError, () =>
    asyncio.timeoutAt(Number.NEGATIVE_INFINITY, forever)
  ),
  row("timeoutAt", "when: a Duration", "Duration(1000 millis)", TypeError, () =>
    asyncio.timeoutAt(bad(Duration.seconds(1)), forever)
  ),
  row("timeoutAt", "body: 42", "42", TypeError, () => asyncio.timeoutAt(null, bad(42))),
  row("Timeout.make", "delay: a bigint", "5n", TypeError, () => asyncio.Timeout.make(bad(5n))),
  row("Timeout.make", "options: a string", '"fast"', TypeError, () => asyncio.Timeout.make(1, bad("fast"))),
  row("Timeout.makeAt", "when: an object", "{}", TypeError, () => asyncio.Timeout.makeAt(bad({}))),
  row("Timeout.reschedule", "when: NaN", "NaN", ValueError, (env) => env.scope.reschedule(Number.NaN)),
  row("Timeout.reschedule", "when: a word", '"soon"', TypeError, (env) => env.scope.reschedule(bad("soon"))),
  row("Timeout.reschedule", "when: an object", "{}", TypeError, (env) => env.scope.reschedule(bad({}))),
  row("Timeout.enterScope", "scope: 42", "42", TypeError, () => asyncio.Timeout.enterScope(bad(42), forever)),
  row("Timeout.enterScope", "body: undefined", "undefined", TypeError, (env) =>
    asyncio.Timeout.enterScope(env.scope, bad(undefined))
  ),

  // waitFor, wait, asCompleted, gather, shield, staggeredRace ------------------------------------------------
  row("waitFor", "aw: 42", "42", TypeError, () => asyncio.waitFor(bad(42), 1)),
  row("waitFor", "timeout: NaN", "NaN", ValueError, () => asyncio.waitFor(Effect.never, Number.NaN)),
  row("waitFor", "timeout: a word", '"x"', TypeError, () => asyncio.waitFor(Effect.never, bad("x"))),
  row("waitFor", "timeout: a misspelt duration key", "{ minute: 1 }", TypeError, () =>
    asyncio.waitFor(Effect.never, bad({ minute: 1 }))
  ),
  row("wait", "aws: a task, not a collection", "<Task finished name=", TypeError, (env) =>
    asyncio.wait(bad(env.task))
  ),
  row("wait", "returnWhen: a misspelt constant", '"FIRST"', ValueError, (env) =>
    asyncio.wait([env.task], { returnWhen: bad("FIRST") })
  ),
  row("wait", "timeout: NaN", "NaN", ValueError, (env) => asyncio.wait([env.task], { timeout: Number.NaN })),
  row("wait", "options: a misspelt key", '"retrunWhen"', TypeError, (env) =>
    asyncio.wait([env.task], bad({ retrunWhen: asyncio.FIRST_COMPLETED }))
  ),
  row("wait", "aws: empty", "empty", ValueError, () => asyncio.wait([]), "run"),
  row(
    "wait",
    "aws: an effect instead of a task",
    "effects",
    TypeError,
    () => asyncio.wait([bad(Effect.void)]),
    "run"
  ),
  row("asCompleted", "aws: 42", "42", TypeError, () => asyncio.asCompleted(bad(42))),
  row("asCompleted", "timeout: a word", '"x"', TypeError, () =>
    asyncio.asCompleted([], { timeout: bad("x") })
  ),
  row("asCompleted", "aws: [42]", "42", TypeError, () => asyncio.asCompleted(bad([42])), "run"),
  row("gather", "aw: 42", "42", TypeError, () => asyncio.gather(Effect.void, bad(42))),
  row("gather", "options: a misspelt key", '"returnExceptons"', TypeError, () =>
    asyncio.gather(Effect.void, bad({ returnExceptons: true }))
  ),
  row("gather", "returnExceptions: a word", '"yes"', TypeError, () =>
    asyncio.gather(Effect.void, { returnExceptions: bad("yes") })
  ),
  row("gatherAll", "aws: 42", "42", TypeError, () => asyncio.gatherAll(bad(42))),
  row("gatherAll", "returnExceptions: 1", "1", TypeError, () =>
    asyncio.gatherAll([Effect.void], { returnExceptions: bad(1) })
  ),
  row(
    "gatherAll",
    "aws: [undefined]",
    "undefined",
    TypeError,
    () => asyncio.gatherAll(bad([undefined])),
    "run"
  ),
  row("shield", "aw: a promise", "a Promise", TypeError, () => asyncio.shield(bad(Promise.resolve(1)))),
  row("staggeredRace", "fns: 42", "42", TypeError, () => asyncio.staggeredRace(bad(42), null)),
  row("staggeredRace", "delay: NaN", "NaN", ValueError, () => asyncio.staggeredRace([], Number.NaN)),

  // tasks ----------------------------------------------------------------------------------------------------
  row("createTask", "effect: 42", "42", TypeError, () => asyncio.createTask(badEffect(42))),
  row("createTask", "effect: a task", "the Task", TypeError, (env) => asyncio.createTask(env.task)),
  row("createTask", "options: a misspelt key", '"nam"', TypeError, () =>
    asyncio.createTask(Effect.void, bad({ nam: "x" }))
  ),
  row("createTask", "options: a string", '"worker"', TypeError, () =>
    asyncio.createTask(Effect.void, bad("worker"))
  ),
  row(
    "createTask",
    "in a loop scope that has closed",
    "closed-loop",
    RuntimeError,
    (env) => Effect.provideContext(asyncio.createTask(Effect.void), env.closedLoop),
    "run"
  ),
  row("task.setName", "name: undefined", "undefined", TypeError, (env) => env.task.setName(bad(undefined))),
  row("task.addDoneCallback", "callback: 42", "42", TypeError, (env) => env.task.addDoneCallback(bad(42))),
  row("cancelUnsafe", "task: 42", "42", TypeError, () =>
    sync(() => TaskModule.cancelUnsafe(bad(42), { kind: "cancel", detail: "x" }))
  ),
  row("cancelUnsafe", "reason: an unknown kind", '"oops"', TypeError, (env) =>
    sync(() => TaskModule.cancelUnsafe(env.task, bad({ kind: "oops", detail: "x" })))
  ),
  row("cancelledErrorOf", "cause: 42", "42", TypeError, () => sync(() => asyncio.cancelledErrorOf(bad(42)))),
  row("catchCancelled", "handler: 42", "42", TypeError, () =>
    Effect.void.pipe(asyncio.catchCancelled(bad(42)))
  ),
  row("catchCancelled", "self: 42", "42", TypeError, () =>
    asyncio.catchCancelled(() => Effect.void)(bad(42))
  ),

  // TaskGroup --------------------------------------------------------------------------------------------------
  row("TaskGroup.run", "body: 42", "42", TypeError, () => asyncio.TaskGroup.run(bad(42))),
  row(
    "TaskGroup.run",
    "body: returns 42",
    "42",
    TypeError,
    () => asyncio.TaskGroup.run(bad(() => 42)),
    "result"
  ),
  row("TaskGroup.run", "name: 42", "42", TypeError, () =>
    asyncio.TaskGroup.run(() => Effect.void, { name: bad(42) })
  ),
  row("TaskGroup.run", "options: a misspelt key", '"naem"', TypeError, () =>
    asyncio.TaskGroup.run(() => Effect.void, bad({ naem: "g" }))
  ),
  row("TaskGroup.createTask", "effect: 42", "42", TypeError, (env) => env.group.createTask(bad(42))),
  row("TaskGroup.createTask", "options: a misspelt key", '"nmae"', TypeError, (env) =>
    env.group.createTask(Effect.void, bad({ nmae: "child" }))
  ),

  // Semaphore, BoundedSemaphore, Lock, Condition, Barrier ----------------------------------------------------
  row("Semaphore.make", "value: -1", "-1", ValueError, () => asyncio.Semaphore.make(-1)),
  row("Semaphore.make", "value: a string", '"2"', TypeError, () => asyncio.Semaphore.make(bad("2"))),
  row("Semaphore.make", "value: 1.5", "1.5", ValueError, () => asyncio.Semaphore.make(1.5)),
  row("Semaphore.makeUnsafe", "value: NaN", "NaN", ValueError, () =>
    sync(() => asyncio.Semaphore.makeUnsafe(Number.NaN))
  ),
  row("BoundedSemaphore.make", "value: -1", "-1", ValueError, () => asyncio.BoundedSemaphore.make(-1)),
  row("BoundedSemaphore.makeUnsafe", "value: a string", '"1"', TypeError, () =>
    sync(() => asyncio.BoundedSemaphore.makeUnsafe(bad("1")))
  ),
  row("Semaphore.withPermit", "effect: 42", "42", TypeError, (env) => env.sem.withPermit(bad(42))),
  row("Semaphore.withPermit", "effect: a function", "function", TypeError, (env) =>
    env.sem.withPermit(bad(() => Effect.void))
  ),
  row("BoundedSemaphore.withPermit", "effect: undefined", "undefined", TypeError, (env) =>
    env.bounded.withPermit(bad(undefined))
  ),
  row("Lock.withLock", "effect: 42", "42", TypeError, (env) => env.lock.withLock(bad(42))),
  row("Lock.withLock", "effect: a promise", "a Promise", TypeError, (env) =>
    env.lock.withLock(bad(Promise.resolve()))
  ),
  row("Condition.withLock", "effect: 42", "42", TypeError, (env) => env.cond.withLock(bad(42))),
  row("Condition.make", "lock: 42", "42", TypeError, () => asyncio.Condition.make(bad(42))),
  row("Condition.makeUnsafe", "lock: a Semaphore", "<Semaphore", TypeError, (env) =>
    sync(() => asyncio.Condition.makeUnsafe(bad(env.sem)))
  ),
  row("Condition.notify", "n: -1", "-1", ValueError, (env) => env.cond.notify(-1)),
  row("Condition.notify", "n: NaN", "NaN", ValueError, (env) => env.cond.notify(Number.NaN)),
  row("Condition.notify", "n: a string", '"2"', TypeError, (env) => env.cond.notify(bad("2"))),
  row("Condition.waitFor", "predicate: 42", "42", TypeError, (env) => env.cond.waitFor(bad(42))),
  row("Barrier.make", "parties: 0", "0", ValueError, () => asyncio.Barrier.make(0)),
  row("Barrier.make", "parties: a string", '"2"', TypeError, () => asyncio.Barrier.make(bad("2"))),
  row("Barrier.make", "parties: NaN", "NaN", ValueError, () => asyncio.Barrier.make(Number.NaN)),
  row("Barrier.makeUnsafe", "parties: 2.5", "2.5", ValueError, () =>
    sync(() => asyncio.Barrier.makeUnsafe(2.5))
  ),

  // Queue --------------------------------------------------------------------------------------------------------
  row("Queue.make", "maxsize: a string", '"x"', TypeError, () => asyncio.Queue.make(bad("x"))),
  row("Queue.make", "maxsize: a bigint", "10n", TypeError, () => asyncio.Queue.make(bad(10n))),
  row("Queue.makePriority", "compare: 42", "42", TypeError, () => asyncio.Queue.makePriority(0, bad(42))),
  row("Queue.makeLifo", "maxsize: null", "null", TypeError, () => asyncio.Queue.makeLifo(bad(null))),
  row("Queue.makeUnsafe", "maxsize: a string", '"x"', TypeError, () =>
    sync(() => asyncio.Queue.makeUnsafe(bad("x")))
  ),
  row("Queue.makePriorityUnsafe", "compare: 42", "42", TypeError, () =>
    sync(() => asyncio.Queue.makePriorityUnsafe(0, bad(42)))
  ),
  row("Queue.shutdown", "immediate: a word", '"yes"', TypeError, (env) => env.queue.shutdown(bad("yes"))),
  row("Queue.forEach", "queue: 42", "42", TypeError, () => asyncio.Queue.forEach(bad(42), () => Effect.void)),
  row("Queue.forEach", "f: 42", "42", TypeError, (env) => asyncio.Queue.forEach(env.queue, bad(42))),
  row(
    "Queue.forEach",
    "f: returns undefined",
    "undefined",
    TypeError,
    (env) =>
      Effect.andThen(
        env.queue.put(1),
        asyncio.Queue.forEach(
          env.queue,
          bad(() => undefined)
        )
      ),
    "result"
  ),
  row("Stream.fromQueue", "queue: 42", "42", TypeError, () =>
    Stream.runDrain(AsyncioStream.fromQueue(bad(42)))
  ),
  row("Stream.fromAsCompleted", "completed: 42", "42", TypeError, () =>
    Stream.runDrain(AsyncioStream.fromAsCompleted(bad(42)))
  ),

  // Loop -----------------------------------------------------------------------------------------------------------
  row("Loop.scoped", "main: 42", "42", TypeError, () => asyncio.Loop.scoped(badEffect(42))),
  row("Loop.scoped", "options: a misspelt key", '"mainNmae"', TypeError, () =>
    asyncio.Loop.scoped(Effect.void, bad({ mainNmae: "main" }))
  ),
  row("Loop.scoped", "onShutdownError: 42", "42", TypeError, () =>
    asyncio.Loop.scoped(Effect.void, { onShutdownError: bad(42) })
  ),
  row("Loop.layer", "name: 42", "42", TypeError, () =>
    Effect.provide(Effect.void, asyncio.Loop.layer({ name: bad(42) }))
  ),

  // The running loop: getRunningLoop, callbacks, the handle --------------------------------------------------------
  row(
    "getRunningLoop",
    "in a loop scope that has closed",
    "closed-loop",
    RuntimeError,
    (env) => Effect.provideContext(asyncio.getRunningLoop(), env.closedLoop),
    "run"
  ),
  row("callSoon", "callback: 42", "42", TypeError, () => asyncio.callSoon(bad(42))),
  row("callLater", "delay: NaN", "NaN", ValueError, () => asyncio.callLater(Number.NaN, () => {})),
  row("callLater", "callback: an Effect", "an Effect", TypeError, () =>
    asyncio.callLater(1, bad(Effect.void))
  ),
  row("callAt", "when: a word", '"soon"', TypeError, () => asyncio.callAt(bad("soon"), () => {})),
  row("loop.callSoon", "callback: 42", "42", TypeError, (env) => sync(() => env.loop.callSoon(bad(42)))),
  row("loop.callSoon", "callback: an Effect", "an Effect", TypeError, (env) =>
    sync(() => env.loop.callSoon(bad(Effect.void)))
  ),
  row("loop.callSoon", "in a loop scope that has closed", "closed-loop", RuntimeError, (env) =>
    sync(() => env.closedHandle.callSoon(() => {}))
  ),
  row("loop.callLater", "delay: NaN", "NaN", ValueError, (env) =>
    sync(() => env.loop.callLater(Number.NaN, () => {}))
  ),
  row("loop.callLater", "delay: a word", '"soon"', TypeError, (env) =>
    sync(() => env.loop.callLater(bad("soon"), () => {}))
  ),
  row("loop.callLater", "callback: undefined", "undefined", TypeError, (env) =>
    sync(() => env.loop.callLater(1, bad(undefined)))
  ),
  row("loop.callAt", "when: NaN", "NaN", ValueError, (env) =>
    sync(() => env.loop.callAt(Number.NaN, () => {}))
  ),
  row("loop.callAt", "when: null", "null", TypeError, (env) =>
    sync(() => env.loop.callAt(bad(null), () => {}))
  ),
  row("loop.callAt", "when: -Infinity", "-Infinity", ValueError, (env) =>
    sync(() => env.loop.callAt(Number.NEGATIVE_INFINITY, () => {}))
  ),
  row("loop.createTask", "effect: 42", "42", TypeError, (env) => sync(() => env.loop.createTask(bad(42)))),
  row("loop.createTask", "options: a misspelt key", '"nmae"', TypeError, (env) =>
    sync(() => env.loop.createTask(Effect.void, bad({ nmae: "x" })))
  ),
  row("loop.createTask", "eagerStart: a word", '"yes"', TypeError, (env) =>
    sync(() => env.loop.createTask(Effect.void, { eagerStart: bad("yes") }))
  ),
  row("loop.createTask", "in a loop scope that has closed", "closed-loop", RuntimeError, (env) =>
    sync(() => env.closedHandle.createTask(Effect.void))
  ),
  row("loop.runCoroutineThreadsafe", "effect: 42", "42", TypeError, (env) =>
    sync(() => env.loop.runCoroutineThreadsafe(bad(42)))
  ),
  row("loop.addSignalHandler", "signal: 15", "15", TypeError, (env) =>
    sync(() => env.loop.addSignalHandler(bad(15), () => {}))
  ),
  row("loop.addSignalHandler", "signal: a word", '"boom"', ValueError, (env) =>
    sync(() => env.loop.addSignalHandler("boom", () => {}))
  ),
  row("loop.addSignalHandler", "callback: 42", "42", TypeError, (env) =>
    sync(() => env.loop.addSignalHandler("SIGTERM", bad(42)))
  ),
  row("loop.addSignalHandler", "in a loop scope without a signal source", "open-loop", RuntimeError, (env) =>
    sync(() => env.loop.addSignalHandler("SIGTERM", () => {}))
  ),
  row("loop.removeSignalHandler", "signal: 15", "15", TypeError, (env) =>
    sync(() => env.loop.removeSignalHandler(bad(15)))
  ),
  row("loop.setExceptionHandler", "handler: a word", '"spam"', TypeError, (env) =>
    sync(() => env.loop.setExceptionHandler(bad("spam")))
  ),
  row("loop.callExceptionHandler", "context: 42", "42", TypeError, (env) =>
    sync(() => env.loop.callExceptionHandler(bad(42)))
  ),
  row("loop.defaultExceptionHandler", "context.message: 42", "42", TypeError, (env) =>
    sync(() => env.loop.defaultExceptionHandler({ message: bad(42) }))
  ),
  row("loop.createFuture", "in a loop scope that has closed", "closed-loop", RuntimeError, (env) =>
    sync(() => env.closedHandle.createFuture())
  ),
  row("wrapFuture", "promise: 42", "42", TypeError, () => asyncio.wrapFuture(bad(42))),
  row("ensureFuture", "obj: a string", '"soon"', TypeError, () => asyncio.ensureFuture(bad("soon"))),
  row("createTask", "effect: a future", "the future <Future pending>", TypeError, (env) =>
    asyncio.createTask(bad(env.loop.createFuture()))
  ),
  row("createTask", "eagerStart: 1", "1", TypeError, () =>
    asyncio.createTask(Effect.void, { eagerStart: bad(1) })
  ),

  // Abort ----------------------------------------------------------------------------------------------------------
  row("Abort.fromPromise", "evaluate: 42", "42", TypeError, () => asyncio.Abort.fromPromise(bad(42))),
  row(
    "Abort.fromPromise",
    "evaluate: returns undefined",
    "undefined",
    TypeError,
    () => asyncio.Abort.fromPromise(bad(() => undefined)),
    "result"
  ),
  row("Abort.fromPromise", "waitOnAbort: a word", '"no"', TypeError, () =>
    asyncio.Abort.fromPromise(() => Promise.resolve(1), { waitOnAbort: bad("no") })
  ),
  row("Abort.fromPromise", "catch: 42", "42", TypeError, () =>
    asyncio.Abort.fromPromise(() => Promise.resolve(1), { catch: bad(42) })
  ),
  row("Abort.withSignal", "signal: 42", "42", TypeError, () =>
    asyncio.Abort.withSignal(Effect.void, bad(42))
  ),
  row("Abort.withSignal", "effect: 42", "42", TypeError, () =>
    asyncio.Abort.withSignal(bad(42), new AbortController().signal)
  ),
  row("Abort.createTask", "options: undefined", "undefined", TypeError, () =>
    asyncio.Abort.createTask(Effect.void, bad(undefined))
  ),
  row("Abort.createTask", "signal: a string", '"stop"', TypeError, () =>
    asyncio.Abort.createTask(Effect.void, { signal: bad("stop") })
  ),
  row("Abort.reasonOfSignal", "signal: 42", "42", TypeError, () =>
    sync(() => asyncio.Abort.reasonOfSignal(bad(42)))
  ),

  // Inspect, Tracing, Debug, Timeline --------------------------------------------------------------------------
  row("Inspect.track", "effect: 42", "42", TypeError, () => asyncio.Inspect.track(bad(42))),
  row("Inspect.ps", "options: a misspelt key", '"site"', TypeError, () =>
    asyncio.Inspect.ps(bad({ site: false }))
  ),
  row("Inspect.pstree", "sites: a word", '"no"', TypeError, () =>
    asyncio.Inspect.pstree({ sites: bad("no") })
  ),
  row("Inspect.formatPs", "infos: 42", "42", TypeError, () => sync(() => asyncio.Inspect.formatPs(bad(42)))),
  row("Inspect.formatTree", "sites: a word", '"no"', TypeError, () =>
    sync(() => asyncio.Inspect.formatTree([], { sites: bad("no") }))
  ),
  row("Tracing.withTaskSpans", "effect: 42", "42", TypeError, () => asyncio.Tracing.withTaskSpans(bad(42))),
  row("Debug.debug", "effect: 42", "42", TypeError, () => asyncio.Debug.debug(badEffect(42))),
  row(
    "Debug",
    "slowCallbackDuration: NaN",
    "NaN",
    ValueError,
    () => asyncio.Debug.debug(Effect.void, { slowCallbackDuration: Number.NaN }),
    "run"
  ),
  row("Debug", "onWarning: 42", "42", TypeError, () =>
    sync(() => asyncio.Debug.makeSessionUnsafe({ onWarning: bad(42) }))
  ),
  row("Timeline.record", "effect: 42", "42", TypeError, () => asyncio.Timeline.record(badEffect(42)), "run"),
  row("Timeline.toText", "width: NaN", "NaN", ValueError, (env) =>
    sync(() => asyncio.Timeline.toText(env.timeline, { width: Number.NaN }))
  ),
  row("Timeline.toText", "style: an unknown style", '"fancy"', ValueError, (env) =>
    sync(() => asyncio.Timeline.toText(env.timeline, { style: bad("fancy") }))
  ),
  row("Timeline.toText", "timeline: 42", "42", TypeError, () => sync(() => asyncio.Timeline.toText(bad(42)))),
  row("Timeline.toSvg", "width: a word", '"wide"', TypeError, (env) =>
    sync(() => asyncio.Timeline.toSvg(env.timeline, { width: bad("wide") }))
  )
]

const makeEnv: Effect.Effect<Env> = Effect.gen(function* () {
  const task = yield* asyncio.createTask(Effect.succeed(1))
  yield* task
  const scope = yield* Scope.make()
  const closedLoop = yield* Layer.buildWithScope(asyncio.Loop.layer({ name: "closed-loop" }), scope)
  const closedHandle = yield* Effect.provideContext(asyncio.getRunningLoop(), closedLoop)
  yield* Scope.close(scope, { _tag: "Success", value: undefined } as Exit.Exit<void>)
  const openLoop = yield* Layer.buildWithScope(asyncio.Loop.layer({ name: "open-loop" }), yield* Scope.make())
  const loop = yield* Effect.provideContext(asyncio.getRunningLoop(), openLoop)
  const lock = yield* asyncio.Lock.make()
  return {
    sem: yield* asyncio.Semaphore.make(1),
    bounded: yield* asyncio.BoundedSemaphore.make(1),
    lock,
    cond: yield* asyncio.Condition.make(),
    queue: yield* asyncio.Queue.make<number>(),
    task,
    group: (yield* Effect.orDie(asyncio.TaskGroup.run((tg) => Effect.succeed(tg))))!,
    scope: yield* asyncio.Timeout.make(1),
    timeline: (yield* asyncio.Timeline.record(Effect.void))[1],
    closedLoop,
    loop,
    closedHandle
  }
})

/** What the bad call produced, and what was going on right after it. */
interface Observed {
  readonly error: unknown
  readonly tasks: number
  readonly timers: number
  readonly pending: number
}

const observe = (row: Row, env: Env): Effect.Effect<Observed> =>
  recordingTimers((timers) =>
    asyncio.Loop.scoped(
      Effect.gen(function* () {
        const made = row.make(env)
        let error: unknown
        if ("sync" in made) {
          try {
            made.sync()
          } catch (thrown) {
            error = thrown
          }
        } else {
          // No row needs a service: the bad call dies before it could use one.
          const exit = yield* Effect.exit(made as Effect.Effect<unknown, unknown>)
          error = exit._tag === "Failure" ? (defectOf(exit) ?? Cause.squash(exit.cause)) : undefined
        }
        return {
          error,
          tasks: (yield* asyncio.allTasks).size,
          timers: timers.length,
          pending: timers.filter((timer) => timer.state === "pending").length
        }
      })
    )
  )

const check = (row: Row) =>
  Effect.gen(function* () {
    const env = yield* makeEnv
    const start = yield* now
    const { error, tasks, timers, pending } = yield* observe(row, env)
    assert.isTrue(
      error instanceof row.error,
      `expected a ${row.error.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
    )
    const message = (error as InstanceType<Misuse>).message
    assert.include(message, `${row.call}`, "the message names the call")
    assert.include(message, row.shown, "the message shows the value")
    if (row.at === "call") {
      assert.include(
        (error as Error).stack,
        "Misuse.test.ts",
        "built at the call, while the caller's frame ran"
      )
    }
    assert.strictEqual(tasks, 1, "no task besides the loop's main task")
    // A misuse found at the call starts nothing; one found in what the user's function returned may come after
    // the scope armed its deadline, which must then be released.
    if (row.at === "result") assert.strictEqual(pending, 0, "no timer left pending")
    else assert.strictEqual(timers, 0, "no timer requested")
    assert.strictEqual(yield* now, start, "no time passed")
    assert.deepInclude(yield* env.sem.statistics(), { value: 1, locked: false, tasksWaiting: 0 })
    assert.deepInclude(yield* env.bounded.statistics(), { value: 1, locked: false, tasksWaiting: 0 })
    assert.isFalse(yield* env.lock.locked(), "the lock is free")
    assert.deepInclude(yield* env.cond.statistics(), { tasksWaiting: 0 })
    assert.isFalse(yield* env.cond.locked(), "the condition's lock is free")
    assert.deepInclude(yield* env.queue.statistics(), {
      qsize: 0,
      unfinishedTasks: 0,
      gettersWaiting: 0,
      puttersWaiting: 0
    })
  })

describe("the bad-input table", () => {
  it("has at least 80 rows, each titled uniquely", () => {
    assert.isAtLeast(rows.length, 80)
    const titles = rows.map((r) => `${r.call} — ${r.arg}`)
    assert.strictEqual(new Set(titles).size, titles.length)
  })

  for (const r of rows) {
    it.effect(`${r.call} — ${r.arg}`, () => check(r))
  }
})
