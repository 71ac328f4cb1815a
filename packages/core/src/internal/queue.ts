/**
 * The machinery behind `Queue`: the queue's store and counters, and three parking lots (`parkingLot.ts`) of
 * blocked getters, putters and joiners, with asyncio's rules for waking them.
 *
 * **asyncio's rules.** A `get` that finds an item takes it at once, and a `put` that finds a free slot adds its
 * item at once — whoever else is waiting. A `get` that finds nothing (a `put` that finds no slot) parks at the
 * tail of its lot. Adding an item unparks the head getter; taking one unparks the head putter. An unparked
 * waiter *re-checks when its turn comes*: it takes the item (adds its item) if there is one (a slot), and parks
 * again at the tail if a task that ran meanwhile took it first — so in a worker pool the worker that just
 * finished takes the next item, as in CPython (`while self.empty(): await getter` …). Nothing is reserved for a
 * woken waiter, and the getters of a queue are served in arrival order only among themselves.
 *
 * **When wake-ups run.** A waiter's turn is scheduled on the dispatcher of the fiber that woke it, at the wake-up
 * (asyncio: `fut.set_result` `call_soon`s the task), so wake-ups run in the order they happened, interleaved with
 * the other work that fiber scheduled (tasks it created, other primitives it released).
 *
 * **Cancellation.** A parked waiter that is cancelled leaves its lot. An unparked one that is cancelled before its
 * turn passes the wake-up on to the next waiter if what it was woken for is still there (CPython: "we were woken
 * up by put_nowait(), but can't take the call. Wake up the next in line"). The re-check, the take (or the add)
 * and the hand-over to the caller are one step, so a cancelled `put` never delivers its item and a cancelled
 * `get` never consumes one.
 *
 * Invariant (outside a synchronous step): a getter parked means the queue holds no more items than there are
 * unparked getters; a putter parked means no more free slots than unparked putters. So nobody waits for what is
 * there.
 */
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import { QueueEmpty, QueueFull, QueueShutDown, TypeError, ValueError } from "../Errors.ts"
import type { QueueKind, QueueState, QueueStatistics } from "../Queue.ts"
import { ParkingLot, type WaiterHost } from "./parkingLot.ts"
import type { Store } from "./queueStore.ts"
import { show } from "./validate.ts"

export const QueueTypeId = "~effect-asyncio/Queue" as const

/** What an unparked getter returns when the item it was woken for is gone: call again (park at the tail). */
const Retry = Symbol("Retry")
type Retry = typeof Retry

/** How a blocked `put` goes on: done (its item was added), or call again (or fail: shut down). */
type PutOutcome = Effect.Effect<void, QueueShutDown>

/**
 * The host of a blocked `put`, made for it: its item rides with it until its turn. (One small object per blocked
 * put, with the waiter: the memory of a task waiting in `put` is that of one waiting in `get`, plus this.)
 */
class PutRequest<A> implements WaiterHost<PutOutcome> {
  readonly queue: QueueImpl<A>
  readonly item: A
  constructor(queue: QueueImpl<A>, item: A) {
    this.queue = queue
    this.item = item
  }
  attempt(): Effect.Effect<PutOutcome> | undefined {
    const now = this.queue.tryPut(this.item)
    return now === undefined ? undefined : Effect.succeed(now)
  }
  onResume(): PutOutcome {
    return this.queue.resumePut(this.item)
  }
  stillThere(): boolean {
    return this.queue.putCanGoOn()
  }
  onCancel(_waiter: unknown, unparked: boolean): void {
    if (unparked) this.queue.passPutOn()
  }
  toString(): string {
    return `${this.queue.kind}.put()`
  }
}

/** A queue of `A`: one store, three parking lots, the unfinished-task counter and the shutdown flag. */
export class QueueImpl<A> {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [QueueTypeId] = QueueTypeId
  readonly kind: QueueKind
  readonly maxsize: number

  private readonly store: Store<A>
  private readonly getters = new ParkingLot<A | Retry>()
  private readonly putters = new ParkingLot<PutOutcome>()
  private readonly joiners = new ParkingLot<void>()
  private unfinished = 0
  private isShutdown = false

  constructor(kind: QueueKind, maxsize: number, store: Store<A>) {
    this.kind = kind
    this.maxsize = maxsize
    this.store = store
  }

  /** Whether a new item may be added now. */
  private hasRoom(): boolean {
    // `!(maxsize > 0)` rather than `maxsize <= 0`: NaN never fills up, as in Python (`qsize() >= nan` is false).
    return !(this.maxsize > 0) || this.store.size < this.maxsize
  }

  // -- the synchronous steps --------------------------------------------------------------------------------

