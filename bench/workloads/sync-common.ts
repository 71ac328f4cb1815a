/**
 * Helpers shared by the TaskGroup, Semaphore, Lock and Queue workloads (`taskgroup-*.ts`, `semaphore*.ts`,
 * `lock.ts`, `queue.ts`).
 */
import * as Effect from "effect/Effect"
import type { PromisePreparer } from "../lib/types.ts"
import { effectsOf, immediate, sum } from "./common.ts"

/**
 * What the finalizers of the cancellation workloads record: each one counts itself and adds its task's index, so
 * a repetition's checksum is 0 + 1 + … + (N − 1) only if every finalizer ran, once.
 */
export class Finalized {
  count = 0
  sum = 0

  reset(): void {
    this.count = 0
    this.sum = 0
  }

  /** The checksum; a defect naming the shortfall if some finalizer did not run. */
  check(n: number): Effect.Effect<number> {
    return Effect.suspend(() =>
      this.count === n
        ? Effect.succeed(this.sum)
        : Effect.die(new Error(`${this.count} of ${n} finalizers ran`))
    )
  }
}

/** `n` effects that block forever (`Effect.never`), each with a finalizer recording its index in `fin`. */
export const blockedForever = (n: number, fin: Finalized): Array<Effect.Effect<never>> =>
  effectsOf(n, (i) =>
    Effect.ensuring(
      Effect.never,
      Effect.sync(() => {
        fin.count++
        fin.sum += i
      })
    )
  )

/** An async function that yields once (a `setImmediate` turn, the Promise `sleep(0)`) and returns `i`. */
export const yieldOnce = async (i: number): Promise<number> => {
  await immediate()
  return i
}

/**
 * A FIFO list of callbacks with O(1) push and shift (an array with a moving head, reset when drained); used for
 * waiters, whose number can reach N.
 */
class Waiters {
  private items: Array<() => void> = []
  private head = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(waiter: () => void): void {
    this.items.push(waiter)
  }

  shift(): (() => void) | undefined {
    if (this.head === this.items.length) return undefined
    const waiter = this.items[this.head++]
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    }
    return waiter
  }
}

/**
 * A p-limit style limiter (the Promise floor of `Semaphore(limit)`): at most `limit` calls of `run` are inside
 * `f` at once; the others wait FIFO, and a finishing call hands its slot straight to the first waiter.
 */
export class Limiter {
  private active = 0
  private readonly waiting = new Waiters()
  private readonly limit: number

  constructor(limit: number) {
    this.limit = limit
  }

  async run<A>(f: () => Promise<A>): Promise<A> {
    if (this.active < this.limit && this.waiting.size === 0) {
      this.active++
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    try {
      return await f()
    } finally {
      const next = this.waiting.shift()
      if (next !== undefined) next()
      else this.active--
    }
  }
}

/** The Promise floor of N tasks through a `Semaphore(limit)` (a `Lock` for 1): N calls that yield once, `limit` at a time. */
export const limitedYields =
  (limit: number): PromisePreparer =>
  (n) =>
  async () => {
    const limiter = new Limiter(limit)
    const promises = new Array<Promise<number>>(n)
    for (let i = 0; i < n; i++) promises[i] = limiter.run(() => yieldOnce(i))
    return sum(await Promise.all(promises))
  }

/**
 * A bounded async queue of numbers for several consumers and one producer (the Promise floor of `Queue(100)`):
 * `put` waits while the queue is full, `get` while it is empty; an item put while a consumer waits is handed to
 * it directly.
 */
export class BoundedQueue {
  private items: Array<number> = []
  private head = 0
  private readonly getters: Array<(value: number) => void> = []
  private readonly putters: Array<() => void> = []
  private readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
  }

  async put(value: number): Promise<void> {
    for (;;) {
      const getter = this.getters.shift()
      if (getter !== undefined) {
        getter(value)
        return
      }
      if (this.items.length - this.head < this.capacity) {
        this.items.push(value)
        return
      }
      await new Promise<void>((resolve) => this.putters.push(resolve))
    }
  }

  get(): number | Promise<number> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++]
      if (this.head === this.items.length) {
        this.items = []
        this.head = 0
      }
      this.putters.shift()?.()
      return value
    }
    return new Promise<number>((resolve) => this.getters.push(resolve))
  }
}
