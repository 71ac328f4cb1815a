/**
 * The machinery behind `Queue`: the queue state machine, the FIFO lists of blocked getters, putters and joiners,
 * and the rules that keep wake-ups first-come-first-served and cancellation-safe.
 *
 * **How a blocked call resumes.** A `get` that finds nothing it may take (a `put` that finds no free slot)
 * parks a waiter node at the tail of an intrusive doubly-linked list and suspends with `Effect.callback`, whose
 * canceller unlinks the node in O(1). When an item arrives (a slot frees up), the head waiter is *woken*: it
 * leaves the list, the item (slot) is *reserved* for it, and its resumption is scheduled on the queue's
 * dispatcher (as asyncio resumes a woken task on the next loop iteration, never inline in the caller). When the
 * scheduled turn comes, the fiber is resumed with an effect that takes the item (puts its item) as its very first
 * step. Effect silently ignores a resumption of a fiber that has been interrupted meanwhile (its canceller may
 * not have run yet if the fiber was preempted while unwinding), so the queue never acts *for* a woken fiber:
 * the fiber acts itself, or it does not run and its canceller gives the reservation back.
 *
 * **No barging.** Reservations are honoured by every fast path: `get`/`getNowait` only take items beyond those
 * reserved for woken getters, `put`/`putNowait` only use slots beyond those reserved for woken putters. So the
 * order in which calls blocked is the order in which they are served (Python lets a non-blocking call overtake
 * a woken waiter, which then queues again at the back).
 *
 * **Cancellation.** A waiter cancelled while still in its list is unlinked. A waiter cancelled after it was
 * woken (before its scheduled turn) gives its reservation back and the next waiter in line is woken instead —
 * Python's "the wake-up passes to the next waiter". A cancelled `put` therefore never delivers its item, and a
 * cancelled `get` never consumes one.
 *
 * Invariants (outside a synchronous step): a non-empty getter list means `size <= reservedGets`; a non-empty
 * putter list means `size + reservedPuts >= maxsize`.
 */
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import type { SchedulerDispatcher } from "effect/Scheduler"
import { QueueEmpty, QueueFull, QueueShutDown, TypeError, ValueError } from "../Errors.ts"
import type { QueueKind, QueueState, QueueStatistics } from "../Queue.ts"
import * as hooks from "./hooks.ts"
import { observeWait } from "./observe.ts"
import type { Store } from "./queueStore.ts"
import { show } from "./validate.ts"

export const QueueTypeId = "~effect-asyncio/Queue" as const

// ---------------------------------------------------------------------------------------------------------
// Waiters and their FIFO list
// ---------------------------------------------------------------------------------------------------------

/** In its list, waiting for an item, a slot or `join`'s counter to reach zero. */
const WAITING = 0
/** Taken out of its list; its resumption is scheduled (or was ignored, and its canceller is pending). */
const WOKEN = 1
/** Resumed or cancelled: nothing more happens to it. */
const SETTLED = 2

type WaiterState = typeof WAITING | typeof WOKEN | typeof SETTLED

/** A blocked `get`, `put` or `join`: a node of an intrusive doubly-linked list. */
abstract class Waiter {
  prev: Waiter | undefined = undefined
  next: Waiter | undefined = undefined
  state: WaiterState = WAITING
  /** Whether an item (getter) or a slot (putter) is reserved for this woken waiter. */
  reserved = false
  /** The waiter's scheduled turn (it is `WOKEN`): resumes its fiber, which may ignore it (see above). */
  abstract run(): void
}

class GetWaiter<A> extends Waiter {
  readonly queue: QueueImpl<A>
  readonly resume: (effect: Effect.Effect<A, QueueShutDown>) => void
  constructor(queue: QueueImpl<A>, resume: (effect: Effect.Effect<A, QueueShutDown>) => void) {
    super()
    this.queue = queue
    this.resume = resume
  }
  run(): void {
    this.resume(Effect.suspend(() => this.queue.completeGet(this)))
  }
}

