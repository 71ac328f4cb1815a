/**
 * TaskGroup: the TG conformance cases (docs/conformance.md), asyncio's TaskGroup
 * (https://docs.python.org/3/library/asyncio-task.html#task-groups), and our own requirements (exit waits for late
 * tasks, refusals, explicit child cancellation, defects as members, outside cancellation, `tg.cancel()`,
 * nesting, `except*` helpers, cancellation reasons).
 *
 * Cancellation is Effect interruption and cannot be swallowed (docs/semantics.md, decision 1). Cases whose
 * Python outcome rests on Python-only mechanics — KeyboardInterrupt/SystemExit and BaseExceptionGroup (TG-20,
 * TG-22, TG-46, TG-47), a body or child catching its CancelledError and carrying on (TG-29, TG-43),
 * `cancelling()`/`uncancel()` counts (TG-37, TG-38, TG-40), contextvars (TG-28), entering a group object
 * (TG-31, TG-32, TG-34, TG-35) — are written as tests of the closest observable behaviour of our library.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Testing from "@effect-asyncio/core/Testing"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { defectOf, failureOf, isInterrupted } from "./utils/exits.ts"
import { crasher, groupOf, raiseInFinally, shapeOf, sleeper, tasksOf, timeline } from "./utils/groups.ts"
import { cancelledErrorOf, stateOf } from "./utils/taskState.ts"
import { runVirtual } from "./utils/virtual.ts"

class ZeroDiv extends Data.TaggedError("ZeroDivisionError")<{}> {}
class ValueErr extends Data.TaggedError("ValueError")<{}> {}
class KeyErr extends Data.TaggedError("KeyError")<{}> {}
class TypeErr extends Data.TaggedError("TypeError")<{}> {}
class OSErr extends Data.TaggedError("OSError")<{}> {}
class RuntimeErr extends Data.TaggedError("RuntimeError")<{}> {}
class Exc extends Data.TaggedError("Exc")<{}> {}

const run = asyncio.TaskGroup.run

/**
 * Awaits a long-sleeping task named `name` and pushes it to `probes`: when the awaiting code (a group body) is
 * cancelled, the cancellation is forwarded to the probe with the same kind and message, which makes the body's
 * own cancellation reason observable through `probe.exception()`.
 */
const awaitProbe = (probes: Array<asyncio.Task<void>>, name: string) =>
  Effect.gen(function* () {
    const probe = yield* asyncio.createTask(asyncio.sleep(10), { name })
    probes.push(probe)
    yield* probe
  })

/** The reason a cancelled task reports. */
const reasonOf = <A, E>(task: asyncio.Task<A, E> | undefined) =>
  Effect.map(cancelledErrorOf(task!), (error) => error.reason)

