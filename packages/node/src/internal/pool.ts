/**
 * The thread pool behind `toThread`: a FIFO queue of calls and up to `size` worker threads, each running one
 * call at a time. Plain JavaScript with callbacks; `ToThread.ts` wraps it in effects.
 *
 * Life of a worker: spawned on demand (never before the first call), kept while idle (then `unref()`'d so it
 * never keeps the process alive by itself), terminated when a call running on it is cancelled with
 * `onCancel: "terminate"` (unless its function asked for its cancel signal and settles when it is aborted), when it
 * crashes, or when the pool closes.
 *
 * Life of a call: `queued` → `running` → `done`; a running call cancelled with `onCancel: "finish"` is
 * `abandoned`: it keeps its worker until the function returns, and its result is dropped. A running call
 * cancelled with `onCancel: "terminate"` has its worker terminated at once, unless its function asked for its
 * cancel signal (the worker said `Asked`): then it is `cancelling` while the worker aborts the signal, until the
 * function settles (the worker is kept) or `cancelTimeoutMs` has passed (the worker is terminated).
 */
import { Worker } from "node:worker_threads"
import { RuntimeError, TypeError } from "@effect-asyncio/core/Errors"
import * as Context from "effect/Context"
import type * as Fiber from "effect/Fiber"
import { makeConfig, type OnCancel, type PoolConfig, type PoolWords, threadWords } from "./poolConfig.ts"
import type { CallMessage, ReplyMessage, RequestMessage, SerializedError } from "./protocol.ts"
import { RunPool } from "./runPool.ts"
import { workerSource } from "./worker.ts"

/**
 * What the pool needs of one execution unit: a `Worker`, or anything that behaves like one (the process pool's
 * child processes). `exit` reports an exit code; a unit killed by a signal reports `128 + signal number`.
 */
export interface WorkerLike {
  on(event: "message", listener: (reply: ReplyMessage) => void): unknown
  on(event: "error", listener: (error: Error) => void): unknown
  on(event: "exit", listener: (code: number) => void): unknown
  postMessage(message: RequestMessage): void
  terminate(): Promise<unknown>
  ref(): void
  unref(): void
}

/** How a call ended, as the effect wrapper needs it. */
export type Outcome =
  | { readonly _tag: "Success"; readonly value: unknown }
  | { readonly _tag: "Threw"; readonly error: SerializedError }
  | { readonly _tag: "Defect"; readonly defect: Error }

export interface Call {
  readonly id: number
  readonly module: string
  readonly name: string
  readonly args: ReadonlyArray<unknown>
  readonly onCancel: OnCancel
  state: "queued" | "running" | "abandoned" | "cancelling" | "done"
  slot: Slot | undefined
  readonly settle: (outcome: Outcome) => void
  /** The function asked for its cancel signal: cancelling it aborts the signal before terminating anything. */
  asked: boolean
  /** While `cancelling`: ends the cancellation (clears the timer, resolves `cancel()`'s promise). */
  stopped: (() => void) | undefined
}

interface Slot {
  readonly worker: WorkerLike
  /**
   * A worker thread's flag, shared with it: the id of the call whose function asked for its cancel signal, set
   * synchronously when it asks — so a cancellation right after can never miss it. Child processes share no
   * memory: theirs is `undefined`, and their `Asked` message sets `call.asked`.
   */
  readonly asked: Int32Array | undefined
  readonly number: number
  call: Call | undefined
  /** We asked this worker to stop: its exit is expected. */
  stopping: boolean
  /** The uncaught error that killed it, if one did. */
  crash: unknown
}

/** A snapshot of a pool, for tests, progress displays and debugging. */
export interface PoolStatistics {
  /** The most threads the pool runs at once. */
  readonly size: number
  /** Worker threads alive now (busy, idle, or being terminated). */
  readonly threads: number
  /** Threads running a call someone awaits (or whose cancellation waits for its clean-up). */
  readonly busy: number
  /** Threads still running a call whose caller was cancelled with `onCancel: "finish"` (result dropped). */
  readonly abandoned: number
  /** Idle threads, ready for the next call. */
  readonly idle: number
  /** Calls waiting for a thread. */
  readonly queued: number
  /** Threads started since the pool was created. */
  readonly started: number
  /** Threads terminated because a call running on them was cancelled (`onCancel: "terminate"`). */
  readonly terminated: number
  /** Whether the pool has been shut down. */
  readonly closed: boolean
}

