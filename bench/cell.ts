/**
 * Child-process entry: measures one JS cell (in a worker thread of this fresh process) and prints its row as
 * JSON. Started by `lib/cells.ts` with `--expose-gc` and one argument, `{"request": …, "limits": …}`.
 */
import { runWorkerCell, type WorkerLimits } from "./lib/cells.ts"
import type { WorkerRequest } from "./lib/types.ts"

const { request, limits } = JSON.parse(process.argv[2] ?? "{}") as {
  readonly request: WorkerRequest
  readonly limits: WorkerLimits
}
const row = await runWorkerCell(request, limits)
process.stdout.write(JSON.stringify(row) + "\n")
