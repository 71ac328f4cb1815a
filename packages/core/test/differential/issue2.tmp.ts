import { runAll } from "./harness.ts"
import { issueExamples } from "./issue.ts"
import { showLine } from "./program.ts"

for (const e of issueExamples) {
  const [o] = await runAll([{ program: e.program }], { retrieval: e.retrieval })
  console.log(
    `== ${e.item} ${e.title}: expected ${e.expected}, got ${o.difference?.id} (div ${o.divergence?.index})`
  )
  if (o.difference?.id !== e.expected) {
    o.python.forEach((l) => console.log("PY " + showLine(l)))
    o.ts.forEach((l) => console.log("TS " + showLine(l)))
  }
}