describe("TaskGroup — TG conformance cases", () => {
  it.effect("TG-01 the group exits when its last child is done; the children keep their results", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const a = yield* tg.createTask(sleeper(0.1, 42), { name: "A" })
            const b = yield* tg.createTask(sleeper(0.2, 11), { name: "B" })
            return [a, b] as const
          })
        )
      )
      assert.strictEqual(r.elapsed, 0.2)
      const [a, b] = (yield* r.exit)!
      assert.strictEqual(yield* a.result(), 42)
      assert.strictEqual(yield* b.result(), 11)
      assert.strictEqual(a.name, "A")
    })
  )

  it.effect("TG-02 a task may be added after another one has already finished", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const a = yield* tg.createTask(sleeper(0.1, 42))
            yield* asyncio.sleep(0.15)
            assert.isTrue(yield* a.done())
            const b = yield* tg.createTask(sleeper(0.2, 11))
            return [a, b] as const
          })
        )
      )
      assert.strictEqual(r.elapsed, 0.35)
      const [a, b] = (yield* r.exit)!
      assert.deepStrictEqual([yield* a.result(), yield* b.result()], [42, 11])
    })
  )

  it.effect("TG-04 a failing child cancels its sibling; the code after the group never runs", () =>
    Effect.gen(function* () {
      const { events, mark } = timeline()
      let counter = 0
      let b: asyncio.Task<void> | undefined
      const runner = Effect.gen(function* () {
        yield* run(
          (tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(crasher(0.1, new ZeroDiv()), { name: "A" })
              b = yield* tg.createTask(
                asyncio.sleep(1).pipe(
                  Effect.andThen(
                    Effect.sync(() => {
                      counter++
                    })
                  ),
                  Effect.onInterrupt(() => mark("B saw cancel"))
                ),
                { name: "B" }
              )
            }),
          { name: "G" }
        )
        counter += 10
      })
      const r = yield* runVirtual(Effect.flatMap(asyncio.createTask(runner, { name: "runner" }), (t) => t))
      assert.strictEqual(r.elapsed, 0.1)
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError"])
      assert.deepStrictEqual(tasksOf(group), ["A"])
      assert.strictEqual(counter, 0)
      assert.deepStrictEqual(events, ["B saw cancel"])
      assert.isTrue(yield* b!.cancelled())
      const reason = yield* reasonOf(b)
      assert.strictEqual(reason.kind, "sibling")
      assert.include(reason.detail, "A")
      assert.include(reason.detail, "G")
    })
  )

  it.effect(
    "TG-05 the first failures cancel the other children and the body; every member is a ZeroDiv",
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        const probes: Array<asyncio.Task<void>> = []
        const runner = Effect.gen(function* () {
          yield* run((tg) =>
            Effect.gen(function* () {
              for (const i of [1, 2, 3]) yield* tg.createTask(crasher(0.1, new ZeroDiv()), { name: `C${i}` })
              yield* tg.createTask(asyncio.sleep(5).pipe(Effect.onInterrupt(() => mark("B saw cancel"))), {
                name: "B"
              })
              yield* awaitProbe(probes, "body-sleep").pipe(Effect.onInterrupt(() => mark("body cancelled")))
            })
          )
          yield* mark("after the block")
        })
        const r = yield* runVirtual(Effect.flatMap(asyncio.createTask(runner), (t) => t))
        assert.strictEqual(r.elapsed, 0.1)
        const group = yield* groupOf(r.exit)
        assert.isAtLeast(group.members.length, 1)
        assert.isAtMost(group.members.length, 3)
        assert.deepStrictEqual(new Set(shapeOf(group)), new Set(["ZeroDivisionError"]))
        assert.sameMembers(events, ["B saw cancel", "body cancelled"])
        const reason = yield* reasonOf(probes[0])
        assert.strictEqual(reason.kind, "sibling", "the body was cancelled because a child failed")
        assert.include(reason.detail, String(group.members[0].task))
      })
  )

  it.effect(
    "TG-06 cancelling the task running the group cancels every child and propagates the cancellation",
    () =>
      Effect.gen(function* () {
        let num = 0
        const children: Array<asyncio.Task<void>> = []
        const foo = asyncio.sleep(5).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              num += 1
            })
          )
        )
        const runner = run((tg) =>
          Effect.gen(function* () {
            for (let i = 0; i < 5; i++) children.push(yield* tg.createTask(foo))
          })
        )
        const r = yield* runVirtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(runner, { name: "R" })
            yield* asyncio.sleep(0.1)
            assert.isFalse(yield* task.done())
            assert.isTrue(yield* task.cancel("stop"))
            return yield* Effect.exit(task).pipe(Effect.as(task))
          })
        )
        assert.strictEqual(r.elapsed, 0.1)
        const task = yield* r.exit
        assert.isTrue(yield* task.cancelled())
        assert.strictEqual((yield* cancelledErrorOf(task)).cancelMessage, "stop")
        assert.strictEqual(num, 5)
        for (const child of children) {
          const reason = yield* reasonOf(child)
          // the outside request is forwarded with its kind and message (Python cancels the children without one)
          assert.strictEqual(reason.kind, "cancel")
          assert.strictEqual(reason.message, "stop")
        }
      })
  )

  it.effect("TG-07 cancelling the runner cancels the body and the five children: count = 15", () =>
    Effect.gen(function* () {
      let num = 0
      const add = (n: number) =>
        Effect.sync(() => {
          num += n
        })
      const runner = run((tg) =>
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++)
            yield* tg.createTask(asyncio.sleep(10).pipe(Effect.onInterrupt(() => add(1))))
          yield* asyncio.sleep(10).pipe(Effect.onInterrupt(() => add(10)))
        })
      )
      const r = yield* runVirtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(runner)
          yield* asyncio.sleep(0.1)
          yield* task.cancel()
          return yield* Effect.exit(task)
        })
      )
      assert.strictEqual(r.elapsed, 0.1)
      const exit = yield* r.exit
      assert.isTrue(isInterrupted(exit), "a CancelledError, not an ExceptionGroup")
      assert.strictEqual(num, 15)
    })
  )

  it.effect("TG-08 errors raised by the children while being cancelled beat the outside cancellation", () =>
    Effect.gen(function* () {
      const foo = raiseInFinally(asyncio.sleep(10), new ZeroDiv())
      const runner = run((tg) =>
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++) yield* tg.createTask(foo, { name: `foo${i}` })
          yield* asyncio.sleep(10)
        })
      )
      const r = yield* runVirtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(runner, { name: "R" })
          yield* asyncio.sleep(0.1)
          assert.isFalse(yield* task.done())
          yield* task.cancel()
          return [yield* Effect.exit(task), task] as const
        })
      )
      assert.strictEqual(r.elapsed, 0.1)
      const [exit, task] = yield* r.exit
      const group = yield* groupOf(exit)
      assert.deepStrictEqual(shapeOf(group), Array(5).fill("ZeroDivisionError"))
      assert.sameMembers([...tasksOf(group)], ["foo0", "foo1", "foo2", "foo3", "foo4"])
      assert.isFalse(yield* task.cancelled())
      assert.strictEqual(yield* Effect.orDie(task.exception()), group as unknown)
    })
  )

  it.effect("TG-09 the body's error cancels the running children; the group fails with it", () =>
    Effect.gen(function* () {
      let t1: asyncio.Task<number> | undefined
      let t2: asyncio.Task<number> | undefined
      const r = yield* runVirtual(
        run(
          (tg) =>
            Effect.gen(function* () {
              t1 = yield* tg.createTask(sleeper(1, 42))
              t2 = yield* tg.createTask(sleeper(2, 11))
              yield* asyncio.sleep(0.1)
              return yield* Effect.fail(new ZeroDiv())
            }),
          { name: "G" }
        )
      )
      assert.strictEqual(r.elapsed, 0.1)
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError"])
      assert.deepStrictEqual(tasksOf(group), ["<body>"])
      assert.isTrue(yield* t1!.cancelled())
      assert.isTrue(yield* t2!.cancelled())
      const reason = yield* reasonOf(t1)
      assert.strictEqual(reason.kind, "sibling")
      assert.include(reason.detail, "body")
      assert.include(reason.detail, "G")
    })
  )

  it.effect("TG-10 a body failing before it suspends cancels children that never ran", () =>
    Effect.gen(function* () {
      const { events, mark } = timeline()
      let t1: asyncio.Task<number> | undefined
      let t2: asyncio.Task<number> | undefined
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            t1 = yield* tg.createTask(Effect.andThen(mark("t1 started"), sleeper(1, 42)))
            t2 = yield* tg.createTask(Effect.andThen(mark("t2 started"), sleeper(2, 11)))
            return yield* Effect.fail(new ZeroDiv())
          })
        )
      )
      assert.strictEqual(r.elapsed, 0)
      assert.deepStrictEqual(shapeOf(yield* groupOf(r.exit)), ["ZeroDivisionError"])
      assert.isTrue(yield* t1!.cancelled())
      assert.isTrue(yield* t2!.cancelled())
      assert.deepStrictEqual(events, [], "the children never ran")
    })
  )

  it.effect("TG-11 a nested group's errors reach the outer group as one nested member (no flattening)", () =>
    Effect.gen(function* () {
      const foo = raiseInFinally(asyncio.sleep(10), new ZeroDiv())
      const runner = run(() =>
        run((g2) =>
          Effect.gen(function* () {
            for (let i = 0; i < 5; i++) yield* g2.createTask(foo, { name: `foo${i}` })
            yield* asyncio.sleep(10)
          })
        )
      )
      const r = yield* runVirtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(runner, { name: "R" })
          yield* asyncio.sleep(0.1)
          yield* task.cancel()
          return yield* Effect.exit(task)
        })
      )
      assert.strictEqual(r.elapsed, 0.1)
      const group = yield* groupOf(yield* r.exit)
      assert.deepStrictEqual(shapeOf(group), [Array(5).fill("ZeroDivisionError")])
      const [nested] = tasksOf(group)
      assert.strictEqual(nested[0], "<body>")
      assert.instanceOf(group.exceptions[0], asyncio.ExceptionGroup)
    })
  )

  it.effect(
    "TG-13 an outer child's failure cancels a nested group cleanly: one member, no nested group",
    () =>
      Effect.gen(function* () {
        let inner: asyncio.Task<never, ValueErr> | undefined
        const r = yield* runVirtual(
          run(
            (g1) =>
              Effect.gen(function* () {
                yield* g1.createTask(crasher(0.1, new ValueErr()), { name: "outer-child" })
                yield* run(
                  (g2) =>
                    Effect.gen(function* () {
                      inner = yield* g2.createTask(crasher(10, new ValueErr()), {
                        name: "inner-child"
                      })
                    }),
                  { name: "inner" }
                )
              }),
            { name: "outer" }
          )
        )
        assert.strictEqual(r.elapsed, 0.1)
        const group = yield* groupOf(r.exit)
        assert.deepStrictEqual(shapeOf(group), ["ValueError"])
        assert.deepStrictEqual(tasksOf(group), ["outer-child"])
        assert.strictEqual(group.message, "unhandled errors in a TaskGroup (1 sub-exception)")
        const reason = yield* reasonOf(inner)
        assert.strictEqual(
          reason.kind,
          "sibling",
          "the outer child's failure travelled into the nested group"
        )
        assert.include(reason.detail, "outer-child")
      })
  )

  it.effect(
    "TG-14 a nested group's failure is a nested member of the outer group, which cancels its child",
    () =>
      Effect.gen(function* () {
        let outerChild: asyncio.Task<never, ValueErr> | undefined
        const r = yield* runVirtual(
          run(
            (g1) =>
              Effect.gen(function* () {
                outerChild = yield* g1.createTask(crasher(10, new ValueErr()), {
                  name: "outer-child"
                })
                yield* run((g2) => g2.createTask(crasher(0.1, new ValueErr()), { name: "inner-child" }), {
                  name: "inner"
                })
              }),
            { name: "outer" }
          )
        )
        assert.strictEqual(r.elapsed, 0.1)
        const group = yield* groupOf(r.exit)
        assert.deepStrictEqual(shapeOf(group), [["ValueError"]])
        assert.deepStrictEqual(tasksOf(group), [["<body>", ["inner-child"]]])
        assert.isTrue(yield* outerChild!.cancelled())
        const reason = yield* reasonOf(outerChild)
        assert.strictEqual(reason.kind, "sibling")
        assert.include(reason.detail, "outer")
      })
  )

  // Python leaves the children alone while the body handles the outside cancellation, and aborts them only when
  // the body exits; a child failing meanwhile makes the group raise. Our body's clean-up is a finalizer, so it
  // is never cut short: it ends at t=0.6 (Python cuts it at t=0.3, when the child fails and cancels the body).
  it.effect(
    "TG-15 outside cancellation: children keep running until the body has exited; a child failing meanwhile wins",
    () =>
      Effect.gen(function* () {
        const { log, mark } = timeline()
        const runner = run((g1) =>
          Effect.gen(function* () {
            yield* g1.createTask(
              crasher(0.3, new ZeroDiv()).pipe(Effect.onInterrupt(() => mark("crash_soon cancelled"))),
              { name: "crash_soon" }
            )
            yield* asyncio
              .sleep(10)
              .pipe(Effect.onInterrupt(() => Effect.andThen(mark("body cancelled"), asyncio.sleep(0.5))))
          })
        )
        const r = yield* runVirtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(runner, { name: "R" })
            yield* asyncio.sleep(0.1)
            yield* task.cancel()
            return yield* Effect.exit(task)
          })
        )
        assert.deepStrictEqual(log, ["0.1 body cancelled"], "the child was not cancelled")
        const group = yield* groupOf(yield* r.exit)
        assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError"])
        assert.deepStrictEqual(tasksOf(group), ["crash_soon"])
        assert.strictEqual(r.elapsed, 0.6)
      })
  )

  it.effect(
    "TG-16 cancelling a task that awaits the runner: the group error travels back through the await",
    () =>
      Effect.gen(function* () {
        const runner = run((g1) =>
          Effect.gen(function* () {
            yield* g1.createTask(crasher(0.3, new ZeroDiv()), { name: "crash_soon" })
            yield* asyncio.sleep(10).pipe(Effect.onInterrupt(() => asyncio.sleep(0.5)))
          })
        )
        const r = yield* runVirtual(
          Effect.gen(function* () {
            const outer = yield* asyncio.createTask(
              Effect.gen(function* () {
                const nested = yield* asyncio.createTask(runner, { name: "nested" })
                return yield* nested
              }),
              { name: "outer" }
            )
            yield* asyncio.sleep(0.1)
            yield* outer.cancel()
            return yield* Effect.exit(outer)
          })
        )
        const group = yield* groupOf(yield* r.exit)
        assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError"])
      })
  )

  it.effect("TG-17 an empty group whose body is cancelled propagates the cancellation", () =>
    Effect.gen(function* () {
      let num = 0
      const runner = run(() =>
        asyncio.sleep(10).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              num += 10
            })
          )
        )
      )
      const r = yield* runVirtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(runner)
          yield* asyncio.sleep(0.1)
          assert.isFalse(yield* task.done())
          yield* task.cancel()
          return yield* Effect.exit(task)
        })
      )
      assert.strictEqual(r.elapsed, 0.1)
      assert.isTrue(isInterrupted(yield* r.exit))
      assert.strictEqual(num, 10)
    })
  )

  it.effect("TG-19 an error raised by the body's clean-up is a member too, after the child's", () =>
    Effect.gen(function* () {
      const nested = raiseInFinally(asyncio.sleep(10), new Exc())
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            yield* tg.createTask(crasher(0.1, new ZeroDiv()), { name: "crash_soon" })
            yield* nested
          })
        )
      )
      assert.strictEqual(r.elapsed, 0.1)
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError", "Exc"])
      assert.deepStrictEqual(tasksOf(group), ["crash_soon", "<body>"])
    })
  )

  // Python: KeyboardInterrupt raised by the body's clean-up propagates bare. We have no KeyboardInterrupt (signals
  // are `run`'s business); the closest is a defect, which is a grouped `Defect` member like any other error.
  it.effect(
    "TG-20 a defect raised by the body's clean-up is a Defect member of the group, not raised bare",
    () =>
      Effect.gen(function* () {
        const interrupt = new Error("KeyboardInterrupt")
        const nested = asyncio.sleep(10).pipe(Effect.onExit(() => Effect.die(interrupt)))
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(crasher(0.1, new ZeroDiv()), { name: "crash_soon" })
              yield* nested
            })
          )
        )
        assert.strictEqual(r.elapsed, 0.1)
        const group = yield* groupOf(r.exit)
        assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError", "Defect"])
        assert.deepStrictEqual(tasksOf(group), ["crash_soon", "<body>"])
        const defect = group.exceptions[1] as asyncio.Defect
        assert.strictEqual(defect.defect, interrupt)
        assert.strictEqual(defectOf(r.exit), undefined, "the group fails, it does not die")
      })
  )

  // Python: a BaseException member turns the group into a BaseExceptionGroup. Our closest "non-ordinary" error is
  // a defect; the group stays an ExceptionGroup whose member is a `Defect`.
  it.effect(
    "TG-22 a child's defect and the body's clean-up error form one ExceptionGroup {Defect, TypeError}",
    () =>
      Effect.gen(function* () {
        const base = new Error("BaseExc")
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(Effect.andThen(asyncio.sleep(0.1), Effect.die(base)), {
                name: "crash_soon"
              })
              yield* raiseInFinally(asyncio.sleep(10), new TypeErr())
            })
          )
        )
        const group = yield* groupOf(r.exit)
        assert.instanceOf(group, asyncio.ExceptionGroup)
        assert.deepStrictEqual(shapeOf(group), ["Defect", "TypeError"])
        assert.strictEqual((group.exceptions[0] as asyncio.Defect).defect, base)
      })
  )

  it.effect("TG-23 cancelling the runner while children sleep ends it cancelled at once", () =>
    Effect.gen(function* () {
      const runner = run((tg) =>
        Effect.gen(function* () {
          yield* tg.createTask(sleeper(1, 1))
          yield* tg.createTask(sleeper(2, 2))
        })
      )
      const r = yield* runVirtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(runner)
          yield* asyncio.sleep(0.05)
          yield* task.cancel()
          return yield* Effect.exit(task)
        })
      )
      assert.strictEqual(r.elapsed, 0.05)
      assert.isTrue(isInterrupted(yield* r.exit))
    })
  )

  it.effect("TG-25 the exit waits for tasks that children add while the group is exiting", () =>
    Effect.gen(function* () {
      const states: Array<string> = []
      const r = yield* runVirtual(
        run((g) =>
          g.createTask(
            Effect.gen(function* () {
              yield* asyncio.sleep(0.1)
              states.push(g.state)
              yield* g.createTask(asyncio.sleep(0.1))
              yield* g.createTask(asyncio.sleep(0.2))
            }),
            { name: "root" }
          )
        )
      )
      assert.strictEqual(r.elapsed, 0.3)
      assert.isTrue(r.exit._tag === "Success")
      assert.deepStrictEqual(states, ["exiting"])
    })
  )

  it.effect("TG-26 hydra: the group terminates with {ZeroDiv} only; every sleeping hydra is cancelled", () =>
    Effect.gen(function* () {
      let counter = 0
      let spawnRefused = 0
      const hydra = (g: asyncio.TaskGroup.TaskGroup): Effect.Effect<void> =>
        Effect.gen(function* () {
          counter++
          yield* asyncio.sleep(0.01)
          const spawned = yield* Effect.exit(Effect.andThen(g.createTask(hydra(g)), g.createTask(hydra(g))))
          if (spawned._tag === "Failure") spawnRefused++
        })
      const hercules = Effect.gen(function* () {
        while (counter < 10) yield* asyncio.sleep(0.015)
        return yield* Effect.fail(new ZeroDiv())
      })
      const r = yield* runVirtual(
        run((g) =>
          Effect.gen(function* () {
            yield* g.createTask(hydra(g), { name: "hydra" })
            yield* g.createTask(hercules, { name: "hercules" })
          })
        )
      )
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError"])
      assert.deepStrictEqual(tasksOf(group), ["hercules"])
      assert.isAtLeast(counter, 10)
      assert.strictEqual(spawnRefused, 0, "no hydra reached its next spawn")
      assert.strictEqual(r.elapsed, 0.045)
    })
  )

  // Python runs each child in an explicit contextvars.Context. Effect has no contextvars; the analog is the
  // fiber's services and references: a child inherits those of the fiber that calls `createTask`, and can be
  // given its own with `Effect.provideService`.
  it.effect("TG-28 children run with the services of the createTask call site, or their own", () =>
    Effect.gen(function* () {
      const Cvar = Context.Reference<number>("test/TG-28/cvar", { defaultValue: () => 0 })
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const t1 = yield* Effect.provideService(tg.createTask(Cvar), Cvar, 1)
            const t2 = yield* tg.createTask(Effect.provideService(Cvar, Cvar, 2))
            const t3 = yield* tg.createTask(Cvar)
            return [yield* t1, yield* t2, yield* t3]
          })
        )
      )
      assert.deepStrictEqual(yield* r.exit, [1, 2, 0])
    })
  )

  // Python: B catches its CancelledError, tries to spawn (RuntimeError), and returns normally. Ours cannot
  // swallow; the spawn attempt is made from B's clean-up and is refused the same way; B ends cancelled.
  it.effect(
    "TG-29 spawning while the group is shutting down is refused with RuntimeError 'is shutting down'",
    () =>
      Effect.gen(function* () {
        const refusals: Array<unknown> = []
        let b: asyncio.Task<void> | undefined
        const r = yield* runVirtual(
          run(
            (tg) =>
              Effect.gen(function* () {
                yield* tg.createTask(crasher(0.001, new ZeroDiv()), { name: "A" })
                b = yield* tg.createTask(
                  asyncio.sleep(1).pipe(
                    Effect.onInterrupt(() =>
                      Effect.flatMap(Effect.exit(tg.createTask(asyncio.sleep(1))), (exit) =>
                        Effect.sync(() => {
                          refusals.push(defectOf(exit))
                        })
                      )
                    )
                  ),
                  { name: "B" }
                )
              }),
            { name: "G" }
          )
        )
        assert.strictEqual(refusals.length, 1)
        const refusal = refusals[0] as asyncio.RuntimeError
        assert.instanceOf(refusal, asyncio.RuntimeError)
        assert.strictEqual(refusal.message, "TaskGroup.createTask: TaskGroup G is shutting down")
        const group = yield* groupOf(r.exit)
        assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError"])
        assert.isTrue(yield* b!.cancelled())
      })
  )

  // Python: `async with g:` inside `async with g:` → RuntimeError "has already been entered". Our groups are not
  // objects that are entered: every `TaskGroup.run` makes a new group, so a run inside a run is a nested group.
  it.effect("TG-31 a run inside a run is a new, nested group; the outer handle keeps working inside it", () =>
    Effect.gen(function* () {
      const names: Array<string> = []
      const r = yield* runVirtual(
        run((outer) =>
          run((inner) =>
            Effect.gen(function* () {
              names.push(outer.name, inner.name)
              const a = yield* outer.createTask(sleeper(0.1, "outer"))
              const b = yield* inner.createTask(sleeper(0.2, "inner"))
              return [yield* a, yield* b]
            })
          )
        )
      )
      assert.deepStrictEqual(yield* r.exit, ["outer", "inner"])
      assert.notStrictEqual(names[0], names[1])
      assert.match(names[0], /^TaskGroup-\d+$/)
    })
  )

  // Python: re-entering a finished group → RuntimeError. Ours: a finished group cannot be re-entered (a run makes
  // a new group); its handle refuses new tasks with "is finished", and its cancel() is a no-op.
  it.effect("TG-32 a finished group's handle refuses tasks with RuntimeError 'is finished'", () =>
    Effect.gen(function* () {
      let kept: asyncio.TaskGroup.TaskGroup | undefined
      yield* run((tg) => Effect.sync(() => (kept = tg)), { name: "done-group" })
      const tg = kept!
      assert.strictEqual(tg.state, "finished")
      const exit = yield* Effect.exit(tg.createTask(Effect.void))
      const defect = defectOf(exit) as asyncio.RuntimeError
      assert.instanceOf(defect, asyncio.RuntimeError)
      assert.strictEqual(defect.message, "TaskGroup.createTask: TaskGroup done-group is finished")
      yield* tg.cancel()
      assert.strictEqual(tg.state, "finished")
    })
  )

  // Python: createTask on a never-entered group → RuntimeError. Ours: there is no un-entered group — the handle
  // exists only inside `run`, already running, and accepts tasks at once.
  it.effect("TG-34 the body receives a running group that accepts tasks before it first suspends", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const state = tg.state
            const t = yield* tg.createTask(Effect.succeed(1))
            return [state, yield* t] as const
          })
        )
      )
      assert.deepStrictEqual(yield* r.exit, ["running", 1])
    })
  )

  // Python needs a parent task ("cannot determine the parent task"). Ours runs in any fiber.
  it.effect("TG-35 a group runs outside any task; its children are tasks", () =>
    Effect.gen(function* () {
      assert.isUndefined(yield* asyncio.currentTask)
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const before = yield* asyncio.currentTask
            const child = yield* tg.createTask(Effect.map(asyncio.currentTask, (t) => t?.name))
            return [before, yield* child, child.name] as const
          })
        )
      )
      const [before, seen, name] = yield* r.exit.pipe(Effect.map((v) => v!))
      assert.isUndefined(before)
      assert.strictEqual(seen, name)
      assert.match(name, /^Task-\d+$/)
    })
  )

  // Python: the inner group's RuntimeError is caught with except* while the outer group's cancellation is pending
  // (cancelling() = 1), then the outer group raises {ValueError}. We have no counts; what is observable is the
  // same: the inner error is handled, code after it runs, and the outer group raises {ValueError} only.
  it.effect(
    "TG-37 nested groups both failing: the outer group's abort reaches the body in the inner group's exit; the outer raises {ValueError}",
    // CPython 3.11 (checked) prints "caught RuntimeError", "after the inner group", "caught ValueError": the outer
    // group's `_on_task_done` cancels the body while it waits in the inner group's exit, and the inner group, being
    // aborting itself, swallows that CancelledError as its own. Both groups hear of their child's failure a turn
    // after it (done callbacks), so here too the outer abort lands in the inner exit; a cancellation cannot be
    // swallowed, and a handler around a group failing in a cancelled body does not run (docs/semantics.md S11, C1):
    // the inner RuntimeError is dropped, the outer group raises {ValueError}.
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        const r = yield* runVirtual(
          run((outer) =>
            Effect.gen(function* () {
              yield* run((inner) =>
                Effect.gen(function* () {
                  yield* inner.createTask(crasher(0, new RuntimeErr()), { name: "inner-child" })
                  yield* outer.createTask(crasher(0, new ValueErr()), { name: "outer-child" })
                })
              ).pipe(asyncio.exceptStar("RuntimeError", () => mark("caught RuntimeError")))
              yield* mark("after the inner group")
            })
          ).pipe(Effect.catchTag("ExceptionGroup", (g) => mark(`caught ${shapeOf(g)} from ${tasksOf(g)}`)))
        )
        assert.isTrue(r.exit._tag === "Success")
        assert.deepStrictEqual(events, ["caught ValueError from outer-child"])
        // and the caller is not left cancelled: it can still suspend
        const after = yield* runVirtual(asyncio.sleep(0, "still running"))
        assert.strictEqual(yield* after.exit, "still running")
      })
  )

  // A fiber that is being cancelled runs no error handler (docs/semantics.md C1), and Effect turns the exit of a
  // handler region of an interrupted fiber into the interruption: a handler around a group that fails while its
  // fiber is cancelled neither runs nor lets the error through. Without a handler the error survives (TG-11).
  it.effect(
    "TG-37 a handler around a nested group in a cancelled body does not run; the error is dropped",
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        const variant = (handled: boolean) =>
          run((outer) =>
            Effect.gen(function* () {
              const inner = run((g) =>
                Effect.gen(function* () {
                  yield* g.createTask(raiseInFinally(asyncio.sleep(1), new RuntimeErr()), {
                    name: "inner-child"
                  })
                  yield* outer.createTask(crasher(0.1, new ValueErr()), { name: "outer-child" })
                })
              )
              if (handled) yield* inner.pipe(asyncio.exceptStar("RuntimeError", () => mark("handler ran")))
              else yield* inner
              yield* mark("after the inner group")
            })
          )
        const handled = yield* runVirtual(variant(true))
        assert.deepStrictEqual(tasksOf(yield* groupOf(handled.exit)), ["outer-child"])
        const unhandled = yield* runVirtual(variant(false))
        assert.deepStrictEqual(shapeOf(yield* groupOf(unhandled.exit)), ["ValueError", ["RuntimeError"]])
        assert.deepStrictEqual(events, [])
      })
  )

  // Python (3.13+): the group raises {RuntimeError} inside T, the outside cancel() is re-armed, the handler runs,
  // T's next await is cancelled and T ends cancelled. Ours: T is cancelled while the group waits for the body's
  // clean-up; errors still beat the cancellation when nothing catches them (T ends with the group error), but
  // a cancelled fiber runs no handler, so with a handler T ends cancelled without running it.
  it.effect(
    "TG-38 a group failing while its task is cancelled: the error wins unless handled; no handler runs",
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        const scenario = (handled: boolean) =>
          Effect.gen(function* () {
            const group = run((tg) =>
              Effect.gen(function* () {
                yield* tg.createTask(crasher(0.1, new RuntimeErr()), { name: "child" })
                yield* asyncio.sleep(1).pipe(Effect.onInterrupt(() => asyncio.sleep(0.5)))
              })
            )
            const t = yield* asyncio.createTask(
              Effect.gen(function* () {
                if (handled) yield* group.pipe(Effect.catch(() => mark("handler ran")))
                else yield* group
                yield* mark("after the group")
                yield* asyncio.sleep(1)
              }),
              { name: "T" }
            )
            yield* asyncio.sleep(0.2)
            yield* t.cancel()
            yield* Effect.exit(t)
            return t
          })
        const plain = yield* runVirtual(scenario(false))
        assert.strictEqual(plain.elapsed, 0.6)
        const t1 = yield* plain.exit
        assert.isFalse(yield* t1.cancelled())
        const error = yield* Effect.orDie(t1.exception())
        assert.instanceOf(error, asyncio.ExceptionGroup)
        assert.deepStrictEqual(shapeOf(error as asyncio.ExceptionGroup<unknown>), ["RuntimeError"])

        const handled = yield* runVirtual(scenario(true))
        assert.strictEqual(handled.elapsed, 0.6)
        const t2 = yield* handled.exit
        assert.isTrue(yield* t2.cancelled())
        assert.deepStrictEqual(events, [], "neither the handler nor the code after the group ran")
      })
  )

  it.effect("TG-40 after catching a group error the task is not cancelled: the next sleep(0) completes", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        Effect.flatMap(
          asyncio.createTask(
            Effect.gen(function* () {
              const caught = yield* run((tg) => tg.createTask(Effect.fail(new Exc()))).pipe(
                Effect.as("no error"),
                Effect.catchTag("ExceptionGroup", (g) => Effect.succeed(shapeOf(g)))
              )
              yield* asyncio.sleep(0)
              const me = yield* asyncio.currentTask
              return [caught, yield* me!.cancelling()] as const
            })
          ),
          (t) => t
        )
      )
      assert.deepStrictEqual(yield* r.exit, [["Exc"], 0])
    })
  )

  it.effect(
    "TG-41 timeout(-1) around a group whose body sleeps 0: a bare TimeoutError caused by a CancelledError",
    () =>
      Effect.gen(function* () {
        const r = yield* runVirtual(asyncio.timeout(-1, () => run(() => asyncio.sleep(0))))
        const error = failureOf(r.exit)
        assert.instanceOf(error, asyncio.TimeoutError, "not an ExceptionGroup")
        const cause = (error as asyncio.TimeoutError).cause as asyncio.CancelledError
        assert.instanceOf(cause, asyncio.CancelledError)
        assert.strictEqual(cause.reason.kind, "timeout")
      })
  )

  // Python: the body catches the group's CancelledError, logs, sleeps 0 and logs again. Ours cannot swallow it:
  // the handler does not run, the rest of the body is skipped, the clean-up runs — and is not cancelled again
  // when it suspends (the group cancels the body once).
  it.effect(
    "TG-43 the body cannot swallow the group's cancellation; its clean-up runs once, to the end",
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(crasher(0.01, new ValueErr()), { name: "crasher" })
              yield* asyncio.sleep(1).pipe(
                Effect.catchCause(() => mark("handler ran")),
                Effect.onInterrupt(() =>
                  Effect.gen(function* () {
                    yield* mark("body cancelled")
                    yield* asyncio.sleep(0)
                    yield* mark("clean-up after sleep(0)")
                  })
                )
              )
              yield* mark("continues")
            })
          )
        )
        assert.strictEqual(r.elapsed, 0.01)
        assert.deepStrictEqual(events, ["body cancelled", "clean-up after sleep(0)"])
        assert.deepStrictEqual(shapeOf(yield* groupOf(r.exit)), ["ValueError"])
      })
  )

  // Re-baselined [tick]: asyncio runs every timer due at the same instant in one loop iteration, so both 0.01
  // crashers raise before the group hears of either. Effect's TestClock wakes equal deadlines one after the other
  // and lets each settle: the first failure cancels the sibling due at the same instant.
  it.effect(
    "TG-44 members come in completion order; a sibling failing at the same instant is a member too",
    () =>
      Effect.gen(function* () {
        let k: asyncio.Task<never, KeyErr> | undefined
        let t: asyncio.Task<never, TypeErr> | undefined
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              k = yield* tg.createTask(crasher(0.02, new KeyErr()), { name: "k" })
              yield* tg.createTask(crasher(0.01, new ValueErr()), { name: "v" })
              t = yield* tg.createTask(crasher(0.01, new TypeErr()), { name: "t" })
            })
          )
        )
        // CPython 3.11: ['ValueError', 'TypeError'], k cancelled, t not (both timers fire in one iteration, and the
        // group hears of v's failure a turn later, after t has raised too)
        assert.deepStrictEqual(shapeOf(yield* groupOf(r.exit)), ["ValueError", "TypeError"])
        assert.isTrue(yield* k!.cancelled())
        assert.isFalse(yield* t!.cancelled())

        // errors raised while being cancelled: completion order, not creation order
        const cleanup = (delay: number, error: unknown) =>
          asyncio
            .sleep(10)
            .pipe(Effect.onInterrupt(() => Effect.andThen(asyncio.sleep(delay), Effect.fail(error))))
        const ordered = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(cleanup(0.03, new KeyErr()), { name: "slow" })
              yield* tg.createTask(cleanup(0.01, new ValueErr()), { name: "fast" })
              yield* tg.createTask(cleanup(0.02, new TypeErr()), { name: "middle" })
              yield* tg.createTask(crasher(0.1, new OSErr()), { name: "trigger" })
            })
          )
        )
        assert.strictEqual(ordered.elapsed, 0.13)
        const group = yield* groupOf(ordered.exit)
        assert.deepStrictEqual(shapeOf(group), ["OSError", "ValueError", "TypeError", "KeyError"])
        assert.deepStrictEqual(tasksOf(group), ["trigger", "fast", "middle", "slow"])

        // the body's error is appended last, after a child's clean-up error
        const bodyLast = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(raiseInFinally(asyncio.sleep(1), new OSErr()), { name: "child" })
              yield* asyncio.sleep(0)
              return yield* Effect.fail(new RuntimeErr())
            })
          )
        )
        const g2 = yield* groupOf(bodyLast.exit)
        assert.deepStrictEqual(shapeOf(g2), ["OSError", "RuntimeError"])
        assert.deepStrictEqual(tasksOf(g2), ["child", "<body>"])
      })
  )

  // Python: KeyboardInterrupt in the body propagates bare. Ours: a defect in the body is a grouped Defect member.
  it.effect("TG-46 a defect in the body after one tick cancels the child and is a Defect member", () =>
    Effect.gen(function* () {
      let child: asyncio.Task<void> | undefined
      const interrupt = new Error("KeyboardInterrupt")
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            child = yield* tg.createTask(asyncio.sleep(1))
            yield* asyncio.sleep(0)
            return yield* Effect.die(interrupt)
          })
        )
      )
      assert.strictEqual(r.elapsed, 0)
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["Defect"])
      assert.deepStrictEqual(tasksOf(group), ["<body>"])
      assert.strictEqual((group.exceptions[0] as asyncio.Defect).defect, interrupt)
      assert.isTrue(yield* child!.cancelled())
    })
  )

  // Python: a BaseExc member makes a BaseExceptionGroup. Ours: one ExceptionGroup class; a defect is a Defect.
  it.effect(
    "TG-47 a child's defect gives an ExceptionGroup with one Defect member; the message is Python's",
    () =>
      Effect.gen(function* () {
        const base = new Error("BaseExc")
        const r = yield* runVirtual(
          run((tg) => tg.createTask(Effect.andThen(asyncio.sleep(0.01), Effect.die(base))))
        )
        const group = yield* groupOf(r.exit)
        assert.strictEqual(group._tag, "ExceptionGroup")
        assert.deepStrictEqual(shapeOf(group), ["Defect"])
        assert.strictEqual((group.exceptions[0] as asyncio.Defect).defect, base)
        assert.isTrue(group.message.startsWith("unhandled errors in a TaskGroup"))

        const ordinary = yield* runVirtual(run((tg) => tg.createTask(crasher(0.01, new ValueErr()))))
        const g2 = yield* groupOf(ordinary.exit)
        assert.strictEqual(g2.message, "unhandled errors in a TaskGroup (1 sub-exception)")
      })
  )
})

