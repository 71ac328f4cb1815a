/**
 * The bad-input table of `@effect-asyncio/node` (issue 10, item 7; the core's is `packages/core/test/Misuse.test.ts`):
 * one row per entry point × bad value. Each row asserts the error class, that the message names the call and
 * shows the value, that the error was built at the call (its stack holds this file), and that nothing started:
 * no worker thread, no signal listener, the process exit code untouched.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import { type RunOptions, run, ThreadPool, toThread, workModule } from "../src/index.ts"
import * as Runner from "../src/Runner.ts"

type Misuse = typeof asyncio.TypeError | typeof asyncio.ValueError

const { TypeError, ValueError } = asyncio

const work = workModule<typeof import("./fixtures/work.ts")>(new URL("./fixtures/work.ts", import.meta.url))

/** Passes an ill-typed value anywhere: every row is a deliberate misuse. */
const bad = (u: unknown): never => u as never

/**
 * How a row misuses the API: an effect that must die, a call that must throw, a `run` that must reject, or another
 * call returning a promise that must reject (`Runner`'s).
 */
type Made =
  | { readonly _tag: "effect"; readonly effect: Effect.Effect<unknown, unknown> }
  | { readonly _tag: "sync"; readonly f: () => unknown }
  | { readonly _tag: "run"; readonly options: RunOptions }
  | { readonly _tag: "promise"; readonly f: () => Promise<unknown> }

interface Row {
  readonly call: string
  readonly arg: string
  readonly shown: string
  readonly error: Misuse
  readonly make: () => Made
}

const effect = (e: Effect.Effect<unknown, unknown>): Made => ({ _tag: "effect", effect: e })
const sync = (f: () => unknown): Made => ({ _tag: "sync", f })
const runWith = (options: unknown): Made => ({ _tag: "run", options: options as RunOptions })
const rejects = (f: () => Promise<unknown>): Made => ({ _tag: "promise", f })

const row = (call: string, arg: string, shown: string, error: Misuse, make: () => Made): Row => ({
  call,
  arg,
  shown,
  error,
  make
})

const scoped = (options: unknown) => effect(ThreadPool.scoped(Effect.void, bad(options)))
const layered = (options: unknown) =>
  effect(Effect.provide(Effect.void, ThreadPool.layer(bad(options)) as Layer.Layer<never>))

