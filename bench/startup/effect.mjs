// Raw Effect, deep import: the floor a program using Effect pays.
import * as Effect from "effect/Effect"

Effect.runPromise(Effect.yieldNow)