describe("TaskGroup — lifecycle and refusals", () => {
  it.effect("the state goes running → exiting → finished; the body's value is the result", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      let kept: asyncio.TaskGroup.TaskGroup | undefined
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            kept = tg
            seen.push(tg.state)
            yield* tg.createTask(
              Effect.gen(function* () {
                yield* asyncio.sleep(0.1)
                seen.push(tg.state)
              })
            )
            return "value"
          })
        )
      )
      seen.push(kept!.state)
      assert.deepStrictEqual(seen, ["running", "exiting", "finished"])
      assert.strictEqual(yield* r.exit, "value")
      assert.strictEqual(r.elapsed, 0.1)
    })
  )

  it.effect("tasks added from outside while the group is exiting are awaited too", () =>
    Effect.gen(function* () {
      const handle = yield* Deferred.make<asyncio.TaskGroup.TaskGroup>()
      const r = yield* runVirtual(
        Effect.gen(function* () {
          const group = yield* Effect.forkChild(
            run((tg) => Effect.andThen(Deferred.succeed(handle, tg), tg.createTask(asyncio.sleep(0.1))))
          )
          const tg = yield* Deferred.await(handle)
          yield* asyncio.sleep(0.05)
          assert.strictEqual(tg.state, "exiting")
          const late = yield* tg.createTask(sleeper(0.2, "late"))
          yield* Fiber.join(group)
          return yield* late.result()
        })
      )
      assert.strictEqual(yield* r.exit, "late")
      assert.strictEqual(r.elapsed, 0.25)
    })
  )

  it.effect(
    "createTask after the group has finished is a RuntimeError defect; after an abort 'is shutting down'",
    () =>
      Effect.gen(function* () {
        let kept: asyncio.TaskGroup.TaskGroup | undefined
        const first = yield* runVirtual(
          run(
            (tg) =>
              Effect.gen(function* () {
                kept = tg
                yield* tg.cancel()
              }),
            { name: "stopped" }
          )
        )
        assert.isTrue(first.exit._tag === "Success")
        const late = yield* Effect.exit(kept!.createTask(Effect.void))
        assert.strictEqual(
          (defectOf(late) as asyncio.RuntimeError).message,
          "TaskGroup.createTask: TaskGroup stopped is finished"
        )

        const refusals: Array<string> = []
        yield* runVirtual(
          run(
            (tg) =>
              Effect.gen(function* () {
                yield* tg.createTask(asyncio.sleep(1))
                yield* asyncio.sleep(0.1)
                yield* tg.cancel()
                // The body is cancelled at its next suspension (Python: at its next await).
                yield* asyncio.sleep(1)
              }).pipe(
                Effect.onInterrupt(() =>
                  Effect.flatMap(Effect.exit(tg.createTask(Effect.void)), (exit) =>
                    Effect.sync(() => {
                      refusals.push((defectOf(exit) as asyncio.RuntimeError).message)
                    })
                  )
                )
              ),
            { name: "aborting" }
          )
        )
        assert.deepStrictEqual(refusals, ["TaskGroup.createTask: TaskGroup aborting is shutting down"])
      })
  )

  it.effect("createTask of something that is not an Effect is a TypeError defect", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.exit(tg.createTask(123 as unknown as Effect.Effect<number>)).pipe(Effect.map(defectOf))
        )
      )
      const defect = (yield* r.exit) as asyncio.TypeError
      assert.instanceOf(defect, asyncio.TypeError)
    })
  )
})

