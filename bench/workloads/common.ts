/** Small helpers shared by the workloads. */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

export const sum = (values: ReadonlyArray<number>): number => {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]
  return s
}

/** `n` effects built by `make(i)` (built outside the timed region: an effect is only a description). */
export const effectsOf = <A>(n: number, make: (i: number) => Effect.Effect<A>): Array<Effect.Effect<A>> => {
  const effects = new Array<Effect.Effect<A>>(n)
  for (let i = 0; i < n; i++) effects[i] = make(i)
  return effects
}

/** Raw Effect gather: `forkChild` every effect, then `Fiber.join` each in order, summing the results. */
export const forkJoinSum = (effects: ReadonlyArray<Effect.Effect<number>>): Effect.Effect<number> =>
  Effect.gen(function* () {
    const n = effects.length
    const fibers = new Array<Fiber.Fiber<number>>(n)
    for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(effects[i])
    let s = 0
    for (let i = 0; i < n; i++) s += yield* Fiber.join(fibers[i])
    return s
  })

/** A promise resolved on the next `setImmediate` turn (the Promise analogue of `sleep(0)`). */
export const immediate = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A minimal unbounded async queue with a single consumer: `put` never waits, `take` waits when empty.
 * Used by the Promise completion-order consumer.
 */
export class AsyncQueue<A> {
  private items: Array<A> = []
  private head = 0
  private waiter: ((value: A) => void) | undefined = undefined

  put(value: A): void {
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter(value)
    } else {
      this.items.push(value)
    }
  }

  take(): Promise<A> | A {
    if (this.head < this.items.length) {
      const value = this.items[this.head++]
      if (this.head === this.items.length) {
        this.items = []
        this.head = 0
      }
      return value
    }
    return new Promise<A>((resolve) => {
      this.waiter = resolve
    })
  }
}
