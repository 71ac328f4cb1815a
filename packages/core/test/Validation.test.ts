/**
 * Bad numbers are refused, not guessed (issue 10, item 6): every case the issue lists, as it behaved before
 * (expiring at once, sleeping 1 ns, reading a typo as an awaitable, keeping a number as a name, …) and as it
 * behaves now — Python's behaviour where Python defines one, otherwise a clear error naming the call and the
 * value. The exhaustive table of entry points × bad values is `Misuse.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { defectOf } from "./utils/exits.ts"
import { runVirtual, settle } from "./utils/virtual.ts"

/** The misuse error an exit died with; fails the test unless it is an instance of `kind`. */
const misuseOf = <
  K extends typeof asyncio.TypeError | typeof asyncio.ValueError | typeof asyncio.RuntimeError
>(
  exit: Exit.Exit<unknown, unknown>,
  kind: K
): string => {
  const defect = defectOf(exit)
  assert.isTrue(defect instanceof kind, `expected a ${kind.name} defect, got ${String(exit)}`)
  return (defect as InstanceType<K>).message
}

/** Widens an ill-typed value for a deliberate misuse. */
const bad = <T>(u: unknown): T => u as T

const never = () => Effect.never

describe("bad numbers are refused, not guessed (issue 10)", () => {
  it.effect("timeoutAt(NaN, 'abc', -Infinity): ValueError or TypeError at the call, not an expiry", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        misuseOf(yield* Effect.exit(asyncio.timeoutAt(Number.NaN, never)), asyncio.ValueError),
        "timeoutAt: when must be a time in seconds on Timeout.time, got NaN (null means no deadline)"
      )
      assert.include(
        misuseOf(yield* Effect.exit(asyncio.timeoutAt(bad<number>("abc"), never)), asyncio.TypeError),
        'timeoutAt: when must be a time in seconds on Timeout.time (a number), or null for no deadline, got "abc"'
      )
      assert.include(
        misuseOf(yield* Effect.exit(asyncio.timeoutAt(Number.NEGATIVE_INFINITY, never)), asyncio.ValueError),
        "got -Infinity"
      )
      // Infinity is "no deadline", as `timeout(Infinity)` is.
      const r = yield* runVirtual(asyncio.timeoutAt(Number.POSITIVE_INFINITY, () => asyncio.sleep(5, "done")))
      assert.strictEqual(yield* r.exit, "done")
    })
  )

  it.effect("reschedule(NaN, 'soon', {}): refused at the call; the deadline is unchanged", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        asyncio.timeout(1, (scope) =>
          Effect.gen(function* () {
            const results: Array<string> = []
            for (const [value, kind] of [
              [Number.NaN, asyncio.ValueError],
              ["soon", asyncio.TypeError],
              [{}, asyncio.TypeError]
            ] as const) {
              results.push(misuseOf(yield* Effect.exit(scope.reschedule(bad<number>(value))), kind))
            }
            return { results, when: yield* scope.when(), state: scope.state }
          })
        )
      )
      const { results, when, state } = yield* r.exit
      assert.include(
        results[0],
        "Timeout.reschedule: when must be a time in seconds on Timeout.time, got NaN"
      )
      assert.include(results[1], 'got "soon"')
      assert.include(results[2], "got {}")
      assert.strictEqual(state, "active")
      assert.strictEqual(r.elapsed, 0)
      assert.isNumber(when)
    })
  )

  it.effect("duration objects with unknown keys ({ second: 5 }) and sleep(1n) are TypeErrors", () =>
    Effect.gen(function* () {
      const typo = misuseOf(
        yield* Effect.exit(asyncio.sleep(bad<asyncio.Seconds>({ second: 5 }))),
        asyncio.TypeError
      )
      assert.include(typo, 'sleep: unknown duration key "second" in { second: 5 } (did you mean "seconds"?)')
      const r = yield* runVirtual(asyncio.sleep(bad<asyncio.Seconds>(1n)))
      assert.strictEqual(r.elapsed, 0, "nothing slept")
      assert.include(
        misuseOf(r.exit, asyncio.TypeError),
        "sleep: delay must be seconds (a number) or an Effect duration, got 1n"
      )
      // A well-formed duration object is still a delay.
      assert.strictEqual((yield* runVirtual(asyncio.sleep({ seconds: 2 }))).elapsed, 2)
    })
  )

  it.effect("Barrier('2') names the value; a negative or NaN parties too", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        misuseOf(yield* Effect.exit(asyncio.Barrier.make(bad<number>("2"))), asyncio.TypeError),
        'Barrier.make: parties must be an integer >= 1, got "2"'
      )
      assert.strictEqual(
        misuseOf(yield* Effect.exit(asyncio.Barrier.make(Number.NaN)), asyncio.ValueError),
        "Barrier.make: parties must be an integer >= 1, got NaN"
      )
    })
  )

  it.effect("gather: a misspelt option is named; returnExceptions must be a boolean", () =>
    Effect.gen(function* () {
      const typo = misuseOf(
        yield* Effect.exit(
          asyncio.gather(asyncio.sleep(0, 1), bad<asyncio.GatherOptions>({ returnExceptons: true }))
        ),
        asyncio.TypeError
      )
      assert.strictEqual(
        typo,
        'gather: unknown option "returnExceptons" (did you mean "returnExceptions"?); known options: returnExceptions'
      )
      assert.strictEqual(
        misuseOf(
          yield* Effect.exit(asyncio.gather(asyncio.sleep(0, 1), { returnExceptions: bad<boolean>("yes") })),
          asyncio.TypeError
        ),
        'gather: returnExceptions must be a boolean, got "yes"'
      )
    })
  )

  it.effect(
    "Queue.make('x') is a TypeError at the constructor, not at the first put; NaN is accepted as Python's",
    () =>
      Effect.gen(function* () {
        assert.strictEqual(
          misuseOf(yield* Effect.exit(asyncio.Queue.make(bad<number>("x"))), asyncio.TypeError),
          'Queue.make: maxsize must be a number, got "x"'
        )
        const unbounded = yield* asyncio.Queue.make<number>(Number.NaN)
        yield* unbounded.put(1)
        assert.isFalse(yield* unbounded.full())
      })
  )

  it.effect("createTask(e, { name: 42 }) names the task '42', as Python's str(name)", () =>
    Effect.gen(function* () {
      const task = yield* asyncio.createTask(Effect.void, { name: bad<string>(42) })
      assert.strictEqual(task.name, "42")
      assert.strictEqual(typeof (yield* task.getName()), "string")
      yield* task.setName(bad<string>(7))
      assert.strictEqual(task.name, "7")
    })
  )

  it.effect("withSignal(e, 42) is our TypeError, not 'signal.addEventListener is not a function'", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        misuseOf(
          yield* Effect.exit(asyncio.Abort.withSignal(Effect.void, bad<AbortSignal>(42))),
          asyncio.TypeError
        ),
        "Abort.withSignal: signal must be an AbortSignal, got 42"
      )
    })
  )

  it.effect(
    "Condition.notify(-1, NaN, 1.5) is a ValueError, notify('2') a TypeError; notify(Infinity) wakes all",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        for (const n of [-1, Number.NaN, 1.5]) {
          assert.include(
            misuseOf(yield* Effect.exit(cond.withLock(cond.notify(n))), asyncio.ValueError),
            `Condition.notify: n must be an integer >= 0 (or Infinity), got ${n}`
          )
        }
        assert.include(
          misuseOf(yield* Effect.exit(cond.withLock(cond.notify(bad<number>("2")))), asyncio.TypeError),
          'got "2"'
        )
        const woken: Array<number> = []
        for (let i = 0; i < 3; i++) {
          yield* asyncio.createTask(
            cond.withLock(
              Effect.andThen(
                cond.wait(),
                Effect.sync(() => woken.push(i))
              )
            )
          )
        }
        yield* settle
        yield* cond.withLock(cond.notify(Number.POSITIVE_INFINITY))
        yield* settle
        assert.deepStrictEqual(woken, [0, 1, 2])
      })
  )

  it.effect(
    "a task created in a closed Loop.layer is a RuntimeError ('loop is closed'), not a silent cancel",
    () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(asyncio.Loop.layer({ name: "app-loop" }), scope)
        yield* Scope.close(scope, { _tag: "Success", value: undefined } as Exit.Exit<void>)
        let ran = false
        const exit = yield* Effect.exit(
          Effect.provideContext(
            asyncio.createTask(
              Effect.sync(() => {
                ran = true
              })
            ),
            context
          )
        )
        assert.strictEqual(
          misuseOf(exit, asyncio.RuntimeError),
          'createTask: the loop scope app-loop is closed (Python: "Event loop is closed")'
        )
        yield* settle
        assert.isFalse(ran)
      })
  )

  it.effect(
    "slowCallbackDuration: NaN is refused by Debug.debug (a ValueError naming it), not a monitor that never warns",
    () =>
      Effect.gen(function* () {
        assert.include(
          misuseOf(
            yield* Effect.exit(asyncio.Debug.debug(Effect.void, { slowCallbackDuration: Number.NaN })),
            asyncio.ValueError
          ),
          "slowCallbackDuration must be a number of seconds >= 0, got NaN"
        )
      })
  )

  it("Timeline.toText({ width: NaN }) is our ValueError, not a RangeError", async () => {
    const [, timeline] = await Effect.runPromise(asyncio.Timeline.record(Effect.void))
    assert.throws(
      () => asyncio.Timeline.toText(timeline, { width: Number.NaN }),
      asyncio.ValueError,
      "Timeline.toText: width must be an integer >= 2, got NaN"
    )
    assert.throws(
      () => asyncio.Timeline.toText(timeline, bad<asyncio.Timeline.TextOptions>({ widht: 80 })),
      asyncio.TypeError,
      'unknown option "widht" (did you mean "width"?)'
    )
  })

  it.effect("a fiber left running after its Loop.layer closed cannot start tasks in it", () =>
    Effect.gen(function* () {
      let outcome: Exit.Exit<unknown, unknown> | undefined
      const straggling = Effect.gen(function* () {
        return yield* Effect.forkDetach(
          Effect.andThen(
            asyncio.sleep(1),
            Effect.exit(asyncio.createTask(Effect.void)).pipe(
              Effect.tap((exit) =>
                Effect.sync(() => {
                  outcome = exit
                })
              )
            )
          )
        )
      }).pipe(Effect.provide(asyncio.Loop.layer({ name: "request-loop" })))
      yield* runVirtual(Effect.flatMap(straggling, Fiber.await))
      assert.isDefined(outcome)
      assert.include(misuseOf(outcome!, asyncio.RuntimeError), "the loop scope request-loop is closed")
    })
  )
})