class PutWaiter<A> extends Waiter {
  readonly queue: QueueImpl<A>
  readonly item: A
  readonly resume: (effect: Effect.Effect<void, QueueShutDown>) => void
  constructor(queue: QueueImpl<A>, item: A, resume: (effect: Effect.Effect<void, QueueShutDown>) => void) {
    super()
    this.queue = queue
    this.item = item
    this.resume = resume
  }
  run(): void {
    this.resume(Effect.suspend(() => this.queue.completePut(this)))
  }
}

class JoinWaiter extends Waiter {
  readonly resume: (effect: Effect.Effect<void>) => void
  constructor(resume: (effect: Effect.Effect<void>) => void) {
    super()
    this.resume = resume
  }
  run(): void {
    this.resume(
      Effect.sync(() => {
        this.state = SETTLED
      })
    )
  }
}

/** A FIFO of waiters with O(1) push, shift, unshift and removal of any node. */
class WaiterList<W extends Waiter> {
  private head: W | undefined = undefined
  private tail: W | undefined = undefined
  size = 0

  push(node: W): void {
    node.prev = this.tail
    node.next = undefined
    if (this.tail === undefined) this.head = node
    else this.tail.next = node
    this.tail = node
    this.size++
  }

  unshift(node: W): void {
    node.prev = undefined
    node.next = this.head
    if (this.head === undefined) this.tail = node
    else this.head.prev = node
    this.head = node
    this.size++
  }

  shift(): W | undefined {
    const node = this.head
    if (node !== undefined) this.remove(node)
    return node
  }

  /** Unlinks `node`, which must be in this list. */
  remove(node: W): void {
    if (node.prev === undefined) this.head = node.next as W | undefined
    else node.prev.next = node.next
    if (node.next === undefined) this.tail = node.prev as W | undefined
    else node.next.prev = node.prev
    node.prev = undefined
    node.next = undefined
    this.size--
  }
}

// ---------------------------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------------------------

