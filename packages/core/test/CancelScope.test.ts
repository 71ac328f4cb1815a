/**
 * Cancel scopes: the CS cases, derived from Trio's `src/trio/_tests/test_timeouts.py` and
 * `src/trio/_core/_tests/test_run.py` (docs/conformance.md names the upstream test of each). Trio's tests catch
 * `Cancelled` at checkpoints and carry on; here a cancellation is Effect interruption, so a body that is cancelled
 * ends (its finalizers run) and the scope ends normally — the cases assert what remains observable: which scope
 * caught the cancellation, when, what ran, and what each scope reports.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as CancelScope from "@effect-asyncio/core/CancelScope"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** Runs a test body on virtual time and fails the test with the body's failure; gives the virtual seconds too. */
const virtual = <A, E>(body: Effect.Effect<A, E>) =>
  Effect.flatMap(Testing.runVirtual(body), ({ exit, elapsed }) =>
    Effect.map(exit, (value) => ({ value, elapsed }))
  )

const now = asyncio.Timeout.time

describe("cancel scopes — CS cases (Trio)", () => {
  it.effect("CS-01 moveOnAfter(1, sleep(100)) ends normally at t=1 with undefined; cancelledCaught", () =>
    Effect.gen(function* () {
      let scope: CancelScope.CancelScope | undefined
      const { value, elapsed } = yield* virtual(
        CancelScope.moveOnAfter(1, (s) => {
          scope = s
          return asyncio.sleep(100, "late")
        })
      )
      assert.isUndefined(value)
      assert.strictEqual(elapsed, 1)
      assert.isTrue(scope!.cancelCalled)
      assert.isTrue(scope!.cancelledCaught)
      assert.strictEqual(scope!.state, "exited")
    })
  )

  it.effect(
    "CS-02 moveOnAt(now) cancels the body at its first suspension, even sleep(0); a body that does not suspend is not cancelled",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const t = yield* now
            const cut = yield* CancelScope.moveOnAt(
              t,
              Effect.andThen(
                asyncio.sleep(0),
                Effect.sync(() => log.push("after sleep(0)"))
              )
            )
            const whole = yield* CancelScope.moveOnAt(
              t,
              Effect.sync(() => "no suspension")
            )
            return [cut, whole] as const
          })
        )
        assert.deepStrictEqual(value, [undefined, "no suspension"])
        assert.deepStrictEqual(log, [])
      })
  )

  it.effect(
    "CS-03 a shielded scope keeps running when the outer scope is cancelled; lowering the shield lets the cancellation in at once",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        let outer: CancelScope.CancelScope | undefined
        let inner: CancelScope.CancelScope | undefined
        const { value, elapsed } = yield* virtual(
          CancelScope.run((o) => {
            outer = o
            return CancelScope.moveOnAfter(
              1,
              (i) =>
                Effect.gen(function* () {
                  inner = i
                  yield* o.cancel()
                  yield* asyncio.sleep(0)
                  log.push("shield held")
                  yield* i.setShield(false)
                  yield* asyncio.sleep(10)
                  log.push("not reached")
                }),
              { shield: true }
            )
          })
        )
        assert.isUndefined(value)
        assert.strictEqual(elapsed, 0)
        assert.deepStrictEqual(log, ["shield held"])
        assert.isTrue(outer!.cancelledCaught)
        assert.isFalse(inner!.cancelledCaught, "the outer cancellation is not the inner scope's")
      })
  )

  it.effect(
    "CS-04 moveOnAfter moves on even if shielded: the outer cancellation waits for the inner deadline",
    () =>
      Effect.gen(function* () {
        let outer: CancelScope.CancelScope | undefined
        const { value, elapsed } = yield* virtual(
          CancelScope.run((o) =>
            Effect.gen(function* () {
              outer = o
              yield* o.cancel()
              return yield* CancelScope.moveOnAfter(1, Effect.never, { shield: true })
            })
          )
        )
        assert.isUndefined(value)
        assert.strictEqual(elapsed, 1)
        assert.isTrue(outer!.cancelledCaught)
      })
  )

  it.effect(
    "CS-05 failAfter fails even if shielded: TimeoutError comes out through the cancelled outer scope",
    () =>
      Effect.gen(function* () {
        const r = yield* Testing.runVirtual(
          CancelScope.run((o) =>
            Effect.gen(function* () {
              yield* o.cancel()
              return yield* CancelScope.failAfter(1, Effect.never, { shield: true })
            })
          )
        )
        assert.instanceOf(Testing.failureOf(r.exit), asyncio.TimeoutError)
        assert.strictEqual(r.elapsed, 1)
      })
  )

  it.effect(
    "CS-06 failAt/failAfter: TimeoutError at the deadline (its cause the body's CancelledError); a body done in time returns",
    () =>
      Effect.gen(function* () {
        const at = yield* Testing.runVirtual(
          Effect.flatMap(now, (t) => CancelScope.failAt(t + 1, asyncio.sleep(100)))
        )
        const error = Testing.failureOf(at.exit) as asyncio.TimeoutError
        assert.instanceOf(error, asyncio.TimeoutError)
        assert.instanceOf(error.cause, asyncio.CancelledError)
        assert.strictEqual((error.cause as asyncio.CancelledError).reason.kind, "timeout")
        assert.strictEqual(at.elapsed, 1)
        const after = yield* Testing.runVirtual(CancelScope.failAfter(1, asyncio.sleep(100)))
        assert.instanceOf(Testing.failureOf(after.exit), asyncio.TimeoutError)
        const inTime = yield* Testing.runVirtual(
          Effect.flatMap(now, (t) => CancelScope.failAt(t + 100, asyncio.sleep(0, "ok")))
        )
        assert.deepStrictEqual(inTime.exit, Exit.succeed("ok"))
      })
  )

  it.effect("CS-07 delays may not be negative or NaN, deadlines not NaN: ValueError naming the call", () =>
    Effect.gen(function* () {
      const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
        ["CancelScope.moveOnAfter", CancelScope.moveOnAfter(-1, Effect.void)],
        ["CancelScope.moveOnAfter", CancelScope.moveOnAfter(Number.NaN, Effect.void)],
        ["CancelScope.moveOnAt", CancelScope.moveOnAt(Number.NaN, Effect.void)],
        ["CancelScope.failAfter", CancelScope.failAfter(-1, Effect.void)],
        ["CancelScope.failAfter", CancelScope.failAfter(Number.NaN, Effect.void)],
        ["CancelScope.failAt", CancelScope.failAt(Number.NaN, Effect.void)],
        ["CancelScope.make", CancelScope.make({ deadline: Number.NaN })]
      ]
      for (const [call, effect] of calls) {
        const defect = Testing.defectOf(yield* Effect.exit(effect))
        assert.instanceOf(defect, asyncio.ValueError, call)
        assert.include((defect as asyncio.ValueError).message, call)
      }
      const scope = yield* CancelScope.make()
      const set = Testing.defectOf(yield* Effect.exit(scope.setDeadline(Number.NaN)))
      assert.instanceOf(set, asyncio.ValueError)
    })
  )

  it.effect("CS-08 repr: the state, cancelled, the deadline", () =>
    Effect.gen(function* () {
      const scope = yield* CancelScope.make({ deadline: 10, name: "s" })
      assert.strictEqual(String(scope), "<CancelScope s created deadline=10>")
      yield* virtual(
        CancelScope.enter(scope, (s) =>
          Effect.gen(function* () {
            assert.strictEqual(String(s), "<CancelScope s active deadline=10>")
            yield* s.cancel()
            assert.strictEqual(String(s), "<CancelScope s active cancelled deadline=10>")
          })
        )
      )
      assert.strictEqual(String(scope), "<CancelScope s exited cancelled deadline=10>")
    })
  )

  it.effect(
    "CS-09 cancel() lands at the body's next suspension: the code up to it runs, the rest does not; the scope ends normally",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        let scope: CancelScope.CancelScope | undefined
        const { value } = yield* virtual(
          CancelScope.run((s) =>
            Effect.gen(function* () {
              scope = s
              yield* s.cancel()
              log.push("before the suspension")
              yield* asyncio.sleep(0)
              log.push("after")
            })
          )
        )
        assert.isUndefined(value)
        assert.deepStrictEqual(log, ["before the suspension"])
        assert.isTrue(scope!.cancelledCaught)
      })
  )

  it.effect("CS-10 two cancels are one (the first reason stays); cancelCalled and cancelledCaught", () =>
    Effect.gen(function* () {
      let scope: CancelScope.CancelScope | undefined
      let reason: asyncio.CancelReason | undefined
      yield* virtual(
        CancelScope.run((s) =>
          Effect.gen(function* () {
            scope = s
            yield* s.cancel("first")
            yield* s.cancel("second")
            yield* asyncio
              .sleep(10)
              .pipe(Effect.onExit((exit) => Effect.sync(() => (reason = Testing.cancelReasonOf(exit)))))
          })
        )
      )
      assert.isTrue(scope!.cancelCalled)
      assert.isTrue(scope!.cancelledCaught)
      assert.strictEqual(reason?.message, "first")
      assert.strictEqual(reason?.kind, "cancel")
    })
  )

  it.effect(
    "CS-11 a cancel that is still pending when the body ends is not delivered: cancelledCaught is false",
    () =>
      Effect.gen(function* () {
        let scope: CancelScope.CancelScope | undefined
        const { value } = yield* virtual(
          CancelScope.run((s) =>
            Effect.gen(function* () {
              scope = s
              yield* s.cancel()
              return "done before any suspension"
            })
          )
        )
        assert.strictEqual(value, "done before any suspension")
        assert.isTrue(scope!.cancelCalled)
        assert.isFalse(scope!.cancelledCaught)
      })
  )

  it.effect("CS-12 nested scopes cancelled at once: the outer one catches (Trio: 'the outer one wins')", () =>
    Effect.gen(function* () {
      const scopes: Array<CancelScope.CancelScope> = []
      yield* virtual(
        CancelScope.run((s1) => {
          scopes.push(s1)
          return CancelScope.run((s2) => {
            scopes.push(s2)
            return CancelScope.run((s3) =>
              Effect.gen(function* () {
                scopes.push(s3)
                yield* s3.cancel()
                yield* s2.cancel()
                return yield* Effect.never
              })
            )
          })
        })
      )
      const [s1, s2, s3] = scopes
      assert.deepStrictEqual(
        [
          s3.cancelCalled,
          s3.cancelledCaught,
          s2.cancelCalled,
          s2.cancelledCaught,
          s1.cancelCalled,
          s1.cancelledCaught
        ],
        [true, false, true, true, false, false]
      )
    })
  )

  it.effect(
    "CS-13 a shield protects from the scopes around it, not from the scopes inside it, nor from itself",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        let outer: CancelScope.CancelScope | undefined
        let inner: CancelScope.CancelScope | undefined
        let innerest: CancelScope.CancelScope | undefined
        const { elapsed } = yield* virtual(
          CancelScope.run((o) =>
            Effect.gen(function* () {
              outer = o
              yield* CancelScope.run(
                (i) =>
                  Effect.gen(function* () {
                    inner = i
                    yield* o.cancel()
                    yield* asyncio.sleep(1)
                    log.push("protected from outer")
                    yield* CancelScope.run((x) =>
                      Effect.gen(function* () {
                        innerest = x
                        yield* x.cancel()
                        yield* asyncio.sleep(1)
                        log.push("not protected from innerest")
                      })
                    )
                    log.push("innerest caught its own")
                    yield* i.cancel()
                    yield* asyncio.sleep(1)
                    log.push("not protected from itself")
                  }),
                { shield: true }
              )
              log.push("outer's cancellation lands after the shielded scope")
            })
          )
        )
        assert.deepStrictEqual(log, ["protected from outer", "innerest caught its own"])
        assert.strictEqual(elapsed, 1)
        assert.isTrue(innerest!.cancelledCaught)
        assert.isTrue(inner!.cancelledCaught)
        assert.isTrue(outer!.cancelledCaught)
      })
  )

  it.effect(
    "CS-14 cancelling a task group's scope reaches the children of nested groups (cancel inheritance)",
    () =>
      Effect.gen(function* () {
        const record: Array<string> = []
        const leaf = (id: string) =>
          Effect.onInterrupt(Effect.never, () => Effect.sync(() => record.push(id)))
        const worker = (id: string) =>
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(leaf(`${id}-l1`))
              yield* tg.createTask(leaf(`${id}-l2`))
            })
          )
        yield* virtual(
          asyncio.TaskGroup.run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(worker("w1"))
              yield* tg.createTask(worker("w2"))
              yield* asyncio.sleep(1) // every leaf has started (a task cancelled before it starts never runs)
              yield* tg.cancel()
            })
          )
        )
        assert.deepStrictEqual([...record].sort(), ["w1-l1", "w1-l2", "w2-l1", "w2-l2"])
      })
  )

  it.effect(
    "CS-15 deadlines: none by default (Infinity); a deadline moved after exit changes nothing; moved while active it applies",
    () =>
      Effect.gen(function* () {
        const done = yield* CancelScope.make()
        assert.strictEqual(done.deadline, Number.POSITIVE_INFINITY)
        yield* virtual(
          Effect.gen(function* () {
            yield* CancelScope.enter(done, Effect.void)
            yield* done.setDeadline((yield* now) + 1)
            yield* asyncio.sleep(2)
          })
        )
        assert.isFalse(done.cancelCalled)

        let moved: CancelScope.CancelScope | undefined
        const { value, elapsed } = yield* virtual(
          CancelScope.run((s) =>
            Effect.gen(function* () {
              moved = s
              const start = yield* now
              yield* s.setDeadline(start + 10)
              yield* asyncio.sleep(5)
              yield* s.setDeadline(start + 1) // already past: cancelled at the next suspension
              yield* asyncio.sleep(100)
              return "not reached"
            })
          )
        )
        assert.isUndefined(value)
        assert.strictEqual(elapsed, 5)
        assert.isTrue(moved!.cancelledCaught)
      })
  )

  it.effect(
    "CS-16 a scope cancelled before it is entered cancels its body as soon as it starts; a scope is entered once",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const early = yield* CancelScope.make()
        yield* early.cancel("before entry")
        const { value, elapsed } = yield* virtual(
          CancelScope.enter(
            early,
            CancelScope.failAfter(
              1,
              Effect.andThen(
                asyncio.sleep(10),
                Effect.sync(() => log.push("ran"))
              )
            )
          )
        )
        assert.isUndefined(value)
        assert.strictEqual(elapsed, 0)
        assert.deepStrictEqual(log, [])
        assert.isTrue(early.cancelledCaught)
        const again = Testing.defectOf(yield* Effect.exit(CancelScope.enter(early, Effect.void)))
        assert.instanceOf(again, asyncio.RuntimeError)
        assert.include((again as asyncio.RuntimeError).message, "has already been entered")
        const nested = yield* CancelScope.make()
        const inside = yield* virtual(
          CancelScope.enter(nested, Effect.exit(CancelScope.enter(nested, Effect.void)))
        )
        assert.instanceOf(Testing.defectOf(inside.value!), asyncio.RuntimeError)
      })
  )

  it.effect("CS-17 a scope cancelled from another task: its body is cancelled at once", () =>
    Effect.gen(function* () {
      const scope = yield* CancelScope.make({ name: "remote" })
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(CancelScope.enter(scope, asyncio.sleep(10, "late")))
          yield* asyncio.sleep(1)
          yield* scope.cancel("from outside")
          return yield* task
        })
      )
      assert.isUndefined(value)
      assert.strictEqual(elapsed, 1)
      assert.isTrue(scope.cancelledCaught)
    })
  )

  it.effect(
    "CS-18 currentEffectiveDeadline: the earliest deadline up to the first shield; -Infinity once cancelled",
    () =>
      Effect.gen(function* () {
        const seen: Array<number> = []
        const read = Effect.flatMap(CancelScope.currentEffectiveDeadline, (d) =>
          Effect.sync(() => seen.push(d))
        )
        yield* virtual(
          Effect.gen(function* () {
            yield* read
            const t = yield* now
            yield* CancelScope.run(
              (s1) =>
                CancelScope.run(
                  (s2) =>
                    Effect.gen(function* () {
                      yield* read // 5
                      yield* s2.setDeadline(t + 3)
                      yield* read // 3
                      yield* s2.setDeadline(t + 10)
                      yield* read // 5
                      yield* s2.setShield(true)
                      yield* read // 10
                      yield* s2.setShield(false)
                      yield* read // 5
                      yield* s1.cancel()
                      yield* read // -Infinity
                      yield* s2.setShield(true)
                      yield* read // 10
                    }),
                  { deadline: t + 10 }
                ),
              { deadline: t + 5 }
            )
            yield* read
            yield* asyncio.timeout(7, read) // a timeout scope counts
          })
        )
        const t0 = 0
        assert.deepStrictEqual(
          seen.map((d) => (Number.isFinite(d) ? d - t0 : d)),
          [Infinity, 5, 3, 5, 10, 5, -Infinity, 10, Infinity, 7]
        )
      })
  )

  it.effect(
    "CS-19 a task created inside a scope is not inside it (asyncio); a task group's children are inside the scopes around the group",
    () =>
      Effect.gen(function* () {
        const seen: Array<number> = []
        const read = Effect.flatMap(CancelScope.currentEffectiveDeadline, (d) =>
          Effect.sync(() => seen.push(d))
        )
        yield* virtual(
          CancelScope.moveOnAfter(5, () =>
            Effect.gen(function* () {
              const task = yield* asyncio.createTask(read)
              yield* task
              yield* asyncio.TaskGroup.run((tg) => tg.createTask(read))
            })
          )
        )
        assert.deepStrictEqual(seen, [Infinity, 5])
      })
  )
})