  /**
   * Adds `item` (room was checked) and wakes a getter (Python's `put_nowait`). Throws if the priority comparator
   * throws; the slot is then still free, so the next putter in line is woken in the caller's place.
   */
  private addUnsafe(item: A): void {
    try {
      this.store.push(item)
    } catch (error) {
      this.putters.unpark()
      throw error
    }
    this.unfinished++
    this.getters.unpark()
  }

  /**
   * Takes the next item (there is one) and wakes a putter (Python's `get_nowait`). Throws if the priority
   * comparator throws; the item then stays, so the next getter in line is woken in the caller's place.
   */
  private takeUnsafe(): A {
    let item: A
    try {
      item = this.store.pop()
    } catch (error) {
      this.getters.unpark()
      throw error
    }
    this.putters.unpark()
    return item
  }

  private add(item: A): Effect.Effect<void> {
    try {
      this.addUnsafe(item)
      return Effect.void
    } catch (error) {
      return Effect.die(error)
    }
  }

  private take(): Effect.Effect<A> {
    try {
      return Effect.succeed(this.takeUnsafe())
    } catch (error) {
      return Effect.die(error)
    }
  }

  private shutDown(what: string): QueueShutDown {
    return new QueueShutDown(`${what}: the ${this.kind} is shut down`)
  }

  /** An unparked getter's turn: the item if there is one, else park again (or fail, if shut down). */
  onResume(): A | Retry {
    return this.store.size > 0 ? this.takeUnsafe() : Retry
  }

  /** An unparked getter was cancelled before its turn: the next getter may take the item it was woken for. */
  onCancel(_waiter: unknown, unparked: boolean): void {
    if (unparked && this.store.size > 0) this.getters.unpark()
  }

  /** At a woken putter's turn: a slot is free, or the queue is shut down (its `put` fails then). */
  putCanGoOn(): boolean {
    return this.isShutdown || this.hasRoom()
  }

  /** At a woken getter's turn: an item is there, or the queue is shut down (its `get` fails then). */
  stillThere(): boolean {
    return this.store.size > 0 || this.isShutdown
  }

  /** An unparked putter's turn: done once its item is added; else call again (park at the tail, or fail). */
  resumePut(item: A): PutOutcome {
    if (this.isShutdown || !this.hasRoom()) return this.put(item)
    this.addUnsafe(item)
    return Effect.void
  }

  /** An unparked putter was cancelled before its turn: the next putter may use the slot. Its item never arrives. */
  passPutOn(): void {
    if (this.hasRoom()) this.putters.unpark()
  }

  // -- the operations, as effects ---------------------------------------------------------------------------

  /** The outcome of a `put` that need not wait, or `undefined` if it must. */
  tryPut(item: A): Effect.Effect<void, QueueShutDown> | undefined {
    if (this.isShutdown) return Effect.fail(this.shutDown("put()"))
    if (this.hasRoom()) return this.add(item)
    return undefined
  }

  /** The outcome of a `get` that need not wait, or `undefined` if it must. */
  private tryGet(): Effect.Effect<A, QueueShutDown> | undefined {
    if (this.store.size > 0) return this.take()
    if (this.isShutdown) return Effect.fail(this.shutDown("get()"))
    return undefined
  }

  // The fast path runs in `suspend`; `park` checks again before parking the waiter, because the fiber may have
  // yielded to the scheduler in between (Effect's op budget) and the queue changed meanwhile.

  put(item: A): Effect.Effect<void, QueueShutDown> {
    return Effect.suspend(() => this.tryPut(item) ?? this.putWait(item))
  }

  private putWait(item: A): Effect.Effect<void, QueueShutDown> {
    return this.putters.parkOnce(new PutRequest(this, item))
  }

  private readonly getWait: Effect.Effect<A, QueueShutDown> = Effect.flatMap(
    this.getters.park(this, { what: () => `${this.kind}.get()` }),
    (outcome) => (outcome === Retry ? this.getEffect : Effect.succeed(outcome))
  )

  /** A getter's re-check in the step that parks (the queue is the host of its getters). */
  attempt(): Effect.Effect<A | Retry, QueueShutDown> | undefined {
    return this.tryGet()
  }

  private readonly getEffect: Effect.Effect<A, QueueShutDown> = Effect.suspend(
    () => this.tryGet() ?? this.getWait
  )

  get(): Effect.Effect<A, QueueShutDown> {
    return this.getEffect
  }

  putNowait(item: A): Effect.Effect<void, QueueFull | QueueShutDown> {
    return Effect.suspend((): Effect.Effect<void, QueueFull | QueueShutDown> => {
      if (this.isShutdown) return Effect.fail(this.shutDown("putNowait()"))
      if (!this.hasRoom()) {
        return Effect.fail(new QueueFull(`putNowait(): the ${this.kind} is full (maxsize=${this.maxsize})`))
      }
      return this.add(item)
    })
  }

