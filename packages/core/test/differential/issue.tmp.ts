import { runAll } from "./harness.ts"
import { type Program, showLine } from "./program.ts"

const base = {
  queues: [{ kind: "Queue", maxsize: 0 }],
  locks: 0,
  events: 0,
  conds: 0,
  sems: [],
  barriers: [],
  counters: 0
} as const
const worker = (name: string) =>
  ({
    op: "spawn",
    name,
    body: [{ op: "loop", times: 3, body: [{ op: "get", q: 0, nowait: false }] }]
  }) as const
const p: Program = {
  ...base,
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
const [o] = await runAll([{ program: p }])
console.log("--PY")
o.python.forEach((l) => console.log(showLine(l)))
console.log("--TS")
o.ts.forEach((l) => console.log(showLine(l)))
console.log(o.divergence, o.difference?.id)