/** The text naming a call in messages: `fib (file:///…/work.ts)`. */
export const describeCall = (call: { readonly module: string; readonly name: string }): string =>
  `${call.name} (${call.module})`

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Whether a worker's `error` event says it hit its `resourceLimits`. */
const isOutOfMemory = (error: unknown): error is Error =>
  error instanceof Error && Reflect.get(error, "code") === "ERR_WORKER_OUT_OF_MEMORY"

export class Pool {
  readonly config: PoolConfig
  private readonly slots = new Set<Slot>()
  private readonly idle: Array<Slot> = []
  private queue: Array<Call | undefined> = []
  private queueHead = 0
  private queued = 0
  private nextId = 0
  private started = 0
  private terminated = 0
  private closed = false
  private closing: Promise<void> | undefined
  private onEmpty: (() => void) | undefined

  /** Starts one execution unit of another backend (the process pool); by default, a worker thread. */
  private readonly spawnUnit: (() => WorkerLike) | undefined

  constructor(config: PoolConfig, spawnUnit?: () => WorkerLike) {
    this.config = config
    this.spawnUnit = spawnUnit
  }

  private get words(): PoolWords {
    return this.config.words ?? threadWords
  }

  /**
   * Queues a call; `settle` is called exactly once with its outcome, unless the call is cancelled first.
   * Returns `undefined` if the call was settled at once (the pool is closed).
   */
  submit(
    module: string,
    name: string,
    args: ReadonlyArray<unknown>,
    onCancel: OnCancel,
    settle: (outcome: Outcome) => void
  ): Call | undefined {
    if (this.closed) {
      settle({
        _tag: "Defect",
        defect: new RuntimeError(
          `${this.words.call}: cannot schedule ${name} after the ${this.words.pool} ${this.config.name} was shut down`
        )
      })
      return undefined
    }
    const call: Call = {
      id: ++this.nextId,
      module,
      name,
      args,
      onCancel,
      state: "queued",
      slot: undefined,
      settle,
      asked: false,
      stopped: undefined
    }
    this.queue.push(call)
    this.queued++
    this.dispatch()
    return call
  }

  /**
   * Cancels a call: a queued call leaves the queue; a running one is abandoned to finish on its own
   * (`onCancel: "finish"`), or stopped — the returned promise resolves once its thread has been terminated, or,
   * for a function that asked for its cancel signal, once it has settled after the signal was aborted (see
   * {@link cancelRunning}).
   */
  cancel(call: Call): Promise<void> | undefined {
    switch (call.state) {
      case "queued":
        call.state = "done"
        this.queued--
        return undefined
      case "running": {
        const slot = call.slot!
        if (call.onCancel === "finish") {
          call.state = "abandoned"
          return undefined
        }
        if (call.asked || (slot.asked !== undefined && Atomics.load(slot.asked, 0) === (call.id | 0))) {
          return this.cancelRunning(call, slot)
        }
        call.state = "done"
        this.terminated++
        return this.stop(slot)
      }
      default:
        return undefined
    }
  }

  statistics(): PoolStatistics {
    let busy = 0
    let abandoned = 0
    for (const slot of this.slots) {
      if (slot.call?.state === "running" || slot.call?.state === "cancelling") busy++
      else if (slot.call?.state === "abandoned") abandoned++
    }
    return {
      size: this.config.size,
      threads: this.slots.size,
      busy,
      abandoned,
      idle: this.idle.length,
      queued: this.queued,
      started: this.started,
      terminated: this.terminated,
      closed: this.closed
    }
  }

