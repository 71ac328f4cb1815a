/**
 * `run`: asyncio's `asyncio.run(main())` for Node.
 *
 * @since 0.1.0
 */
import * as Loop from "@effect-asyncio/core/Loop"
import * as Effect from "effect/Effect"

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunOptions {
  /** Name of the main task (defaults to `Task-<n>`). */
  readonly mainName?: string | undefined
}

/**
 * Runs `main` as the main task of a new loop scope on Node and resolves with its result. Tasks still pending
 * when `main` ends are cancelled and awaited.
 *
 * @category running
 * @since 0.1.0
 */
export const run = <A, E>(main: Effect.Effect<A, E>, options?: RunOptions): Promise<A> =>
  Effect.runPromise(Loop.scoped(main, { mainName: options?.mainName }))
