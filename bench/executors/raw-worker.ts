// The hand-written baseline's worker: answers { id, n } with burn(n).
import { parentPort } from "node:worker_threads"
import { burn } from "./work.ts"

parentPort?.on("message", (message: { readonly id: number; readonly n: number }) => {
  parentPort?.postMessage({ id: message.id, value: burn(message.n) })
})
