/**
 * Signal handlers of the running loop (issue 13, item 2), platform-independent part: `loop.addSignalHandler` /
 * `removeSignalHandler` over a hand-driven signal source given to `Loop.scoped` (the `signals` option; `run` gives
 * Node's — packages/node/test/runner.test.ts and e2e.test.ts test that one with real signals). SIG cases derive
 * from CPython's `test_events.py` (`test_add_signal_handler`, `test_signal_handling_args`) and `test_unix_events.py`
 * (`SelectorEventLoopSignalTests`); docs/conformance.md lists them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { runVirtual } from "./utils/virtual.ts"

/** A hand-driven signal source: which signals are subscribed, and `emit` to deliver one. */
const fakeSource = () => {
  const listeners = new Map<string, Set<() => void>>()
  const source: asyncio.Loop.SignalSource = (signal, listener) => {
    if (signal === "SIGKILL") throw new asyncio.RuntimeError(`${signal} cannot be caught`)
    if (signal === "SIGFOO") throw new asyncio.ValueError(`invalid signal "${signal}"`)
    const set = listeners.get(signal) ?? new Set()
    set.add(listener)
    listeners.set(signal, set)
    return () => {
      set.delete(listener)
      if (set.size === 0) listeners.delete(signal)
    }
  }
  const emit = (signal: string): void => {
    for (const listener of listeners.get(signal) ?? []) listener()
  }
  const subscribed = (): Array<string> => [...listeners.keys()].sort()
  return { source, emit, subscribed }
}

const inLoop = <A, E>(
  source: asyncio.Loop.SignalSource | undefined,
  body: (loop: asyncio.EventLoop.Loop) => Effect.Effect<A, E>
) =>
  Effect.flatMap(
    runVirtual(
      asyncio.Loop.scoped(Effect.flatMap(asyncio.getRunningLoop(), body), { name: "L", signals: source })
    ),
    ({ exit }) => exit
  )

/** Passes an ill-typed value: a deliberate misuse. */
const bad = (u: unknown): never => u as never

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  return undefined
}

describe("SIG — signal handlers", () => {
  it.effect(
    "SIG-01 bad signals are refused (TypeError, ValueError, RuntimeError for SIGKILL); a handler runs once per signal; remove gives true, then false",
    () =>
      Effect.gen(function* () {
        const fake = fakeSource()
        const value = yield* inLoop(fake.source, (loop) =>
          Effect.gen(function* () {
            let caught = 0
            const myHandler = (): void => {
              caught++
            }
            const errors = [
              thrown(() => loop.addSignalHandler(bad(15), myHandler)),
              thrown(() => loop.removeSignalHandler(bad(15))),
              thrown(() => loop.addSignalHandler("boom", myHandler)),
              thrown(() => loop.removeSignalHandler("boom")),
              thrown(() => loop.addSignalHandler("SIGFOO", myHandler)),
              thrown(() => loop.addSignalHandler("SIGKILL", myHandler))
            ].map((error) => (error as { readonly _tag?: string } | undefined)?._tag)
            const removedKill = loop.removeSignalHandler("SIGKILL")
            loop.addSignalHandler("SIGINT", myHandler)
            fake.emit("SIGINT")
            const beforeTurn = caught
            yield* asyncio.sleep(0)
            const afterTurn = caught
            const removed = loop.removeSignalHandler("SIGINT")
            const subscribedAfterRemove = fake.subscribed()
            fake.emit("SIGINT")
            yield* asyncio.sleep(0)
            return {
              errors,
              removedKill,
              beforeTurn,
              afterTurn,
              removed,
              again: loop.removeSignalHandler("SIGINT"),
              subscribedAfterRemove,
              caught
            }
          })
        )
        assert.deepStrictEqual(value, {
          errors: ["TypeError", "TypeError", "ValueError", "ValueError", "ValueError", "RuntimeError"],
          removedKill: false,
          beforeTurn: 0,
          afterTurn: 1,
          removed: true,
          again: false,
          subscribedAfterRemove: [],
          caught: 1
        })
      })
  )

  it.effect(
    "SIG-02 the handler gets its arguments, runs as a loop callback outside any task, and may stop runForever",
    () =>
      Effect.gen(function* () {
        const fake = fakeSource()
        const value = yield* inLoop(fake.source, (loop) =>
          Effect.gen(function* () {
            const seen: Array<unknown> = []
            loop.addSignalHandler(
              "SIGALRM",
              (n: number, word: string) => {
                seen.push([n, word, Effect.runSync(asyncio.currentTask)])
                loop.stop()
              },
              42,
              "hi"
            )
            loop.callLater(1, () => fake.emit("SIGALRM"))
            yield* loop.runForever()
            return { seen, at: loop.time() }
          })
        )
        assert.deepStrictEqual(value, { seen: [[42, "hi", undefined]], at: 1 })
      })
  )

  it.effect(
    "SIG-03 a second addSignalHandler replaces the first (one subscription); a handler may return an Effect",
    () =>
      Effect.gen(function* () {
        const fake = fakeSource()
        const value = yield* inLoop(fake.source, (loop) =>
          Effect.gen(function* () {
            const seen: Array<string> = []
            loop.addSignalHandler("SIGTERM", () => seen.push("first"))
            const event = yield* asyncio.Event.make()
            loop.addSignalHandler("SIGTERM", () => event.set())
            fake.emit("SIGTERM")
            yield* event.wait()
            return { seen, subscriptions: fake.subscribed(), at: loop.time() }
          })
        )
        assert.deepStrictEqual(value, { seen: [], subscriptions: ["SIGTERM"], at: 0 })
      })
  )

  it.effect("SIG-04 without a signal source, addSignalHandler is a RuntimeError naming the loop scope", () =>
    Effect.gen(function* () {
      const value = yield* inLoop(undefined, (loop) =>
        Effect.sync(() => thrown(() => loop.addSignalHandler("SIGTERM", () => {})))
      )
      assert.instanceOf(value, asyncio.RuntimeError)
      assert.include(
        (value as asyncio.RuntimeError).message,
        "loop.addSignalHandler: the loop scope L has no signal source"
      )
    })
  )

  it.effect(
    "SIG-05 the loop scope's end removes its signal handlers; handlers installed from an inner loop scope are the outer one's",
    () =>
      Effect.gen(function* () {
        const fake = fakeSource()
        const seen: Array<string> = []
        const during = yield* inLoop(fake.source, (loop) =>
          Effect.gen(function* () {
            loop.addSignalHandler("SIGHUP", () => seen.push("hup"))
            // Installed through the handle of a loop scope opened inside, which then ends.
            yield* asyncio.Loop.scoped(
              Effect.map(asyncio.getRunningLoop(), (inner) =>
                inner.addSignalHandler("SIGUSR1", () => seen.push("usr1"))
              )
            )
            fake.emit("SIGUSR1")
            yield* asyncio.sleep(0)
            return fake.subscribed()
          })
        )
        assert.deepStrictEqual(during, ["SIGHUP", "SIGUSR1"])
        assert.deepStrictEqual(seen, ["usr1"])
        assert.deepStrictEqual(fake.subscribed(), [])
      })
  )
})
