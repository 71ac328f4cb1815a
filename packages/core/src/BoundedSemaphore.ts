/**
 * A semaphore that refuses to be released above its initial value: asyncio's `asyncio.BoundedSemaphore`.
 *
 * A {@link BoundedSemaphore} is a `Semaphore` (same FIFO, O(1) acquire and release, same `withPermit`) whose
 * `release` is a defect carrying `ValueError("BoundedSemaphore released too many times")` when the counter is
 * already at its initial value — which catches an unbalanced `release` instead of silently raising the limit.
 * It lives in a module of its own so that a port stays mechanical: `asyncio.BoundedSemaphore(2)` becomes
 * `asyncio.BoundedSemaphore.make(2)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { BoundedSemaphoreImpl, BoundedSemaphoreTypeId, checkInitialValue } from "./internal/semaphore.ts"
import * as validate from "./internal/validate.ts"
import type { Semaphore } from "./Semaphore.ts"

/**
 * A {@link Semaphore} with an upper bound on its counter. asyncio's `BoundedSemaphore`.
 *
 * @category models
 * @since 0.1.0
 */
export interface BoundedSemaphore extends Semaphore {
  readonly [BoundedSemaphoreTypeId]: typeof BoundedSemaphoreTypeId
  /** The initial value, which `release` may not push the counter above. */
  readonly bound: number
}

/**
 * Whether `u` is a {@link BoundedSemaphore}.
 *
 * @category guards
 * @since 0.1.0
 */
export const isBoundedSemaphore = (u: unknown): u is BoundedSemaphore =>
  typeof u === "object" && u !== null && BoundedSemaphoreTypeId in u

/**
 * Creates a {@link BoundedSemaphore} with counter and bound `value` synchronously. Throws `ValueError` for a
 * negative or non-integer value.
 *
 * **When to use** Outside Effect code. Inside Effect code use {@link make}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (value = 1): BoundedSemaphore =>
  new BoundedSemaphoreImpl(checkInitialValue("BoundedSemaphore.makeUnsafe", value))

/**
 * Creates a {@link BoundedSemaphore} whose counter starts at, and may never exceed, `value` (default 1).
 *
 * **When to use** Whenever permits are acquired and released in pairs — the usual case — so that an extra
 * `release` is reported instead of letting one more task in.
 *
 * **Details** `release` when the counter is at `value` is a defect carrying `ValueError("BoundedSemaphore
 * released too many times")`; the counter is left unchanged.
 *
 * **asyncio** `asyncio.BoundedSemaphore(value=1)`; same errors (`ValueError` for a negative `value`).
 *
 * **Example** (An unbalanced release is caught)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect, Exit } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const sem = yield* asyncio.BoundedSemaphore.make(1)
 *   return yield* Effect.exit(sem.release()) // Exit.die(ValueError "BoundedSemaphore released too many times")
 * })
 * ```
 *
 * @see `Semaphore.make` for a semaphore that may be released above its initial value
 * @category constructors
 * @since 0.1.0
 */
export const make = (value = 1): Effect.Effect<BoundedSemaphore> =>
  validate.atCall(() => {
    const checked = checkInitialValue("BoundedSemaphore.make", value)
    return Effect.sync(() => new BoundedSemaphoreImpl(checked))
  })
