/**
 * Modules loaded on first use. The I/O implementations import `node:net`, `node:tls` and `node:child_process`;
 * the public modules load them through this, so importing `@effect-asyncio/node` (for `run`) loads none of them.
 */
import * as Effect from "effect/Effect"

/** `use(f)` runs `f` with the module, loading it the first time. */
export const lazy = <M>(load: () => Promise<M>) => {
  let loaded: M | undefined
  const get = Effect.promise(() =>
    load().then((m) => {
      loaded = m
      return m
    })
  )
  return <A, E, R>(use: (m: M) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => (loaded === undefined ? Effect.flatMap(get, use) : use(loaded)))
}