  /**
   * Shuts the pool down: new calls are refused, queued calls fail (their callers get a defect), idle threads are
   * terminated at once, and running calls — awaited or abandoned — may finish for up to `shutdownTimeoutMs`;
   * then their threads are terminated too. Resolves when no thread is left. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
    this.closed = true
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const call = this.queue[i]
      if (call === undefined || call.state !== "queued") continue
      call.state = "done"
      call.settle({
        _tag: "Defect",
        defect: new RuntimeError(
          `${this.words.call}: the ${this.words.pool} ${this.config.name} was shut down before ${call.name} started`
        )
      })
    }
    this.queue = []
    this.queueHead = 0
    this.queued = 0
    for (const slot of this.idle.splice(0)) void this.stop(slot)
    this.closing = new Promise<void>((resolve) => {
      if (this.slots.size === 0) return resolve()
      let timer: ReturnType<typeof setTimeout> | undefined
      this.onEmpty = () => {
        if (timer !== undefined) clearTimeout(timer)
        resolve()
      }
      const limit = this.config.shutdownTimeoutMs
      const expire = (): void => {
        for (const slot of this.slots) void this.stop(slot)
      }
      if (limit <= 0) expire()
      else if (Number.isFinite(limit)) timer = setTimeout(expire, limit)
    })
    return this.closing
  }

  // -------------------------------------------------------------------------------------------------------

  /**
   * Stops a running call whose function asked for its cancel signal: the worker aborts it (`Cancel`), and the
   * function may settle within `cancelTimeoutMs` — its reply ends the cancellation and the worker serves the next
   * call. A worker that does not reply in time (its function ignores the signal, or blocks the event loop) is
   * terminated.
   */
  private cancelRunning(call: Call, slot: Slot): Promise<void> {
    call.state = "cancelling"
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.terminateCancelled(call, slot), this.config.cancelTimeoutMs)
      call.stopped = () => {
        clearTimeout(timer)
        call.stopped = undefined
        call.state = "done"
        resolve()
      }
      try {
        slot.worker.postMessage({ _tag: "Cancel", id: call.id })
      } catch {
        this.terminateCancelled(call, slot)
      }
    })
  }

  /** A cancelled call's worker is terminated; the cancellation ends when it has exited (`onExit`). */
  private terminateCancelled(call: Call, slot: Slot): void {
    if (call.state !== "cancelling" || slot.stopping) return
    this.terminated++
    void this.stop(slot)
  }

  /** Starts queued calls while threads are free or may be spawned. */
  private dispatch(): void {
    while (this.queued > 0 && !this.closed) {
      let slot = this.idle.pop()
      if (slot === undefined) {
        if (this.slots.size >= this.config.size) return
        slot = this.spawn()
      }
      const call = this.dequeue()
      if (call === undefined) {
        this.park(slot)
        return
      }
      this.start(slot, call)
    }
  }

  private dequeue(): Call | undefined {
    while (this.queueHead < this.queue.length) {
      const call = this.queue[this.queueHead]
      this.queue[this.queueHead++] = undefined
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead)
        this.queueHead = 0
      }
      if (call?.state === "queued") {
        this.queued--
        return call
      }
    }
    return undefined
  }

  private spawn(): Slot {
    let worker: WorkerLike
    let asked: Int32Array | undefined
    if (this.spawnUnit === undefined) {
      asked = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT))
      worker = new Worker(workerSource, {
        eval: true,
        resourceLimits: this.config.resourceLimits,
        workerData: { asked: asked.buffer }
      })
    } else {
      worker = this.spawnUnit()
    }
    const slot: Slot = {
      worker,
      asked,
      number: ++this.started,
      call: undefined,
      stopping: false,
      crash: undefined
    }
    this.slots.add(slot)
    worker.on("message", (reply: ReplyMessage) => this.onReply(slot, reply))
    worker.on("error", (error) => {
      slot.crash = error
    })
    worker.on("exit", (code) => this.onExit(slot, code))
    return slot
  }

  private start(slot: Slot, call: Call): void {
    slot.call = call
    call.slot = slot
    call.state = "running"
    slot.worker.ref()
    const message: CallMessage = {
      _tag: "Call",
      id: call.id,
      module: call.module,
      name: call.name,
      args: call.args
    }
    try {
      slot.worker.postMessage(message)
    } catch (error) {
      // Arguments that cannot be cloned (functions, class instances with private state, …) are a bug.
      slot.call = undefined
      call.slot = undefined
      call.state = "done"
      this.release(slot)
      call.settle({
        _tag: "Defect",
        defect: new TypeError(
          `${this.words.call}: the arguments of ${describeCall(call)} cannot be sent to a ${this.words.unit}: ${messageOf(error)}`
        )
      })
    }
  }

  /** A thread whose call ended: it takes the next queued call, goes idle, or stops if the pool is closed. */
  private release(slot: Slot): void {
    if (this.closed) {
      void this.stop(slot)
      return
    }
    const next = this.dequeue()
    if (next !== undefined) this.start(slot, next)
    else this.park(slot)
  }

  private park(slot: Slot): void {
    slot.worker.unref()
    this.idle.push(slot)
  }

  private stop(slot: Slot): Promise<void> {
    slot.stopping = true
    const index = this.idle.indexOf(slot)
    if (index >= 0) this.idle.splice(index, 1)
    return slot.worker.terminate().then(
      () => undefined,
      () => undefined
    )
  }

  private onReply(slot: Slot, reply: ReplyMessage): void {
    const call = slot.call
    if (call === undefined || call.id !== reply.id || slot.stopping) return
    if (reply._tag === "Asked") {
      call.asked = true
      return
    }
    if (call.state === "cancelling") {
      // The function settled after its cancel signal was aborted: cleaned up, its result dropped; the worker
      // serves the next call.
      slot.call = undefined
      call.slot = undefined
      call.stopped?.()
      this.release(slot)
      return
    }
    const awaited = call.state === "running"
    slot.call = undefined
    call.slot = undefined
    call.state = "done"
    this.release(slot)
    if (!awaited) return
    switch (reply._tag) {
      case "Success":
        call.settle({ _tag: "Success", value: reply.value })
        return
      case "Threw":
        call.settle({ _tag: "Threw", error: reply.error })
        return
      case "Misuse": {
        const defect =
          reply.kind === "export"
            ? new TypeError(`${this.words.call}: ${reply.message}`)
            : new RuntimeError(`${this.words.call}: ${reply.message}`)
        if (reply.error?.stack !== undefined) defect.cause = reply.error.stack
        call.settle({ _tag: "Defect", defect })
        return
      }
    }
  }

  /** What a call whose thread ran out of memory fails with: a `MemoryError` naming the limit. */
  private outOfMemory(call: Call, crash: Error): SerializedError {
    const limits = this.config.resourceLimits
    const limit = limits.maxOldGenerationSizeMb
    return {
      isError: true,
      name: "MemoryError",
      message: `the worker thread running ${describeCall(call)} ran out of memory${
        limit === undefined ? "" : ` (resourceLimits.maxOldGenerationSizeMb: ${limit})`
      } and was stopped: ${crash.message}`,
      stack: undefined,
      data: { code: "ERR_WORKER_OUT_OF_MEMORY", resourceLimits: { ...limits } },
      value: undefined,
      cause: undefined
    }
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot)
    const index = this.idle.indexOf(slot)
    if (index >= 0) this.idle.splice(index, 1)
    const call = slot.call
    slot.call = undefined
    if (call !== undefined && call.state === "running" && isOutOfMemory(slot.crash)) {
      // The function exhausted the thread's heap: it failed (Python's MemoryError), like a function that throws.
      call.state = "done"
      call.settle({ _tag: "Threw", error: this.outOfMemory(call, slot.crash) })
    } else if (call !== undefined && call.state === "running") {
      // Not cancelled: the thread died under the call (an uncaught error, `process.exit`) or the pool's shutdown
      // timeout expired.
      call.state = "done"
      const why = slot.stopping
        ? `was terminated because the ${this.words.pool} ${this.config.name} shut down`
        : slot.crash !== undefined
          ? `crashed: ${messageOf(slot.crash)}`
          : `exited with code ${code}`
      const defect = new RuntimeError(
        `${this.words.call}: the ${this.words.unit} running ${describeCall(call)} ${why}`
      )
      if (slot.crash !== undefined) defect.cause = slot.crash
      call.settle({ _tag: "Defect", defect })
    } else if (call !== undefined && call.stopped !== undefined) {
      call.stopped()
    } else if (call !== undefined) {
      call.state = "done"
    }
    if (this.slots.size === 0 && this.onEmpty !== undefined) this.onEmpty()
    this.dispatch()
  }
}

let processPool: Pool | undefined

/**
 * The pool used where none is installed (no `run`, no `ThreadPool.layer`): one per process, created on first
 * use, never closed. Its idle threads are `unref()`'d, so it never keeps the process alive.
 */
export const processDefault = (): Pool => {
  processPool ??= new Pool(makeConfig({ name: "ThreadPool-default" }))
  return processPool
}

/** The pool installed by `ThreadPool.layer`, `ThreadPool.scoped` or an executor, if any. */
export const CurrentPool = Context.Reference<Pool | undefined>("@effect-asyncio/node/ThreadPool", {
  defaultValue: () => undefined
})

/**
 * The pool `toThread` uses in `fiber`: the one installed there; else the pool of the `run` in progress (created
 * now, on the run's first `toThread`, and shut down by the run); else the process-wide default.
 */
export const poolOf = (fiber: Fiber.Fiber<unknown, unknown>): Pool => {
  const installed = fiber.getRef(CurrentPool)
  if (installed !== undefined) return installed
  const run = fiber.getRef(RunPool)
  if (run === undefined) return processDefault()
  run.pool ??= new Pool(run.config)
  return run.pool
}
