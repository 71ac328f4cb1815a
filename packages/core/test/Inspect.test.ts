/**
 * The task registry and its listings (issue 5 §1): `ps` and `pstree` of a known tree of tasks on virtual time —
 * states, what each task awaits, owners, creators, ages, cancel reasons and creation sites — and the fallback
 * listing when the registry is off.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Inspect from "@effect-asyncio/core/Inspect"
import * as Effect from "effect/Effect"
import { runVirtual } from "./utils/virtual.ts"

type Info = Inspect.TaskInfo

/** Task ids are a process-wide counter: number the tasks 1, 2, … in creation order, everywhere they appear. */
const renumber = (infos: ReadonlyArray<Info>): Array<Info> => {
  const ids = new Map(infos.map((info, i) => [info.id, i + 1]))
  const fix = (s: string | undefined) =>
    s?.replace(/#(\d+)/g, (_, d: string) => `#${ids.get(Number(d)) ?? "?"}`)
  return infos.map((info) => ({
    ...info,
    id: ids.get(info.id)!,
    awaiting: fix(info.awaiting),
    creator: info.creator === undefined ? undefined : { ...info.creator, id: ids.get(info.creator.id) ?? 0 }
  }))
}

/**
 * main creates: `sleeper` (sleeps 10 s), `waiter` (awaits sleeper), `grouped` (runs TaskGroup `workers` with two
 * children: one sleeping, one blocked on a queue), and `victim` (cancelled at t=1, cleaning up for 1 s). At t=1
 * main takes the listings.
 */
const knownTree = Effect.gen(function* () {
  const queue = yield* asyncio.Queue.make<number>()
  const sleeper = yield* asyncio.createTask(asyncio.sleep(10), { name: "sleeper" })
  yield* asyncio.createTask(Effect.asVoid(sleeper), { name: "waiter" })
  yield* asyncio.createTask(
    asyncio.TaskGroup.run(
      (tg) =>
        Effect.gen(function* () {
          yield* tg.createTask(asyncio.sleep(5), { name: "child-1" })
          yield* tg.createTask(queue.get(), { name: "child-2" })
        }),
      { name: "workers" }
    ),
    { name: "grouped" }
  )
  const victim = yield* asyncio.createTask(Effect.ensuring(asyncio.sleep(10), asyncio.sleep(1)), {
    name: "victim"
  })
  yield* asyncio.sleep(1)
  yield* victim.cancel("enough")
  return yield* Inspect.tasks
})

const listed = Effect.gen(function* () {
  const { exit } = yield* runVirtual(
    Inspect.track(asyncio.Loop.scoped(knownTree, { mainName: "main", name: "loop-test" })),
    30
  )
  assert.strictEqual(exit._tag, "Success")
  return exit._tag === "Success" ? exit.value : []
})

describe("Inspect — ps and pstree", () => {
  it.effect("ps lists every live task: state, age, what it awaits, owner, creator, cancel reason", () =>
    Effect.gen(function* () {
      const infos = renumber(yield* listed)
      assert.strictEqual(
        Inspect.formatPs(infos, { sites: false }),
        [
          "id  name     state       age    awaiting           owner      creator  cancel reason",
          "--  -------  ----------  -----  -----------------  ---------  -------  ---------------------------------------------",
          "1   main     running     1.00s  -                  loop-test  -        -",
          "2   sleeper  waiting     1.00s  sleep(10)          loop-test  main     -",
          "3   waiter   waiting     1.00s  task sleeper #2    loop-test  main     -",
          "4   grouped  waiting     1.00s  workers (2 tasks)  loop-test  main     -",
          "5   victim   cancelling  1.00s  sleep(1)           loop-test  main     cancel 'enough': victim was cancelled by main",
          "6   child-1  waiting     1.00s  sleep(5)           workers    grouped  -",
          "7   child-2  waiting     1.00s  Queue.get()        workers    grouped  -",
          ""
        ].join("\n")
      )
    })
  )

  it.effect("pstree: loop → tasks under their creator; a TaskGroup's children under the group", () =>
    Effect.gen(function* () {
      const infos = renumber(yield* listed)
      assert.strictEqual(
        Inspect.formatTree(infos, { sites: false }),
        [
          "loop-test",
          "└── (T) main #1 · running · age 1.00s",
          "    ├── (T) sleeper #2 · waiting · awaiting sleep(10) · age 1.00s",
          "    ├── (T) waiter #3 · waiting · awaiting task sleeper #2 · age 1.00s",
          "    ├── (T) grouped #4 · waiting · awaiting workers (2 tasks) · age 1.00s",
          "    │   └── workers",
          "    │       ├── (T) child-1 #6 · waiting · awaiting sleep(5) · age 1.00s",
          "    │       └── (T) child-2 #7 · waiting · awaiting Queue.get() · age 1.00s",
          "    └── (T) victim #5 · cancelling · awaiting sleep(1) · age 1.00s · cancel reason: cancel 'enough': victim was cancelled by main",
          ""
        ].join("\n")
      )
    })
  )

  it.effect("each task knows where it was created (the call of createTask / tg.createTask)", () =>
    Effect.gen(function* () {
      const infos = yield* listed
      for (const name of ["sleeper", "waiter", "grouped", "victim", "child-1", "child-2"]) {
        const info = infos.find((i) => i.name === name)!
        assert.match(info.site ?? "", /Inspect\.test\.ts:\d+:\d+$/, name)
      }
      assert.include(Inspect.formatPs(infos), "created at")
      assert.match(
        Inspect.repr(infos.find((i) => i.name === "victim")!),
        /^<Task cancelling name='victim' id=\d+ /
      )
    })
  )

  it.effect("a task not started yet is pending; a finished task is no longer listed", () =>
    Effect.gen(function* () {
      const { exit } = yield* runVirtual(
        Inspect.track(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              const quick = yield* asyncio.createTask(Effect.succeed(1), { name: "quick" })
              const before = yield* Inspect.tasks
              yield* quick
              const after = yield* Inspect.tasks
              return [before, after] as const
            }),
            { mainName: "main" }
          )
        )
      )
      assert.strictEqual(exit._tag, "Success")
      if (exit._tag !== "Success") return
      const [before, after] = exit.value
      assert.deepStrictEqual(
        before.map((i) => [i.name, i.state]),
        [
          ["main", "running"],
          ["quick", "pending"]
        ]
      )
      assert.deepStrictEqual(
        after.map((i) => i.name),
        ["main"]
      )
    })
  )

  it.effect(
    "with the registry off, ps lists the loop's tasks with what they know and says how to turn it on",
    () =>
      Effect.gen(function* () {
        assert.isFalse(Inspect.isTracking())
        const { exit } = yield* runVirtual(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              const t = yield* asyncio.createTask(asyncio.sleep(10), { name: "bg" })
              yield* asyncio.sleep(0.5)
              yield* t.cancel("stop")
              return [yield* Inspect.ps(), yield* Inspect.pstree()] as const
            }),
            { mainName: "main", name: "loop-off" }
          )
        )
        assert.strictEqual(exit._tag, "Success")
        if (exit._tag !== "Success") return
        const [ps, tree] = exit.value
        assert.match(ps, /^\d+\s+main\s+unknown\s+-\s+-\s+loop-off/m)
        assert.include(ps, "task inspection is off")
        assert.include(tree, "loop-off\n")
      })
  )

  it.effect("the registry is reference-counted and off again afterwards", () =>
    Effect.gen(function* () {
      assert.isFalse(Inspect.isTracking())
      const inner = yield* Inspect.track(Inspect.track(Effect.sync(Inspect.isTracking)))
      assert.isTrue(inner)
      assert.isFalse(Inspect.isTracking())
    })
  )
})
