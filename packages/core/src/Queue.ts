/**
 * Queues: asyncio's `Queue`, `PriorityQueue` and `LifoQueue` (Python 3.13, with `shutdown`), FIFO-fair and safe
 * under cancellation, plus two consumer views that end when the queue is shut down.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* asyncio.Queue.make<string>(100) // asyncio.Queue(maxsize=100)
 *   const jobs = yield* asyncio.Queue.makePriority<[number, string]>() // asyncio.PriorityQueue()
 *   const stack = yield* asyncio.Queue.makeLifo<number>() // asyncio.LifoQueue()
 *   yield* queue.put("job")
 *   return [yield* queue.get(), yield* jobs.qsize(), yield* stack.empty()] // ["job", 0, true]
 * })
 * ```
 *
 * **The surface.** Python's three classes have exactly the same methods and differ only in the order items
 * leave, so there is one {@link Queue} interface and three constructors ({@link make}, {@link makePriority},
 * {@link makeLifo}); `queue.kind` says which one you hold. Every method returns an `Effect`, except `maxsize`,
 * which never changes and is a plain property as in Python. The constructors are effects because a queue is
 * mutable state (as Effect's own `Queue.make` is). For consumers, {@link stream} is an Effect `Stream` of the items and
 * {@link forEach} is the classic worker loop (`get`, process, `taskDone`); both end when the queue is shut down
 * and drained.
 *
 * **Semantics** are asyncio's, with the differences listed in `docs/semantics.md`:
 * - `get` on a non-empty queue and `put` on a non-full one complete without suspending (no scheduling point,
 *   as in Python), whoever else is waiting. A blocked call waits in line; adding an item wakes the first
 *   getter, taking one wakes the first putter.
 * - A wake-up resumes the woken fiber on a later scheduler turn, never inside the caller (asyncio resumes it on
 *   the next loop iteration), so `put` then `yield* log("produced")` logs before the consumer runs. When its
 *   turn comes the woken call checks again, as asyncio's `while self.empty(): await getter` does: if a task
 *   that ran first took the item (filled the slot), it waits again at the back of the line. So in a worker
 *   pool the worker that is running takes the next item, and workers pair with items as in Python.
 * - Cancelling (interrupting) a blocked `get` or `put` never loses or duplicates an item: a cancelled `put`
 *   adds nothing, a cancelled `get` takes nothing, and a wake-up meant for a cancelled call passes to the next
 *   one in line. Blocked calls are unlinked in O(1).
 * - `shutdown(immediate?)` is Python 3.13's: puts fail with {@link QueueShutDown} from then on (blocked putters
 *   too); getters drain what is left and then fail — at once with `immediate`, which also discards the items
 *   and marks them done for `join`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Order from "effect/Order"
import type { Pipeable } from "effect/Pipeable"
import type { QueueEmpty, QueueFull, QueueShutDown } from "./Errors.ts"
import { isQueue as isQueueImpl, notAQueue, QueueImpl, type QueueTypeId } from "./internal/queue.ts"
import { Heap, pythonOrder, RingBuffer, Stack, type Store } from "./internal/queueStore.ts"
import * as validate from "./internal/validate.ts"

/**
 * Which of asyncio's classes a {@link Queue} behaves as: the order in which items leave it.
 *
 * @category models
 * @since 0.1.0
 */
export type QueueKind = "Queue" | "PriorityQueue" | "LifoQueue"

/**
 * The lifecycle of a {@link Queue}: `open`; `draining` after `shutdown()` while items remain (getters still get
 * them); `shutdown` once shut down and empty (every `get` fails with {@link QueueShutDown}).
 *
 * @category models
 * @since 0.1.0
 */
export type QueueState = "open" | "draining" | "shutdown"

/**
 * A snapshot of a queue for debugging, in the manner of Trio's `statistics()`.
 *
 * @category models
 * @since 0.1.0
 */
export interface QueueStatistics {
  readonly kind: QueueKind
  readonly state: QueueState
  /** Items in the queue (`qsize()`). */
  readonly qsize: number
  /** The bound given at construction; `<= 0` means unbounded. */
  readonly maxsize: number
  /** Fibers blocked in `get()`, including those woken that have not resumed yet. */
  readonly gettersWaiting: number
  /** Fibers blocked in `put()`, including those woken that have not resumed yet. */
  readonly puttersWaiting: number
  /** Fibers blocked in `join()`. */
  readonly joinersWaiting: number
  /** Items put and not yet marked done with `taskDone()` (what `join()` waits for). */
  readonly unfinishedTasks: number
}