describe("TaskGroup — what is and is not a member", () => {
  it.effect("a child cancelled explicitly does not abort the group and is not a member", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const victim = yield* tg.createTask(asyncio.sleep(1), { name: "victim" })
            const other = yield* tg.createTask(sleeper(0.5, "other"))
            yield* asyncio.sleep(0.1)
            yield* victim.cancel("not needed")
            const body = yield* sleeper(0.2, "body")
            return [victim, other, body] as const
          })
        )
      )
      assert.strictEqual(r.elapsed, 0.5)
      const [victim, other, body] = (yield* r.exit)!
      assert.strictEqual((yield* cancelledErrorOf(victim)).cancelMessage, "not needed")
      assert.strictEqual(yield* other.result(), "other")
      assert.strictEqual(body, "body")
    })
  )

  it.effect("a child that ends cancelled on its own (it awaited a cancelled task) is ignored", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            const doomed = yield* asyncio.createTask(asyncio.sleep(1))
            const waiter = yield* tg.createTask(doomed)
            const other = yield* tg.createTask(sleeper(0.3, "other"))
            yield* asyncio.sleep(0.1)
            yield* doomed.cancel()
            return [waiter, other] as const
          })
        )
      )
      assert.strictEqual(r.elapsed, 0.3)
      const [waiter, other] = (yield* r.exit)!
      assert.strictEqual((yield* stateOf(waiter))._tag, "Cancelled")
      assert.strictEqual(yield* other.result(), "other")
    })
  )

  it.effect("defects of children and of the body are Defect members carrying the original value", () =>
    Effect.gen(function* () {
      const bug = new Error("bug in child")
      const bodyBug = new Error("bug in body")
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            yield* tg.createTask(
              Effect.andThen(
                asyncio.sleep(0.1),
                Effect.sync(() => {
                  throw bug
                })
              ),
              { name: "thrower" }
            )
            yield* asyncio.sleep(1).pipe(Effect.onExit(() => Effect.die(bodyBug)))
          })
        )
      )
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["Defect", "Defect"])
      assert.deepStrictEqual(tasksOf(group), ["thrower", "<body>"])
      const [a, b] = group.exceptions as ReadonlyArray<asyncio.Defect>
      assert.strictEqual(a.defect, bug)
      assert.strictEqual(a.message, "bug in child")
      assert.strictEqual(b.defect, bodyBug)
    })
  )

  it.effect("a body error with no failing child is still a one-member group", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(run(() => Effect.fail(new ValueErr())))
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["ValueError"])
      assert.deepStrictEqual(tasksOf(group), ["<body>"])
    })
  )

  it.effect(
    "a body that ends cancelled on its own cancels the children and propagates the cancellation",
    () =>
      Effect.gen(function* () {
        let child: asyncio.Task<void> | undefined
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              child = yield* tg.createTask(asyncio.sleep(1), { name: "child" })
              const doomed = yield* asyncio.createTask(asyncio.sleep(1))
              yield* Effect.andThen(asyncio.sleep(0.1), doomed.cancel("gone")).pipe(Effect.forkChild)
              yield* doomed
            })
          )
        )
        assert.strictEqual(r.elapsed, 0.1)
        assert.isTrue(isInterrupted(r.exit), "the cancellation propagates, no ExceptionGroup")
        assert.isTrue(yield* child!.cancelled())
        assert.strictEqual((yield* reasonOf(child)).message, "gone")
      })
  )
})

