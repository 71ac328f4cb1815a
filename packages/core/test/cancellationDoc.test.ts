/**
 * docs/cancellation.md cannot go stale: every example reason in its §2 table, and the reasons drawn in its
 * diagrams, are produced here by the scenario they describe and compared with the page's text.
 */

import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

const page = readFileSync(new URL("../../../docs/cancellation.md", import.meta.url), "utf8")

/** The §2 table: kind → the example `detail` in its third column. */
const table = new Map(
  [...page.matchAll(/^\| `([a-z]+)` \| [^|]+ \| `([^`]+)` \|$/gm)].map((m) => [m[1]!, m[2]!] as const)
)

/** Fiber ids and default scope names are not stable across runs: `#12` and `Timeout-1` in the page match any. */
const normalize = (detail: string) =>
  detail.replace(/#\d+/g, "#N").replace(/\b(Timeout|TaskGroup)-\d+/g, "$1-N")

/** Whether the page, normalized, contains `text`, normalized. */
const onPage = (text: string) => normalize(page).includes(normalize(text))

type Reason = asyncio.CancelReason | undefined

/** Runs `scenario` in a loop scope on virtual time; it reports the reason it observed. */
const observe = (scenario: (report: (reason: Reason) => void) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    let seen: Reason
    yield* Testing.runVirtual(
      asyncio.Loop.scoped(Effect.ignore(scenario((r) => (seen = r))), { name: "loop-main", mainName: "main" })
    )
    return seen
  })

/** A task that sleeps `s` and reports the reason it was cancelled with. */
const victim = (report: (reason: Reason) => void, s = 10) =>
  asyncio.sleep(s).pipe(Effect.onExit((exit) => Effect.sync(() => report(Testing.cancelReasonOf(exit)))))

const scenarios: Record<string, (report: (reason: Reason) => void) => Effect.Effect<unknown, unknown>> = {
  cancel: (report) =>
    Effect.gen(function* () {
      const t = yield* asyncio.createTask(victim(report), { name: "download" })
      yield* asyncio.sleep(0)
      yield* t.cancel()
      yield* Effect.exit(t)
    }),
  awaiter: (report) =>
    Effect.gen(function* () {
      const t = yield* asyncio.createTask(victim(report), { name: "download" })
      const waiting = yield* Effect.forkChild(Effect.asVoid(t))
      yield* asyncio.sleep(0)
      yield* Fiber.interrupt(waiting)
    }),
  gather: (report) =>
    Effect.gen(function* () {
      const t = yield* asyncio.createTask(victim(report), { name: "download" })
      const waiting = yield* Effect.forkChild(asyncio.gather(t))
      yield* asyncio.sleep(0)
      yield* Fiber.interrupt(waiting)
    }),
  timeout: (report) => asyncio.timeout(5, victim(report), { name: "fetch" }),
  sibling: (report) =>
    asyncio.TaskGroup.run(
      (tg) =>
        Effect.gen(function* () {
          yield* tg.createTask(victim(report), { name: "users" })
          yield* tg.createTask(Effect.andThen(asyncio.sleep(1), Effect.fail("boom")), { name: "orders" })
        }),
      { name: "requests" }
    ),
  shutdown: (report) =>
    Effect.andThen(asyncio.createTask(victim(report, 100), { name: "worker" }), asyncio.sleep(0)),
  interrupt: (report) =>
    Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(victim(report))
      yield* asyncio.sleep(0)
      yield* Fiber.interrupt(fiber)
    })
}

describe("docs/cancellation.md", () => {
  it("§2's table lists every kind of CancelReason, each with an example detail", () => {
    assert.deepStrictEqual([...table.keys()].sort(), [
      "awaiter",
      "cancel",
      "gather",
      "interrupt",
      "shutdown",
      "sibling",
      "signal",
      "timeout"
    ])
  })

  for (const [kind, scenario] of Object.entries(scenarios)) {
    it.effect(`§2: the example detail of kind "${kind}" is what the library says`, () =>
      Effect.gen(function* () {
        const reason = yield* observe(scenario)
        assert.strictEqual(reason?.kind, kind)
        assert.strictEqual(normalize(reason!.detail), normalize(table.get(kind)!))
      })
    )
  }

  it.effect("§4's diagram: B, awaited by A, gets A's reason forwarded through the await", () =>
    Effect.gen(function* () {
      const reason = yield* observe((report) =>
        Effect.gen(function* () {
          const b = yield* asyncio.createTask(victim(report), { name: "B" })
          const a = yield* asyncio.createTask(Effect.asVoid(b), { name: "A" })
          yield* asyncio.sleep(1)
          yield* a.cancel("stop")
          yield* Effect.exit(a)
        })
      )
      assert.deepStrictEqual(reason, {
        kind: "cancel",
        message: "stop",
        detail: "A awaiting B was cancelled: A was cancelled by main"
      })
      assert.isTrue(onPage(`B interrupted (kind "cancel", message "stop",`))
      assert.isTrue(onPage(`detail "A awaiting B was cancelled: …"`))
    })
  )

  it.effect("§6's diagram: the body is cancelled with A's failure as the reason", () =>
    Effect.gen(function* () {
      const reason = yield* observe((report) =>
        asyncio.TaskGroup.run((tg) =>
          Effect.gen(function* () {
            yield* tg.createTask(Effect.andThen(asyncio.sleep(0.1), Effect.fail("ZeroDiv")), { name: "A" })
            yield* tg.createTask(asyncio.sleep(1), { name: "B" })
            yield* victim(report)
          })
        )
      )
      assert.strictEqual(reason?.kind, "sibling")
      assert.isTrue(onPage(`✕ (cancelled, "${reason!.detail}")`))
    })
  )

  it.effect("§7's diagram: the body of timeout(2, …) is cancelled with the scope's reason", () =>
    Effect.gen(function* () {
      const reason = yield* observe((report) => asyncio.timeout(2, victim(report)))
      assert.isTrue(onPage(`(kind "${reason!.kind}", "${reason!.detail}")`))
    })
  )
})