/**
 * An asyncio queue of `A`: `Queue`, `PriorityQueue` or `LifoQueue` depending on {@link QueueKind}. Create one
 * with {@link make}, {@link makePriority} or {@link makeLifo}.
 *
 * Every method returns an `Effect` that reads or changes the queue when it runs (running the same effect twice
 * gets two items). `get()`/`put()` fail with {@link QueueShutDown} after `shutdown()`; if you never shut the
 * queue down, `Effect.orDie` removes that error from the type.
 *
 * @category models
 * @since 0.1.0
 */
export interface Queue<A> extends Pipeable {
  readonly [QueueTypeId]: typeof QueueTypeId
  /** Which asyncio class this queue behaves as. */
  readonly kind: QueueKind
  /** The bound given at construction (Python's `maxsize` property); `<= 0` means unbounded. */
  readonly maxsize: number
  /**
   * Puts `item` into the queue, waiting for a free slot if it is full. Python's `await queue.put(item)`.
   * Completes without suspending when there is room. Blocked putters are served in arrival order; a cancelled
   * `put` adds nothing. Fails with {@link QueueShutDown} once the queue is shut down, including while blocked.
   */
  put(item: A): Effect.Effect<void, QueueShutDown>
  /**
   * Removes and returns the next item (oldest, lowest or newest by {@link QueueKind}), waiting if the queue is
   * empty. Python's `await queue.get()`. Completes without suspending when an item is there. Blocked getters
   * are served in arrival order; a cancelled `get` takes nothing. After `shutdown()` it still returns the items
   * left, then fails with {@link QueueShutDown}.
   */
  get(): Effect.Effect<A, QueueShutDown>
  /**
   * Puts `item` without waiting; fails with {@link QueueFull} when there is no free slot (Python's
   * `put_nowait`), with {@link QueueShutDown} after `shutdown()`.
   */
  putNowait(item: A): Effect.Effect<void, QueueFull | QueueShutDown>
  /**
   * Takes the next item without waiting; fails with {@link QueueEmpty} when there is none it may take (Python's
   * `get_nowait`), with {@link QueueShutDown} when the queue is shut down and empty.
   */
  getNowait(): Effect.Effect<A, QueueEmpty | QueueShutDown>
  /** The number of items in the queue. Python's `qsize()`. */
  qsize(): Effect.Effect<number>
  /** Whether the queue holds no item. Python's `empty()`. */
  empty(): Effect.Effect<boolean>
  /** Whether the queue holds `maxsize` items or more (never, when unbounded). Python's `full()`. */
  full(): Effect.Effect<boolean>
  /**
   * Marks one item taken with `get` as processed. Python's `task_done()`. When every item put has been marked
   * done, `join()` returns. Calling it more times than items were put is a defect carrying `ValueError`
   * (Python: `ValueError('task_done() called too many times')`). Still allowed after `shutdown()`.
   */
  taskDone(): Effect.Effect<void>
  /**
   * Waits until every item put has been marked done with `taskDone()` (at once if none is pending). Python's
   * `await queue.join()`. `shutdown(true)` marks the discarded items done; `shutdown()` does not.
   */
  join(): Effect.Effect<void>
  /**
   * Shuts the queue down, to tell consumers that no more items will come (instead of sentinel values).
   * Python 3.13's `queue.shutdown(immediate=False)`, with exactly its rules:
   * - from now on every `put`/`putNowait` fails with {@link QueueShutDown}; putters blocked in `put` are woken
   *   and fail with it too (their items are not added);
   * - `immediate = false`: getters keep receiving the items left; once the queue is empty every
   *   `get`/`getNowait` fails with `QueueShutDown` (blocked getters are woken to find out); `join` still waits
   *   for a `taskDone` per remaining item;
   * - `immediate = true`: the items left are discarded, each counting as done for `join` (which may return),
   *   and every `get` fails with `QueueShutDown` at once;
   * - `taskDone` keeps working; calling `shutdown` again is harmless (`shutdown(true)` after `shutdown()` still
   *   discards the rest).
   *
   * Woken waiters resume on a later scheduler turn, as asyncio's do on the next loop iteration. Shutdown is not
   * cancellation: consumers stop by handling `QueueShutDown`, which {@link forEach} and {@link stream} do for
   * you (Effect's own `Queue.shutdown` interrupts takers instead).
   */
  shutdown(immediate?: boolean): Effect.Effect<void>
  /** A snapshot for debugging: sizes, waiting fibers, unfinished tasks, state. */
  statistics(): Effect.Effect<QueueStatistics>
}