describe("TaskGroup — outside cancellation", () => {
  it.effect(
    "cancels the body first, then the children once it has exited, waits for all clean-up, then propagates the interruption",
    () =>
      Effect.gen(function* () {
        const { log, mark } = timeline()
        const slowCleanup = (name: string, delay: number) =>
          asyncio
            .sleep(10)
            .pipe(Effect.onInterrupt(() => Effect.andThen(asyncio.sleep(delay), mark(`${name} cleaned`))))
        const r = yield* runVirtual(
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(
              run((tg) =>
                Effect.gen(function* () {
                  yield* tg.createTask(slowCleanup("a", 0.2))
                  yield* tg.createTask(slowCleanup("b", 0.1))
                  yield* slowCleanup("body", 0.3)
                })
              ).pipe(Effect.onExit(() => mark("group returned")))
            )
            yield* asyncio.sleep(0.1)
            yield* Fiber.interrupt(fiber)
            return yield* Fiber.await(fiber)
          })
        )
        // As in Python, the children are left alone until the body has exited (0.1 + 0.3), then cancelled.
        assert.strictEqual(r.elapsed, 0.6)
        assert.isTrue(isInterrupted(yield* r.exit), "an interruption, not an ExceptionGroup")
        assert.deepStrictEqual(log, [
          "0.4 body cleaned",
          "0.5 b cleaned",
          "0.6 a cleaned",
          "0.6 group returned"
        ])
      })
  )

  it.effect(
    "a timeout around the group: bare TimeoutError; children and body cancelled with reason 'timeout'",
    () =>
      Effect.gen(function* () {
        let scope: asyncio.Timeout.Timeout | undefined
        let child: asyncio.Task<void> | undefined
        const probes: Array<asyncio.Task<void>> = []
        const r = yield* runVirtual(
          asyncio.timeout(0.1, (s) => {
            scope = s
            return run((tg) =>
              Effect.gen(function* () {
                child = yield* tg.createTask(
                  asyncio.sleep(1).pipe(Effect.onInterrupt(() => asyncio.sleep(0.05)))
                )
                yield* awaitProbe(probes, "body-probe")
              })
            )
          })
        )
        assert.strictEqual(r.elapsed, 0.15, "the scope waited for the child's clean-up")
        assert.instanceOf(failureOf(r.exit), asyncio.TimeoutError)
        for (const task of [child, probes[0]]) {
          const reason = yield* reasonOf(task)
          assert.strictEqual(reason.kind, "timeout")
          assert.include(reason.detail, scope!.name)
        }
        assert.isTrue(yield* scope!.expired())
      })
  )

  it.effect(
    "raw Effect interruption of the group's fiber is not reported to the children as a sibling failure",
    () =>
      Effect.gen(function* () {
        let child: asyncio.Task<void> | undefined
        const r = yield* runVirtual(
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(
              run(
                (tg) =>
                  Effect.gen(function* () {
                    child = yield* tg.createTask(asyncio.sleep(1))
                    yield* asyncio.sleep(10)
                  }),
                { name: "G" }
              )
            )
            yield* asyncio.sleep(0.1)
            yield* Fiber.interrupt(fiber)
            return yield* Fiber.await(fiber)
          })
        )
        assert.strictEqual(r.elapsed, 0.1)
        assert.isTrue(isInterrupted(yield* r.exit))
        const reason = yield* reasonOf(child)
        // no library reason came from outside: the children were cancelled because the fiber awaiting them was
        assert.oneOf(reason.kind, ["awaiter", "interrupt"], `got ${reason.kind}: ${reason.detail}`)
        assert.include(reason.detail, "G")
      })
  )
})

