/**
 * Issue 12's known differences, written as programs of the harness's language, with the class each must be
 * classified as. `differential.subprocess.test.ts` runs them; docs/differential.md shows them.
 */
import type { Block, Program } from "./program.ts"

const none = { queues: [], locks: 0, events: 0, conds: 0, sems: [], barriers: [], counters: 0 } as const

const job = (name: string): Block => [{ op: "print", text: `${name} starts` }]

export interface IssueExample {
  /** The item of issue 12's list ("§1" … "§5"). */
  readonly item: string
  readonly title: string
  /** The class the difference was classified as. */
  readonly expected: string
  /** Once fixed: what the program shows now (it prints CPython's transcript), and what fixed it. */
  readonly fixed?: string | undefined
  readonly retrieval: boolean
  readonly program: Program
}

const worker = (name: string) =>
  ({
    op: "spawn",
    name,
    body: [{ op: "loop", times: 3, body: [{ op: "get", q: 0, nowait: false }] }]
  }) as const

const failing = { op: "spawn", name: "t", body: [{ op: "raise", msg: "x" }] } as const

export const issueExamples: ReadonlyArray<IssueExample> = [
  {
    item: "§1",
    title: "a task created inside a timeout body starts after a task created later",
    expected: "dispatcher-order",
    fixed:
      "tasks created inside a timeout body start in creation order (the body runs on the caller's dispatcher: " +
      "the cancel scope, issue 11)",
    retrieval: false,
    program: {
      ...none,
      main: [
        { op: "timeout", delay: 2, at: false, body: [{ op: "spawn", name: "a", body: job("A") }] },
        { op: "spawn", name: "b", body: job("B") },
        {
          op: "gather",
          items: [
            { kind: "ref", ref: "a" },
            { kind: "ref", ref: "b" }
          ],
          returnExceptions: false
        }
      ]
    }
  },
  {
    item: "§1",
    title: "the same with tg.createTask inside a timeout body",
    expected: "dispatcher-order",
    fixed: "the same with tg.createTask inside a timeout body (the cancel scope, issue 11)",
    retrieval: false,
    program: {
      ...none,
      main: [
        {
          op: "taskGroup",
          body: [
            { op: "timeout", delay: 2, at: false, body: [{ op: "tgSpawn", name: "a", body: job("A") }] },
            { op: "tgSpawn", name: "b", body: job("B") }
          ]
        }
      ]
    }
  },
  {
    item: "§2",
    title:
      "queue hand-off: three workers blocked in get(); main puts 1, 2, 3 and gets three items without waiting",
    expected: "woken-waiter-keeps-grant",
    fixed:
      "a woken getter re-checks when it runs and waits again if main took the item first, as asyncio's does " +
      "(one parking lot; Queue.test.ts: asyncio's hand-off order)",
    retrieval: false,
    program: {
      ...none,
      queues: [{ kind: "Queue", maxsize: 0 }],
      main: [
        worker("w1"),
        worker("w2"),
        worker("w3"),
        { op: "sleep", d: 0 },
        { op: "put", q: 0, item: 1, nowait: false },
        { op: "put", q: 0, item: 2, nowait: false },
        { op: "put", q: 0, item: 3, nowait: false },
        { op: "get", q: 0, nowait: false },
        { op: "get", q: 0, nowait: false },
        { op: "get", q: 0, nowait: false }
      ]
    }
  },
  {
    item: "§3",
    title:
      "a waitFor deadline and a worker's sleep due at the same instant: CPython's worker prints \"Finished work!\" " +
      "before main gets its TimeoutError, ours never prints it",
    expected: "clock-settles-each-timer",
    fixed:
      "the deadline is armed when the scope is entered (the cancel scope, issue 11), and the virtual clock wakes " +
      "the deadline and the worker's sleep together (Testing.virtualClock): the worker prints before main ends",
    retrieval: false,
    program: {
      ...none,
      main: [
        {
          op: "spawn",
          name: "worker",
          body: [
            { op: "sleep", d: 1 },
            { op: "print", text: "Finished work!" }
          ]
        },
        { op: "waitFor", item: { kind: "coro", name: "slow", body: [{ op: "sleep", d: 2 }] }, timeout: 1 }
      ]
    }
  },
  {
    item: "§3",
    title:
      "TestClock.adjust wakes same-instant sleepers one at a time: the first failure cancels its sibling",
    expected: "clock-settles-each-timer",
    fixed:
      "the virtual clock wakes both sleepers together (Testing.virtualClock) and the group hears of the first " +
      "failure a turn later (done callbacks through call_soon): the sibling raises too, as in CPython",
    retrieval: false,
    program: {
      ...none,
      main: [
        {
          op: "taskGroup",
          body: [
            {
              op: "tgSpawn",
              name: "a",
              body: [
                { op: "sleep", d: 1 },
                { op: "raise", msg: "a failed" }
              ]
            },
            {
              op: "tgSpawn",
              name: "b",
              body: [
                { op: "sleep", d: 1 },
                { op: "print", text: "b done" }
              ]
            }
          ]
        }
      ]
    }
  },
  {
    item: "§4",
    title: "main creates a task and returns at once: CPython's task takes its first step before the shutdown",
    expected: "ready-at-main-end",
    fixed:
      "main creates a task and returns at once: the task takes its first step before the shutdown cancels it (the " +
      "loop scope's shutdown waits one scheduler turn, asyncio.run's last iteration)",
    retrieval: false,
    program: {
      ...none,
      main: [
        {
          op: "spawn",
          name: "t",
          body: [
            { op: "finally", body: [{ op: "sleep", d: 1 }], cleanup: [{ op: "print", text: "clean-up" }] }
          ]
        }
      ]
    }
  },
  {
    item: "§5",
    title: "cancel() on a task that already failed counts as retrieving its exception",
    expected: "false-never-retrieved",
    fixed: "cancel() of a task that already failed retrieves its exception (one markRetrieved: issue 11)",
    retrieval: true,
    program: { ...none, main: [failing, { op: "sleep", d: 0 }, { op: "cancel", ref: "t", msg: null }] }
  },
  {
    item: "§5",
    title: "waitFor(alreadyFailedTask, 0) hands the error back",
    expected: "false-never-retrieved",
    fixed: "waitFor(alreadyFailedTask, 0) hands the error back and retrieves it (one consume: issue 11)",
    retrieval: true,
    program: {
      ...none,
      main: [
        failing,
        { op: "sleep", d: 0 },
        { op: "try", body: [{ op: "waitFor", item: { kind: "ref", ref: "t" }, timeout: 0 }], handler: [] }
      ]
    }
  },
  {
    item: "§5",
    title: "an error handed back through shield and caught",
    expected: "false-never-retrieved",
    fixed: "an error handed back through shield is retrieved (one consume: issue 11)",
    retrieval: true,
    program: {
      ...none,
      main: [
        {
          op: "try",
          body: [{ op: "shield", item: { kind: "task", name: "t", body: [{ op: "raise", msg: "x" }] } }],
          handler: []
        }
      ]
    }
  }
]