/**
 * Whether `u` is a {@link Queue}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isQueue: (u: unknown) => u is Queue<unknown> = isQueueImpl

const construct = <A>(
  what: string,
  kind: QueueKind,
  maxsize: number,
  store: () => Store<A>
): Effect.Effect<Queue<A>> =>
  validate.atCall(() => {
    // Any number, as Python compares it: a fraction, zero, a negative number or NaN are all meaningful.
    const checked = validate.number(what, maxsize, "maxsize")
    return Effect.sync(() => new QueueImpl(kind, checked, store()))
  })

/**
 * Creates a first-in-first-out queue holding at most `maxsize` items (`maxsize <= 0`: unbounded).
 * asyncio's `asyncio.Queue(maxsize=0)`.
 *
 * **When to use** To hand work from producers to consumers, with back-pressure when bounded; with
 * `taskDone`/`join` to wait until everything put has been processed; with `shutdown` to tell consumers to stop.
 *
 * **Details** `maxsize` works by comparison, as in Python: `1.3` fills up at 2 items, `0`, negative numbers and
 * NaN never fill up. `put`/`get` complete without suspending when they can; otherwise they wait in line, first
 * come first served. A wake-up resumes the waiter on a later scheduler turn, like asyncio's next loop iteration.
 *
 * **asyncio** Same methods, camelCased, each returning an `Effect`, and the same hand-off: a call that finds
 * an item (a free slot) takes it even if a woken waiter has not run yet; that waiter waits again at the back.
 * Cancellation is interruption; a cancelled `get`/`put` never loses or duplicates an item, as in Python.
 *
 * **Gotchas** Every `get()`/`put()` carries `QueueShutDown` in its error type, whether or not you ever call
 * `shutdown`; handle it (it is how consumers learn to stop) or `Effect.orDie` it away. An item you got is yours:
 * if your fiber is interrupted after `get` succeeded, the item is gone from the queue, as in Python. Unlike
 * Python, Effect may preempt a fiber between any two steps (after 2048 operations by default), so that
 * interruption can land right after a `get` that did not suspend, before your next line runs.
 *
 * **Example** (Producer, two workers, join, shutdown)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* asyncio.Queue.make<number>(10)
 *   const worker = asyncio.Queue.forEach(queue, (n) => asyncio.sleep(0.1 * n))
 *   const workers = [yield* asyncio.createTask(worker), yield* asyncio.createTask(worker)]
 *   for (let n = 1; n <= 5; n++) yield* queue.put(n)
 *   yield* queue.join() // every item processed
 *   yield* queue.shutdown() // the workers' loops end
 *   yield* asyncio.gather(...workers)
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <A>(maxsize = 0): Effect.Effect<Queue<A>> =>
  construct("Queue.make", "Queue", maxsize, () => new RingBuffer<A>())

/**
 * Creates a queue that returns its lowest item first. asyncio's `asyncio.PriorityQueue(maxsize=0)`.
 *
 * **When to use** For jobs with priorities: put `[priority, job]` pairs, or pass a comparator.
 *
 * **Details** Without `compare`, items are ordered like Python values: numbers (and bigints, booleans), strings
 * and dates among themselves, arrays like tuples (`[1, "b"] < [2, "a"]`; the first unequal position decides). A
 * pair of items this order cannot compare makes the `put` or `get` that compared them die with `TypeError`, and
 * leaves the queue unchanged. `compare` is any `(self, that) => number`, an Effect `Order` included. Items that
 * compare equal come out in the order they were put (FIFO). `maxsize` as in {@link make}.
 *
 * **asyncio** Python's `PriorityQueue` is a `heapq` and is **not** stable: equal items come out in an
 * unspecified order, which is why Python code adds a counter (`(priority, count, item)`). Ours is stable, so
 * that counter is unnecessary (but harmless). Python raises `TypeError` for incomparable items the same way.
 *
 * **Gotchas** Priorities are read when items are compared: do not mutate an item while it is in the queue.
 * Strings compare by UTF-16 code unit (Python: by code point), which differs only above U+FFFF.
 *
 * **Example** (Lowest first)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const jobs = yield* asyncio.Queue.makePriority<[number, string]>()
 *   yield* jobs.put([2, "write report"])
 *   yield* jobs.put([1, "fix the build"])
 *   return yield* jobs.get() // [1, "fix the build"]
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makePriority = <A>(
  maxsize = 0,
  compare?: Order.Order<A> | ((self: A, that: A) => number)
): Effect.Effect<Queue<A>> =>
  validate.atCall(() => {
    const order = validate.optionalFn("Queue.makePriority", compare, "compare")
    return construct("Queue.makePriority", "PriorityQueue", maxsize, () => new Heap<A>(order ?? pythonOrder))
  })

/**
 * Creates a queue that returns its newest item first. asyncio's `asyncio.LifoQueue(maxsize=0)`.
 *
 * **When to use** When the most recent work matters most (a stack with back-pressure and `join`).
 *
 * **Details** Everything but the order is as in {@link make}.
 *
 * **asyncio** The same as Python's `LifoQueue`.
 *
 * **Example** (Newest first)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const stack = yield* asyncio.Queue.makeLifo<number>()
 *   yield* stack.put(1)
 *   yield* stack.put(2)
 *   return yield* stack.get() // 2
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeLifo = <A>(maxsize = 0): Effect.Effect<Queue<A>> =>
  construct("Queue.makeLifo", "LifoQueue", maxsize, () => new Stack<A>())

/**
 * Runs `f` on every item of `queue`, one at a time, calling `taskDone()` after each, until the queue is shut
 * down and drained. The worker loop of asyncio's queue recipes.
 *
 * **When to use** As the body of a consumer task, especially when producers wait with `join()`; start several
 * tasks running it for a worker pool.
 *
 * **Details** Repeats: `get()` (returns when it fails with {@link QueueShutDown}), then `f(item)`, then
 * `taskDone()` — also when `f` fails, dies or is interrupted (Python's `try: … finally: queue.task_done()`). A
 * failure of `f` ends the loop with that failure.
 *
 * **asyncio** The loop
 * `while True: try: item = await q.get() except QueueShutDown: break; try: await f(item) finally: q.task_done()`.
 *
 * **Gotchas** Do not call `taskDone()` yourself inside `f`: that marks the item done twice.
 *
 * **Example** (A worker pool)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* asyncio.Queue.make<string>(100)
 *   const worker = (id: number) =>
 *     asyncio.Queue.forEach(queue, (url) => Effect.log(`worker ${id} fetches ${url}`))
 *   const pool = yield* Effect.forEach([1, 2, 3], (id) => asyncio.createTask(worker(id)))
 *   for (const url of ["a", "b", "c", "d"]) yield* queue.put(url)
 *   yield* queue.join()
 *   yield* queue.shutdown()
 *   yield* asyncio.gather(...pool)
 * })
 * ```
 *
 * @category consumers
 * @since 0.1.0
 */
export const forEach: {
  <A, E, R>(f: (item: A) => Effect.Effect<unknown, E, R>): (queue: Queue<A>) => Effect.Effect<void, E, R>
  <A, E, R>(queue: Queue<A>, f: (item: A) => Effect.Effect<unknown, E, R>): Effect.Effect<void, E, R>
} = dual(
  2,
  <A, E, R>(queue: Queue<A>, f: (item: A) => Effect.Effect<unknown, E, R>): Effect.Effect<void, E, R> =>
    validate.atCall(() => {
      if (!isQueue(queue)) throw notAQueue("Queue.forEach", queue)
      validate.fn("Queue.forEach", f, "f")
      const step: Effect.Effect<void, E, R> = Effect.matchEffect(queue.get(), {
        onFailure: (_: QueueShutDown) => Effect.void,
        onSuccess: (item) =>
          Effect.flatMap(
            // `f` returning something that is not an Effect dies here, and the item is still marked done.
            Effect.ensuring(
              validate.callEffect("Queue.forEach", () => f(item)),
              queue.taskDone()
            ),
            () => step
          )
      })
      return step
    })
)
