import { runAll } from "./harness.ts"
import { type Program, showLine } from "./program.ts"

const base = { queues: [], locks: 0, events: 0, conds: 0, sems: [], barriers: [], counters: 0 } as const
const fail = { op: "spawn", name: "t", body: [{ op: "raise", msg: "x" }] } as const
const progs: Program[] = [
  { ...base, main: [fail, { op: "sleep", d: 0 }, { op: "cancel", ref: "t", msg: null }] },
  {
    ...base,
    main: [
      fail,
      { op: "sleep", d: 0 },
      { op: "try", body: [{ op: "waitFor", item: { kind: "ref", ref: "t" }, timeout: 0 }], handler: [] }
    ]
  },
  {
    ...base,
    main: [
      {
        op: "try",
        body: [{ op: "shield", item: { kind: "task", name: "t", body: [{ op: "raise", msg: "x" }] } }],
        handler: []
      }
    ]
  }
]
for (const o of await runAll(
  progs.map((program) => ({ program })),
  { retrieval: true }
)) {
  console.log("--PY")
  o.python.forEach((l) => console.log(showLine(l)))
  console.log("--TS")
  o.ts.forEach((l) => console.log(showLine(l)))
  console.log(o.divergence?.index, o.difference?.id)
}
