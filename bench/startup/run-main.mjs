// @effect/platform-node's NodeRuntime.runMain: Effect's own entry point for Node programs.
import { runMain } from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"

runMain(Effect.yieldNow)