  private readonly getNowaitEffect: Effect.Effect<A, QueueEmpty | QueueShutDown> = Effect.suspend(
    (): Effect.Effect<A, QueueEmpty | QueueShutDown> => {
      if (this.store.size > 0) return this.take()
      if (this.isShutdown) return Effect.fail(this.shutDown("getNowait()"))
      return Effect.fail(new QueueEmpty(`getNowait(): the ${this.kind} is empty`))
    }
  )

  getNowait(): Effect.Effect<A, QueueEmpty | QueueShutDown> {
    return this.getNowaitEffect
  }

  private readonly qsizeEffect: Effect.Effect<number> = Effect.sync(() => this.store.size)
  qsize(): Effect.Effect<number> {
    return this.qsizeEffect
  }

  private readonly emptyEffect: Effect.Effect<boolean> = Effect.sync(() => this.store.size === 0)
  empty(): Effect.Effect<boolean> {
    return this.emptyEffect
  }

  private readonly fullEffect: Effect.Effect<boolean> = Effect.sync(
    () => this.maxsize > 0 && this.store.size >= this.maxsize
  )
  full(): Effect.Effect<boolean> {
    return this.fullEffect
  }

  private readonly taskDoneEffect: Effect.Effect<void> = Effect.suspend(() => {
    if (this.unfinished <= 0) {
      return Effect.die(
        new ValueError(
          `taskDone() called too many times: every item put into the ${this.kind} has already been marked done`
        )
      )
    }
    this.unfinished--
    if (this.unfinished === 0) this.joiners.unparkAll()
    return Effect.void
  })
  taskDone(): Effect.Effect<void> {
    return this.taskDoneEffect
  }

  private readonly joinEffect: Effect.Effect<void> = Effect.suspend(() =>
    this.unfinished === 0 ? Effect.void : this.joinWait
  )

  private readonly joinWait: Effect.Effect<void> = this.joiners.park(
    {
      attempt: () => (this.unfinished === 0 ? Effect.void : undefined),
      onResume: () => undefined,
      onCancel: () => undefined
    },
    { what: () => `${this.kind}.join()` }
  )
  join(): Effect.Effect<void> {
    return this.joinEffect
  }

  private doShutdown(immediate: boolean): void {
    this.isShutdown = true
    if (immediate) {
      const discarded = this.store.clear()
      this.unfinished = Math.max(0, this.unfinished - discarded)
      if (this.unfinished === 0) this.joiners.unparkAll()
    }
    // Every blocked call re-checks: getters take what is left or fail, putters fail.
    this.getters.unparkAll()
    this.putters.unparkAll()
  }

  private readonly shutdownEffect: Effect.Effect<void> = Effect.sync(() => this.doShutdown(false))
  private readonly shutdownImmediateEffect: Effect.Effect<void> = Effect.sync(() => this.doShutdown(true))
  shutdown(immediate = false): Effect.Effect<void> {
    if (typeof immediate !== "boolean") {
      return Effect.die(
        new TypeError(`${this.kind}.shutdown: immediate must be a boolean, got ${show(immediate)}`)
      )
    }
    return immediate ? this.shutdownImmediateEffect : this.shutdownEffect
  }

  private state(): QueueState {
    return !this.isShutdown ? "open" : this.store.size > 0 ? "draining" : "shutdown"
  }

  snapshot(): QueueStatistics {
    return {
      kind: this.kind,
      state: this.state(),
      qsize: this.store.size,
      maxsize: this.maxsize,
      gettersWaiting: this.getters.waiting,
      puttersWaiting: this.putters.waiting,
      joinersWaiting: this.joiners.waiting,
      unfinishedTasks: this.unfinished
    }
  }

  private readonly statisticsEffect: Effect.Effect<QueueStatistics> = Effect.sync(() => this.snapshot())
  statistics(): Effect.Effect<QueueStatistics> {
    return this.statisticsEffect
  }

  toString(): string {
    const s = this.snapshot()
    let out = `<${s.kind} maxsize=${s.maxsize} qsize=${s.qsize}`
    if (s.gettersWaiting > 0) out += ` getters[${s.gettersWaiting}]`
    if (s.puttersWaiting > 0) out += ` putters[${s.puttersWaiting}]`
    if (s.unfinishedTasks > 0) out += ` tasks=${s.unfinishedTasks}`
    if (s.state !== "open") out += ` ${s.state}`
    return `${out}>`
  }

  toJSON(): unknown {
    return { _id: "Queue", ...this.snapshot() }
  }
}

export const isQueue = (u: unknown): u is QueueImpl<unknown> => u instanceof QueueImpl

/** The misuse error for something that is not a queue of this library. */
export const notAQueue = (call: string, u: unknown): TypeError =>
  new TypeError(`${call}: a Queue made by Queue.make, makePriority or makeLifo was expected, got ${show(u)}`)