/** A queue of `A`: one store, three waiter lists, the unfinished-task counter and the shutdown flag. */
export class QueueImpl<A> {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments reads them
    return pipeArguments(this, arguments)
  }

  readonly [QueueTypeId] = QueueTypeId
  readonly kind: QueueKind
  readonly maxsize: number

  private readonly store: Store<A>
  private readonly dispatcher: SchedulerDispatcher
  private readonly getters = new WaiterList<GetWaiter<A>>()
  private readonly putters = new WaiterList<PutWaiter<A>>()
  private readonly joiners = new WaiterList<JoinWaiter>()
  /** Items promised to woken getters that have not had their turn yet. */
  private reservedGets = 0
  /** Free slots promised to woken putters that have not had their turn yet. */
  private reservedPuts = 0
  /** Woken getters/putters that have not had their turn yet (reserved or woken by `shutdown`). */
  private wokenGets = 0
  private wokenPuts = 0
  private unfinished = 0
  private isShutdown = false
  private ready: Array<Waiter> = []
  private flushScheduled = false

  constructor(kind: QueueKind, maxsize: number, store: Store<A>, dispatcher: SchedulerDispatcher) {
    this.kind = kind
    this.maxsize = maxsize
    this.store = store
    this.dispatcher = dispatcher
  }

  // -- predicates -------------------------------------------------------------------------------------------

  /** Whether a new item may be added now: unbounded, or a slot is free beyond those reserved. */
  private hasRoom(): boolean {
    // `!(maxsize > 0)` rather than `maxsize <= 0`: NaN never fills up, as in Python (`qsize() >= nan` is false).
    return !(this.maxsize > 0) || this.store.size + this.reservedPuts < this.maxsize
  }

  /** How many items may be taken now without overtaking a woken getter. */
  private available(): number {
    return this.store.size - this.reservedGets
  }

  // -- waking -----------------------------------------------------------------------------------------------

  private wake(node: Waiter): void {
    node.state = WOKEN
    this.ready.push(node)
    if (!this.flushScheduled) {
      this.flushScheduled = true
      this.dispatcher.scheduleTask(this.flush, 0)
    }
  }

  /** Gives each woken waiter its turn, in wake-up order; waiters woken meanwhile wait for the next flush. */
  private readonly flush = (): void => {
    this.flushScheduled = false
    const batch = this.ready
    this.ready = []
    for (let i = 0; i < batch.length; i++) {
      const node = batch[i]
      if (node.state === WOKEN) node.run()
    }
  }

  /** Wakes getters while there are unreserved items for them. */
  private wakeGetters(): void {
    while (this.getters.size > 0 && this.available() > 0) {
      const node = this.getters.shift()!
      node.reserved = true
      this.reservedGets++
      this.wokenGets++
      this.wake(node)
    }
  }

  /** Wakes putters while there are unreserved slots for them. */
  private wakePutters(): void {
    while (this.putters.size > 0 && this.hasRoom()) {
      const node = this.putters.shift()!
      node.reserved = true
      this.reservedPuts++
      this.wokenPuts++
      this.wake(node)
    }
  }

  private wakeJoiners(): void {
    while (this.joiners.size > 0) this.wake(this.joiners.shift()!)
  }

  // -- the synchronous steps --------------------------------------------------------------------------------

  /**
   * Adds `item` (room was checked) and wakes a getter. Dies if the priority comparator throws; the slot is then
   * still free, so the next putter in line is woken (it may have been reserved for the caller).
   */
  private add(item: A): Effect.Effect<void> {
    try {
      this.store.push(item)
    } catch (error) {
      this.wakePutters()
      return Effect.die(error)
    }
    this.unfinished++
    this.wakeGetters()
    return Effect.void
  }

  /**
   * Takes the next item (one is available) and wakes a putter. Dies if the priority comparator throws; the item
   * then stays, so the next getter in line is woken (it may have been reserved for the caller).
   */
  private take(): Effect.Effect<A> {
    let item: A
    try {
      item = this.store.pop()
    } catch (error) {
      this.wakeGetters()
      return Effect.die(error)
    }
    this.wakePutters()
    return Effect.succeed(item)
  }

  private shutDown(what: string): QueueShutDown {
    return new QueueShutDown(`${what}: the ${this.kind} is shut down`)
  }

  /** The first step of a woken getter's fiber on its turn. */
  completeGet(node: GetWaiter<A>): Effect.Effect<A, QueueShutDown> {
    // Not WOKEN only if the canceller ran, and then the fiber is not running this; kept for safety.
    if (node.state !== WOKEN) return this.getEffect
    node.state = SETTLED
    this.wokenGets--
    if (node.reserved) {
      node.reserved = false
      this.reservedGets--
    }
    if (this.available() > 0) return this.take()
    if (this.isShutdown) return Effect.fail(this.shutDown("get()"))
    // Unreachable while the invariants hold (the item was reserved); if they do not, wait again.
    return this.getEffect
  }

  /** The first step of a woken putter's fiber on its turn. */
  completePut(node: PutWaiter<A>): Effect.Effect<void, QueueShutDown> {
    if (node.state !== WOKEN) return this.put(node.item)
    node.state = SETTLED
    this.wokenPuts--
    if (node.reserved) {
      node.reserved = false
      this.reservedPuts--
    }
    if (this.isShutdown) return Effect.fail(this.shutDown("put()"))
    if (this.hasRoom()) return this.add(node.item)
    return this.put(node.item)
  }

  /** The canceller of a blocked `get`: unlink it, or pass its wake-up on. */
  private cancelGetter(node: GetWaiter<A>): void {
    if (node.state === WAITING) {
      this.getters.remove(node)
    } else if (node.state === WOKEN) {
      this.wokenGets--
      if (node.reserved) {
        node.reserved = false
        this.reservedGets--
        this.wakeGetters()
      }
    }
    node.state = SETTLED
  }

  /** The canceller of a blocked `put`: unlink it, or pass its wake-up on. Its item is never added. */
  private cancelPutter(node: PutWaiter<A>): void {
    if (node.state === WAITING) {
      this.putters.remove(node)
    } else if (node.state === WOKEN) {
      this.wokenPuts--
      if (node.reserved) {
        node.reserved = false
        this.reservedPuts--
        this.wakePutters()
      }
    }
    node.state = SETTLED
  }

  private cancelJoiner(node: JoinWaiter): void {
    if (node.state === WAITING) this.joiners.remove(node)
    node.state = SETTLED
  }

  // -- the operations, as effects ---------------------------------------------------------------------------

  /** The outcome of a `put` that need not wait, or `undefined` if it must. */
  private tryPut(item: A): Effect.Effect<void, QueueShutDown> | undefined {
    if (this.isShutdown) return Effect.fail(this.shutDown("put()"))
    if (this.hasRoom()) return this.add(item)
    return undefined
  }

  /** The outcome of a `get` that need not wait, or `undefined` if it must. */
  private tryGet(): Effect.Effect<A, QueueShutDown> | undefined {
    if (this.getters.size === 0 && this.available() > 0) return this.take()
    if (this.isShutdown) return Effect.fail(this.shutDown("get()"))
    return undefined
  }

  // The fast path runs in `suspend`; the callback checks again before parking the waiter, because the fiber may
  // have yielded to the scheduler in between (Effect's op budget) and the queue changed meanwhile.

  put(item: A): Effect.Effect<void, QueueShutDown> {
    return Effect.suspend(() => this.tryPut(item) ?? this.waited(this.putWait(item), "put"))
  }

  private putWait(item: A): Effect.Effect<void, QueueShutDown> {
    return Effect.callback<void, QueueShutDown>((resume) => {
      const now = this.tryPut(item)
      if (now !== undefined) {
        resume(now)
        return
      }
      const node = new PutWaiter(this, item, resume)
      this.putters.push(node)
      return Effect.sync(() => this.cancelPutter(node))
    })
  }

  /** A slow path, reported to the observers (timelines, `ps`) as the current task waiting on the queue. */
  private waited<X, E>(wait: Effect.Effect<X, E>, operation: string): Effect.Effect<X, E> {
    return hooks.observers.length === 0
      ? wait
      : observeWait(wait, { _tag: "primitive", what: `${this.kind}.${operation}()` })
  }

  private readonly getWait: Effect.Effect<A, QueueShutDown> = Effect.callback<A, QueueShutDown>((resume) => {
    const now = this.tryGet()
    if (now !== undefined) {
      resume(now)
      return
    }
    const node = new GetWaiter(this, resume)
    this.getters.push(node)
    return Effect.sync(() => this.cancelGetter(node))
  })

  private readonly getEffect: Effect.Effect<A, QueueShutDown> = Effect.suspend(
    () => this.tryGet() ?? this.waited(this.getWait, "get")
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
      if (this.available() > 0) return this.take()
      if (this.isShutdown) return Effect.fail(this.shutDown("getNowait()"))
      return Effect.fail(
        new QueueEmpty(
          this.store.size === 0
            ? `getNowait(): the ${this.kind} is empty`
            : `getNowait(): every item of the ${this.kind} is promised to a waiting get()`
        )
      )
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
    if (this.unfinished === 0) this.wakeJoiners()
    return Effect.void
  })
  taskDone(): Effect.Effect<void> {
    return this.taskDoneEffect
  }

  private readonly joinEffect: Effect.Effect<void> = Effect.suspend(() => {
    if (this.unfinished === 0) return Effect.void
    return this.waited(this.joinWait, "join")
  })

  private readonly joinWait: Effect.Effect<void> = Effect.suspend(() => {
    return Effect.callback<void>((resume) => {
      if (this.unfinished === 0) {
        resume(Effect.void)
        return
      }
      const node = new JoinWaiter(resume)
      this.joiners.push(node)
      return Effect.sync(() => this.cancelJoiner(node))
    })
  })
  join(): Effect.Effect<void> {
    return this.joinEffect
  }

  private doShutdown(immediate: boolean): void {
    this.isShutdown = true
    if (immediate) {
      const discarded = this.store.clear()
      this.unfinished = Math.max(0, this.unfinished - discarded)
      if (this.unfinished === 0) this.wakeJoiners()
    }
    // Every blocked call re-checks: getters take what is left or fail, putters fail.
    while (this.getters.size > 0) {
      this.wokenGets++
      this.wake(this.getters.shift()!)
    }
    while (this.putters.size > 0) {
      this.wokenPuts++
      this.wake(this.putters.shift()!)
    }
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
      gettersWaiting: this.getters.size + this.wokenGets,
      puttersWaiting: this.putters.size + this.wokenPuts,
      joinersWaiting: this.joiners.size,
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
