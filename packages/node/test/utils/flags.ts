/**
 * Flags shared with a worker function through a `SharedArrayBuffer` (see fixtures/work.ts): the test waits for
 * "started"/"finished" with `Atomics.waitAsync` — event-driven, no timer — and sets "stop" to end a spin.
 */
import * as Effect from "effect/Effect"
import { STOP } from "../fixtures/work.ts"

declare global {
  interface Atomics {
    /** ES2024; Node ≥ 16. Not in the ES2023 lib this repository compiles against. */
    waitAsync(
      typedArray: Int32Array,
      index: number,
      value: number
    ):
      | { readonly async: false; readonly value: string }
      | { readonly async: true; readonly value: Promise<string> }
  }
}

export interface Flags {
  readonly buffer: SharedArrayBuffer
  /** Waits until the worker has set flag `index`. */
  readonly reached: (index: number) => Effect.Effect<void>
  /** Sets "stop". */
  readonly stop: Effect.Effect<void>
  /** Whether flag `index` is set. */
  readonly is: (index: number) => boolean
}

export const makeFlags = (): Flags => {
  const buffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)
  const flags = new Int32Array(buffer)
  const reached = (index: number): Effect.Effect<void> =>
    Effect.promise(async () => {
      const wait = Atomics.waitAsync(flags, index, 0)
      if (wait.async) await wait.value
    })
  const stop = Effect.sync(() => {
    Atomics.store(flags, STOP, 1)
    Atomics.notify(flags, STOP)
  })
  const is = (index: number): boolean => Atomics.load(flags, index) === 1
  return { buffer, reached, stop, is }
}
