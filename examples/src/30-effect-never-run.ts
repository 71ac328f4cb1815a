/**
 * Seed 002, "Common Pitfalls": *"Calling `async` functions without awaiting or scheduling them. That creates
 * coroutine objects, not running tasks."* The tutorial has no code for it; this is the demonstration, in its
 * Effect form.
 *
 * An Effect is what a Python coroutine object is: a description of work. `sendEmail("ada")` builds one and
 * does nothing else; only running it (`yield*`, `gather`, `createTask`) sends the email. So the pitfall is the
 * same — a statement that builds an effect and drops it — and so is the fix.
 *
 * How to spot it:
 * - nothing happens, and nothing says so: Python at least prints `RuntimeWarning: coroutine 'send_email' was
 *   never awaited` (when the coroutine is garbage-collected); an effect dropped on the floor is silent;
 * - a type shows it: hover the result — `Effect<string>` where you expected `string` (step 6 below: `Effect.map`
 *   with a function that returns an effect gives `Effect<Effect<string>>`);
 * - the Effect language service (`@effect/language-service`, or `@effect/tsgo` for TypeScript 7) reports a
 *   "floating Effect" on statements like `sendEmail("ada")` and suggests `flatMap` for step 6. TypeScript and
 *   most linters do not: an unused call expression is legal, and `no-floating-promises`-style rules only know
 *   Promises.
 *
 * ```python
 * send_email("ada")                          # coroutine object, never awaited: nothing sent
 * await send_email("ada")                    # sent
 * pending = [send_email(n) for n in names]   # nothing sent until…
 * await asyncio.gather(*pending)             # …gathered
 * task = asyncio.create_task(send_email(…))  # scheduled: runs even if never awaited
 * ```
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

const sendEmail = (to: string) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(0.5)
    yield* print(`  email sent to ${to}`)
    return to
  })

const loadUser = Effect.succeed("eve")
const notify = (user: string) => Effect.as(print(`  notified ${user}`), user)

export const main = Effect.gen(function* () {
  yield* print("1. Calling without await:")
  // The bug: the effect is built and dropped. `npm run lint` reports such a line (the Effect language service's
  // floatingEffect check, as an error); this one is on purpose, so the check is switched off for it.
  // @effect-diagnostics-next-line floatingEffect:off
  sendEmail("ada")
  yield* asyncio.sleep(1)
  yield* print("  (1 s later: nothing was sent)")

  yield* print("2. With await:")
  yield* sendEmail("ada")

  yield* print("3. A list of coroutines, never gathered:")
  const pending = ["bob", "cy"].map(sendEmail)
  yield* asyncio.sleep(1)
  yield* print(`  (1 s later: ${pending.length} built, nothing sent)`)

  yield* print("4. Gathered:")
  yield* print(`  ${repr(yield* asyncio.gather(...pending))}`)

  yield* print("5. Scheduled as a task, not awaited:")
  const task = yield* asyncio.createTask(sendEmail("dee"))
  yield* asyncio.sleep(1)
  yield* print(`  (task done: ${repr(yield* task.done())})`)

  // The same pitfall one level down, with no Python twin: a function passed to Effect.map returns an effect,
  // which becomes the *value* — built, never run. Effect.flatMap (or andThen) runs it.
  yield* print("6. Effect.map where Effect.flatMap was meant:")
  const wrong = yield* Effect.map(loadUser, (user) => notify(user))
  yield* print(`  (the result is ${Effect.isEffect(wrong) ? "an Effect" : repr(wrong)}: nobody was notified)`)
  const right = yield* Effect.flatMap(loadUser, (user) => notify(user))
  yield* print(`  (flatMap ran it: ${repr(right)})`)
})

export const meta: ExampleMeta = {
  id: "30-effect-never-run",
  title: "An effect that is built but never run does nothing (the never-awaited coroutine)",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Common Pitfalls",
  asyncio: ["await", "gather", "create_task"],
  python: "python/30-effect-never-run.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "Calling async functions without awaiting or scheduling them. That creates coroutine objects, not running " +
      "tasks."
  ],
  transcript: [
    [0, "1. Calling without await:"],
    [1, "  (1 s later: nothing was sent)"],
    [1, "2. With await:"],
    [1.5, "  email sent to ada"],
    [1.5, "3. A list of coroutines, never gathered:"],
    [2.5, "  (1 s later: 2 built, nothing sent)"],
    [2.5, "4. Gathered:"],
    [3, "  email sent to bob"],
    [3, "  email sent to cy"],
    [3, "  ['bob', 'cy']"],
    [3, "5. Scheduled as a task, not awaited:"],
    [3.5, "  email sent to dee"],
    [4, "  (task done: True)"],
    [4, "6. Effect.map where Effect.flatMap was meant:"],
    [4, "  (the result is an Effect: nobody was notified)"],
    [4, "  notified eve"],
    [4, "  (flatMap ran it: 'eve')"]
  ],
  elapsed: 4,
  differences: [
    {
      kind: "python",
      printed: "6. Effect.map where Effect.flatMap was meant:",
      python: undefined,
      why:
        "Effect-only: a callback of Effect.map that returns an effect. Python's nearest cousin is a coroutine " +
        "returned from a plain function and never awaited, which step 1 already shows."
    },
    {
      kind: "python",
      printed: "  (the result is an Effect: nobody was notified)",
      python: undefined,
      why: "Effect-only (step 6)."
    },
    { kind: "python", printed: "  notified eve", python: undefined, why: "Effect-only (step 6)." },
    { kind: "python", printed: "  (flatMap ran it: 'eve')", python: undefined, why: "Effect-only (step 6)." },
    {
      kind: "note",
      why:
        "CPython also warns on stderr, \"RuntimeWarning: coroutine 'send_email' was never awaited\", when the " +
        "coroutine of step 1 is garbage-collected. A dropped effect is silent at run time; the Effect language " +
        'service reports it in the editor instead ("floating Effect").'
    },
    {
      kind: "note",
      why:
        "An effect can be run again, a coroutine cannot: `yield* pending[0]` after step 4 would send bob's email " +
        "a second time, where Python raises RuntimeError('cannot reuse already awaited coroutine')."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