describe("TaskGroup — tg.cancel()", () => {
  it.effect("stops the group early without error; the result is undefined when the body was cut short", () =>
    Effect.gen(function* () {
      const { events, mark } = timeline()
      let child: asyncio.Task<void> | undefined
      const r = yield* runVirtual(
        run(
          (tg) =>
            Effect.gen(function* () {
              child = yield* tg.createTask(
                asyncio.sleep(10).pipe(Effect.onInterrupt(() => mark("child cancelled")))
              )
              yield* tg.createTask(
                Effect.andThen(asyncio.sleep(0.1), tg.cancel()).pipe(
                  Effect.onInterrupt(() => mark("canceller cancelled"))
                )
              )
              yield* asyncio.sleep(10).pipe(Effect.onInterrupt(() => mark("body cancelled")))
              return "unreachable"
            }),
          { name: "G" }
        )
      )
      assert.strictEqual(r.elapsed, 0.1)
      assert.isTrue(r.exit._tag === "Success")
      assert.isUndefined(yield* r.exit)
      assert.sameMembers(events, ["child cancelled", "body cancelled", "canceller cancelled"])
      const reason = yield* reasonOf(child)
      assert.strictEqual(reason.kind, "cancel")
      assert.include(reason.detail, "G")
    })
  )

  it.effect(
    "called by the body itself: the body stops at its next suspension (Python's next await) and the group exits normally",
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              yield* tg.createTask(asyncio.sleep(10))
              yield* asyncio.sleep(0.1)
              yield* tg.cancel()
              yield* tg.cancel()
              yield* mark("before the next suspension")
              yield* asyncio.sleep(0)
              yield* mark("after it")
              return 1
            })
          )
        )
        assert.strictEqual(r.elapsed, 0.1)
        assert.isUndefined(yield* r.exit)
        assert.deepStrictEqual(events, ["before the next suspension"])
      })
  )

  it.effect(
    "called by the body before it first suspends: the body is cancelled at its first suspension",
    () =>
      Effect.gen(function* () {
        const { events, mark } = timeline()
        let child: asyncio.Task<void> | undefined
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              child = yield* tg.createTask(asyncio.sleep(1))
              yield* tg.cancel()
              yield* asyncio.sleep(10)
              yield* mark("after sleep")
              return "body value"
            })
          )
        )
        assert.isTrue(yield* child!.cancelled())
        assert.deepStrictEqual(events, [])
        assert.strictEqual(r.elapsed, 0)
        assert.isUndefined(yield* r.exit)
      })
  )

  it.effect(
    "after the body has returned, cancel() keeps the body's value; it is idempotent and a no-op later",
    () =>
      Effect.gen(function* () {
        let kept: asyncio.TaskGroup.TaskGroup | undefined
        const r = yield* runVirtual(
          run((tg) =>
            Effect.gen(function* () {
              kept = tg
              yield* tg.createTask(asyncio.sleep(10))
              yield* tg.createTask(
                Effect.andThen(asyncio.sleep(0.2), Effect.andThen(tg.cancel(), tg.cancel()))
              )
              return "body value"
            })
          )
        )
        assert.strictEqual(r.elapsed, 0.2)
        assert.strictEqual(yield* r.exit, "body value")
        yield* kept!.cancel()
        assert.strictEqual(kept!.state, "finished")
      })
  )

  it.effect("errors raised by children while being cancelled still fail the group", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((tg) =>
          Effect.gen(function* () {
            yield* tg.createTask(raiseInFinally(asyncio.sleep(10), new OSErr()), { name: "dirty" })
            yield* asyncio.sleep(0.1)
            yield* tg.cancel()
          })
        )
      )
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["OSError"])
      assert.deepStrictEqual(tasksOf(group), ["dirty"])
    })
  )
})