const rows: ReadonlyArray<Row> = [
  row("ThreadPool.scoped", "size: 0", "0", ValueError, () => scoped({ size: 0 })),
  row("ThreadPool.scoped", "size: 1.5", "1.5", ValueError, () => scoped({ size: 1.5 })),
  row("ThreadPool.scoped", "size: a string", '"4"', TypeError, () => scoped({ size: "4" })),
  row("ThreadPool.scoped", "onCancel: an unknown mode", '"kill"', ValueError, () =>
    scoped({ onCancel: "kill" })
  ),
  row("ThreadPool.scoped", "onCancel: a boolean", "true", TypeError, () => scoped({ onCancel: true })),
  row("ThreadPool.scoped", "shutdownTimeout: a word", '"x"', TypeError, () =>
    scoped({ shutdownTimeout: "x" })
  ),
  row("ThreadPool.scoped", "shutdownTimeout: NaN", "NaN", ValueError, () =>
    scoped({ shutdownTimeout: Number.NaN })
  ),
  row("ThreadPool.scoped", "shutdownTimeout: -1", "-1", ValueError, () => scoped({ shutdownTimeout: -1 })),
  row("ThreadPool.scoped", "name: 42", "42", TypeError, () => scoped({ name: 42 })),
  row("ThreadPool.scoped", "options: a misspelt key", '"shutdownTimout"', TypeError, () =>
    scoped({ shutdownTimout: 1 })
  ),
  row("ThreadPool.scoped", "resourceLimits: NaN MB", "NaN", ValueError, () =>
    scoped({ resourceLimits: { maxOldGenerationSizeMb: Number.NaN } })
  ),
  row("ThreadPool.scoped", "resourceLimits: a misspelt key", '"maxOldGenSizeMb"', TypeError, () =>
    scoped({ resourceLimits: { maxOldGenSizeMb: 64 } })
  ),
  row("ThreadPool.scoped", "effect: 42", "42", TypeError, () => effect(ThreadPool.scoped(bad(42)))),
  row("ThreadPool.layer", "size: -2", "-2", ValueError, () => layered({ size: -2 })),
  row("ThreadPool.layer", "options: a number", "8", TypeError, () => layered(8)),
  row("toThread", "module: 42", "42", TypeError, () => effect(toThread(bad(42), "add", 1, 2))),
  row("toThread", "module: a relative path", '"./work.ts"', TypeError, () =>
    effect(toThread("./work.ts", "add", 1, 2))
  ),
  row("toThread", "name: 42", "42", TypeError, () => effect(toThread(bad(work), bad(42)))),
  row("toThread", "argument: a function", "function callback", TypeError, () =>
    effect(
      toThread(
        work,
        "sum",
        bad(function callback() {})
      )
    )
  ),
  row("toThread", "argument: an Effect", "an Effect", TypeError, () =>
    effect(toThread(work, "sum", bad(Effect.void)))
  ),
  row("workModule", "onCancel: an unknown mode", '"kill"', ValueError, () =>
    sync(() => workModule(new URL("./fixtures/work.ts", import.meta.url), { onCancel: bad("kill") }))
  ),
  row("workModule", "url: 42", "42", TypeError, () => sync(() => workModule(bad(42)))),
  row("workModule.withOptions", "options: a misspelt key", '"onCancle"', TypeError, () =>
    sync(() => work.withOptions(bad({ onCancle: "finish" })))
  ),
  row("run", "options: a misspelt key", '"debgu"', TypeError, () => runWith({ debgu: true, exit: false })),
  row("run", "slowCallbackDuration: NaN", "NaN", ValueError, () =>
    runWith({ slowCallbackDuration: Number.NaN, exit: false })
  ),
  row("run", "hangTimeout: a word", '"soon"', TypeError, () => runWith({ hangTimeout: "soon", exit: false })),
  row("run", "exit: a word", '"no"', TypeError, () => runWith({ exit: "no" })),
  row("run", "debug: 1", "1", TypeError, () => runWith({ debug: 1, exit: false })),
  row("run", "timeline: 42", "42", TypeError, () => runWith({ timeline: 42, exit: false })),
  row("run", "onShutdownError: a string", '"log"', TypeError, () =>
    runWith({ onShutdownError: "log", exit: false })
  ),
  row("run", "threads: a number", "4", TypeError, () => runWith({ threads: 4, exit: false })),
  row("run", "signals: a string", '"SIGINT"', TypeError, () => runWith({ signals: "SIGINT", exit: false })),
  row("Runner.make", "options: a misspelt key", '"nmae"', TypeError, () =>
    sync(() => Runner.make(bad({ nmae: "x" })))
  ),
  row("Runner.make", "name: 42", "42", TypeError, () => sync(() => Runner.make({ name: bad(42) }))),
  row("Runner.make", "signals: a signal it does not handle", '"SIGHUP"', ValueError, () =>
    sync(() => Runner.make({ signals: bad(["SIGHUP"]) }))
  ),
  row("Runner.run", "main: 42", "42", TypeError, () => rejects(() => Runner.make().run(bad(42)))),
  row("Runner.run", "main: a future", "<Future pending>", TypeError, () =>
    rejects(() => Runner.make().run(asyncio.Future.makeUnsafe<number>()))
  ),
  row("Runner.run", "options: a misspelt key", '"nmae"', TypeError, () =>
    rejects(() => Runner.make().run(Effect.void, bad({ nmae: "main" })))
  ),
  row("Runner.runUntilComplete", "awaitable: 42", "42", TypeError, () =>
    rejects(() => Runner.make().runUntilComplete(bad(42)))
  ),
  row("run", "signals: a signal run does not handle", '"SIGHUP"', ValueError, () =>
    runWith({ signals: ["SIGHUP"], exit: false })
  ),
  row("run (threads)", "shutdownTimeout: a word", '"x"', TypeError, () =>
    runWith({ threads: { shutdownTimeout: "x" }, exit: false })
  )
]

const listeners = () => [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]

/** What the bad call produced. */
const misuseOf = async (made: Made): Promise<unknown> => {
  switch (made._tag) {
    case "sync":
      try {
        made.f()
        return undefined
      } catch (thrown) {
        return thrown
      }
    case "run":
      return run(Effect.succeed(1), made.options).then(
        () => undefined,
        (rejected: unknown) => rejected
      )
    case "promise":
      return made.f().then(
        () => undefined,
        (rejected: unknown) => rejected
      )
    case "effect": {
      const exit = await Effect.runPromise(Effect.exit(made.effect))
      if (exit._tag === "Success") return undefined
      const die = exit.cause.reasons.find((reason) => reason._tag === "Die")
      return die?._tag === "Die" ? die.defect : exit.cause
    }
  }
}

describe("the bad-input table of the node package", () => {
  it("has a row per option and argument, each titled uniquely", () => {
    assert.isAtLeast(rows.length, 30)
    const titles = rows.map((r) => `${r.call} — ${r.arg}`)
    assert.strictEqual(new Set(titles).size, titles.length)
  })

  for (const r of rows) {
    it(`${r.call} — ${r.arg}`, async () => {
      const before = { listeners: listeners(), exitCode: process.exitCode }
      const threads = await Effect.runPromise(ThreadPool.statistics)
      const error = await misuseOf(r.make())
      assert.isTrue(
        error instanceof r.error,
        `expected a ${r.error.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
      )
      const message = (error as InstanceType<Misuse>).message
      assert.include(message, r.call, "the message names the call")
      assert.include(message, r.shown, "the message shows the value")
      assert.include(
        (error as Error).stack,
        "Misuse.test.ts",
        "built at the call, while the caller's frame ran"
      )
      const after = await Effect.runPromise(ThreadPool.statistics)
      assert.strictEqual(after.started, threads.started, "no worker thread started")
      assert.deepStrictEqual(listeners(), before.listeners, "no signal listener left")
      assert.strictEqual(process.exitCode, before.exitCode, "the exit code untouched")
    })
  }
})
