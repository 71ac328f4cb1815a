// Raw Effect through its barrel (`import { Effect } from "effect"`), as many programs write it.
import { Effect } from "effect"

Effect.runPromise(Effect.yieldNow)