describe("TaskGroup — nesting", () => {
  it.effect("a group inside a child: its failure is a nested member named after that child", () =>
    Effect.gen(function* () {
      let sibling: asyncio.Task<void> | undefined
      const r = yield* runVirtual(
        run((outer) =>
          Effect.gen(function* () {
            sibling = yield* outer.createTask(asyncio.sleep(10), { name: "sibling" })
            yield* outer.createTask(
              run((inner) =>
                Effect.gen(function* () {
                  yield* inner.createTask(crasher(0.1, new KeyErr()), { name: "leaf-1" })
                  yield* inner.createTask(raiseInFinally(asyncio.sleep(10), new OSErr()), { name: "leaf-2" })
                })
              ),
              { name: "worker" }
            )
          })
        )
      )
      assert.strictEqual(r.elapsed, 0.1)
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), [["KeyError", "OSError"]])
      assert.deepStrictEqual(tasksOf(group), [["worker", ["leaf-1", "leaf-2"]]])
      const reason = yield* reasonOf(sibling)
      assert.strictEqual(reason.kind, "sibling")
      assert.include(reason.detail, "worker")
    })
  )

  it.effect("three levels keep their structure", () =>
    Effect.gen(function* () {
      const r = yield* runVirtual(
        run((a) =>
          Effect.gen(function* () {
            yield* a.createTask(raiseInFinally(asyncio.sleep(10), new OSErr()), { name: "a-child" })
            yield* run((b) =>
              Effect.gen(function* () {
                yield* b.createTask(raiseInFinally(asyncio.sleep(10), new KeyErr()), { name: "b-child" })
                yield* run((c) => c.createTask(crasher(0.1, new ValueErr()), { name: "c-child" }))
              })
            )
          })
        )
      )
      const group = yield* groupOf(r.exit)
      assert.deepStrictEqual(shapeOf(group), ["OSError", ["KeyError", ["ValueError"]]])
      assert.deepStrictEqual(tasksOf(group), ["a-child", ["<body>", ["b-child", ["<body>", ["c-child"]]]]])
    })
  )
})

