/**
 * Modules loaded on first use. The I/O implementations import `node:net`, `node:child_process` and
 * `@effect/platform-node`; the public modules load them through this, so importing `@effect-asyncio/node` (for
 * `run`) loads none of them, and a program that does not use the I/O modules needs no `@effect/platform-node`
 * (an optional peer dependency).
 */
import { RuntimeError } from "@effect-asyncio/core/Errors"
import * as Effect from "effect/Effect"

const platform = "@effect/platform-node"

/** A missing optional peer dependency becomes a defect that says what to install. */
const explain = (error: unknown): unknown =>
  error instanceof Error && String(error.message).includes(platform)
    ? new RuntimeError(
        `the I/O modules of @effect-asyncio/node need the peer dependency ${platform} (npm install ${platform}): ${error.message}`
      )
    : error

/** `use(f)` runs `f` with the module, loading it the first time. */
export const lazy = <M>(load: () => Promise<M>) => {
  let loaded: M | undefined
  let loading: Promise<M> | undefined
  const get = Effect.flatMap(
    Effect.promise(() => {
      loading ??= load().then((m) => {
        loaded = m
        return m
      })
      return loading.then(
        (m) => ({ ok: true as const, m }),
        (error: unknown) => ({ ok: false as const, error })
      )
    }),
    (result) => (result.ok ? Effect.succeed(result.m) : Effect.die(explain(result.error)))
  )
  return <A, E, R>(use: (m: M) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => (loaded === undefined ? Effect.flatMap(get, use) : use(loaded)))
}