describe("ExceptionGroup — split, subgroup, exceptStar", () => {
  /** A group failing with [ZeroDiv (z), ValueError (v), Defect (d)]. */
  const failing = run((tg) =>
    Effect.gen(function* () {
      yield* tg.createTask(crasher(0.1, new ZeroDiv()), { name: "z" })
      yield* tg.createTask(raiseInFinally(asyncio.sleep(10), new ValueErr()), { name: "v" })
      yield* tg.createTask(asyncio.sleep(10).pipe(Effect.onExit(() => Effect.die(new Error("d")))), {
        name: "d"
      })
      return "done" as const
    })
  )

  it.effect("split and subgroup by tag narrow the member types and keep the task names", () =>
    Effect.gen(function* () {
      const exit = (yield* runVirtual(failing)).exit
      const group: asyncio.ExceptionGroup<ZeroDiv | ValueErr | asyncio.Defect> = failureOf(exit)!
      assert.deepStrictEqual(shapeOf(group), ["ZeroDivisionError", "ValueError", "Defect"])

      const [zero, rest]: [
        asyncio.ExceptionGroup<ZeroDiv> | undefined,
        asyncio.ExceptionGroup<ValueErr | asyncio.Defect> | undefined
      ] = group.split("ZeroDivisionError")
      assert.deepStrictEqual(tasksOf(zero!), ["z"])
      assert.deepStrictEqual(tasksOf(rest!), ["v", "d"])
      assert.strictEqual(zero!.message, group.message)

      const values: asyncio.ExceptionGroup<ValueErr> | undefined = group.subgroup("ValueError")
      assert.deepStrictEqual(shapeOf(values!), ["ValueError"])
      assert.isUndefined(
        rest!.subgroup((e) => e instanceof KeyErr),
        "no match: undefined"
      )
      assert.isUndefined(values!.split("ValueError")[1], "nothing left: undefined")

      const isDefect = (e: unknown): e is asyncio.Defect => e instanceof asyncio.Defect
      const [defects, ordinary]: [
        asyncio.ExceptionGroup<asyncio.Defect> | undefined,
        asyncio.ExceptionGroup<ZeroDiv | ValueErr> | undefined
      ] = group.split(isDefect)
      assert.deepStrictEqual(tasksOf(defects!), ["d"])
      assert.deepStrictEqual(shapeOf(ordinary!), ["ZeroDivisionError", "ValueError"])

      const byPredicate = group.split((e) => e._tag !== "Defect")
      assert.deepStrictEqual(tasksOf(byPredicate[0]!), ["z", "v"])

      // @ts-expect-error "KeyError" is not the tag of any member
      group.subgroup("KeyError")
    })
  )

  it.effect("exceptStar handles the matching members, re-raises the rest, and narrows the error type", () =>
    Effect.gen(function* () {
      const handled: Array<string> = []
      const onlyZero: Effect.Effect<
        "done" | undefined | "handled",
        asyncio.ExceptionGroup<ValueErr | asyncio.Defect>
      > = failing.pipe(
        asyncio.exceptStar("ZeroDivisionError", (g) => {
          const narrowed: asyncio.ExceptionGroup<ZeroDiv> = g
          handled.push(...narrowed.members.map((m) => m.task))
          return Effect.succeed("handled" as const)
        })
      )
      const r1 = yield* runVirtual(onlyZero)
      assert.deepStrictEqual(handled, ["z"])
      assert.deepStrictEqual(tasksOf(yield* groupOf(r1.exit)), ["v", "d"])

      // every member type handled: nothing can be re-raised (the type still says ExceptionGroup<never>, see report)
      const all: Effect.Effect<"done" | undefined | "handled", asyncio.ExceptionGroup<never>> = onlyZero.pipe(
        asyncio.exceptStar("ValueError", () => Effect.succeed(undefined)),
        asyncio.exceptStar("Defect", () => Effect.succeed("handled" as const))
      )
      const r2 = yield* runVirtual(all)
      assert.strictEqual(yield* r2.exit, "handled")

      // other errors pass through untouched; a group without a match is re-raised as it is
      const plain: Effect.Effect<void, KeyErr | asyncio.ExceptionGroup<ValueErr>> = Effect.fail(new KeyErr())
      const passed = yield* Effect.exit(plain.pipe(asyncio.exceptStar("ValueError", () => Effect.void)))
      assert.instanceOf(failureOf(passed), KeyErr)
      const unmatched = new asyncio.ExceptionGroup([{ error: new ValueErr(), task: "x" }])
      const kept = yield* Effect.exit(
        (Effect.fail(unmatched) as Effect.Effect<void, asyncio.ExceptionGroup<ValueErr | ZeroDiv>>).pipe(
          asyncio.exceptStar("ZeroDivisionError", () => Effect.void)
        )
      )
      assert.strictEqual(failureOf(kept), unmatched)
    })
  )

  it.effect("split and exceptStar look inside nested groups and keep their structure", () =>
    Effect.gen(function* () {
      const nested = run((outer) =>
        Effect.gen(function* () {
          yield* outer.createTask(raiseInFinally(asyncio.sleep(10), new ValueErr()), { name: "top" })
          yield* outer.createTask(
            run((inner) =>
              Effect.gen(function* () {
                yield* inner.createTask(crasher(0.1, new ValueErr()), { name: "deep-value" })
                yield* inner.createTask(raiseInFinally(asyncio.sleep(10), new KeyErr()), { name: "deep-key" })
              })
            ),
            { name: "worker" }
          )
          return "done" as const
        })
      )
      const group = yield* groupOf((yield* runVirtual(nested)).exit)
      assert.deepStrictEqual(shapeOf(group), [["ValueError", "KeyError"], "ValueError"])

      const isValue = (e: unknown): e is ValueErr => e instanceof ValueErr
      const [values, rest] = group.split(isValue)
      assert.deepStrictEqual(shapeOf(values!), [["ValueError"], "ValueError"])
      assert.deepStrictEqual(tasksOf(values!), [["worker", ["deep-value"]], "top"])
      assert.deepStrictEqual(tasksOf(rest!), [["worker", ["deep-key"]]])
      assert.deepStrictEqual(shapeOf(group.subgroup((e) => e instanceof KeyErr)!), [["KeyError"]])

      // exceptStar by a tag that occurs only inside the nested group (the cast widens the member type so that
      // the tag type-checks: see the report on nested tags)
      const seen: Array<ReturnType<typeof tasksOf>> = []
      const widened = nested as Effect.Effect<
        "done" | undefined,
        asyncio.ExceptionGroup<ValueErr | KeyErr | asyncio.ExceptionGroup<ValueErr | KeyErr | asyncio.Defect>>
      >
      const r = yield* runVirtual(
        widened.pipe(
          asyncio.exceptStar("KeyError", (g) =>
            Effect.sync(() => {
              seen.push(tasksOf(g))
            })
          )
        )
      )
      assert.deepStrictEqual(seen, [[["worker", ["deep-key"]]]])
      assert.deepStrictEqual(shapeOf(yield* groupOf(r.exit)), [["ValueError"], "ValueError"])
    })
  )
})

describe("TaskGroup — the reason a cancelled child carries (issue 16)", () => {
  // A group cancels its children with plain interrupts; each child's reason is put on its exit when the exit is
  // first read. Every reader sees it: an awaiter, result(), exception(), gather, an Effect.fn in between (Effect copies
  // an interrupt when it adds a stack frame to it), and the child's own clean-up while it is being cancelled.
  it.effect("a child cancelled by a failing sibling carries kind 'sibling' to every reader", () =>
    Effect.gen(function* () {
      const seenInside: Array<string | undefined> = []
      const r = yield* runVirtual(
        Effect.gen(function* () {
          let victim: asyncio.Task<void> | undefined
          const failed = yield* Effect.exit(
            run((tg) =>
              Effect.gen(function* () {
                victim = yield* tg.createTask(
                  Effect.onExit(asyncio.sleep(10), (exit) =>
                    Effect.sync(() => seenInside.push(Testing.cancelReasonOf(exit)?.kind))
                  ),
                  { name: "victim" }
                )
                yield* tg.createTask(Effect.andThen(asyncio.sleep(1), Effect.fail("boom")), {
                  name: "crasher"
                })
              })
            )
          )
          const child = victim!
          const traced = Effect.fn("awaitTraced")(function* (task: asyncio.Task<void>) {
            return yield* task
          })
          return {
            failed: failed._tag,
            awaited: Testing.cancelReasonOf(yield* Effect.exit(child)),
            traced: Testing.cancelReasonOf(yield* Effect.exit(traced(child))),
            result: (yield* Effect.flip(child.result())) as asyncio.CancelledError,
            exception: (yield* Effect.flip(child.exception())) as asyncio.CancelledError,
            gathered: Testing.cancelReasonOf(yield* Effect.exit(asyncio.gather(child)))
          }
        })
      )
      assert(r.exit._tag === "Success", String(r.exit))
      const v = r.exit.value
      assert.strictEqual(v.failed, "Failure")
      for (const reason of [v.awaited, v.traced, v.result.reason, v.exception.reason, v.gathered]) {
        assert.strictEqual(reason?.kind, "sibling")
        assert.match(reason?.detail ?? "", /^crasher failed in TaskGroup-\d+$/)
      }
      assert.deepStrictEqual(seenInside, ["sibling"])
    })
  )
})
