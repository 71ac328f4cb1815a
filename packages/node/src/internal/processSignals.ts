/**
 * Process signals for `run` and `Runner`: the listeners of their own handling (SIGINT/SIGTERM cancel the main task),
 * the source `loop.addSignalHandler` subscribes to (any signal Node can catch), and the bookkeeping by which a
 * handler the program installed replaces the runtime's own handling of that signal while it is installed.
 */

import { constants } from "node:os"
import { RuntimeError, ValueError } from "@effect-asyncio/core/Errors"
import type * as Loop from "@effect-asyncio/core/Loop"
import type { Signal } from "../Errors.ts"

/**
 * Where a runtime's own signals come from: subscribing registers `listener` for each of `signals` and returns the
 * function that unregisters it. On Node it is `process.on`; in tests, a hand-driven emitter.
 */
export type SignalSource = (listener: (signal: Signal) => void, signals: ReadonlyArray<Signal>) => () => void

/** The signals `run` and `Runner` handle themselves unless told otherwise. */
export const defaultSignals: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM"]

/** Signals from `process`; the listeners replace Node's default action (terminating) while subscribed. */
export const processSignals: SignalSource = (listener, signals) => {
  const listeners = signals.map((signal) => {
    const onSignal = (): void => listener(signal)
    process.on(signal, onSignal)
    return [signal, onSignal] as const
  })
  return () => {
    for (const [signal, onSignal] of listeners) process.off(signal, onSignal)
  }
}

/** What `loop.addSignalHandler` subscribes to: any signal Node can catch. */
export const userSignals: Loop.SignalSource = (signal, listener) => {
  if (!Object.hasOwn(constants.signals, signal)) {
    throw new ValueError(`invalid signal ${JSON.stringify(signal)} (not one of this platform's signals)`)
  }
  if (signal === "SIGKILL" || signal === "SIGSTOP") {
    throw new RuntimeError(`${signal} cannot be caught (Python: "sig ${signal} cannot be caught")`)
  }
  process.on(signal, listener)
  return () => {
    process.off(signal, listener)
  }
}

/**
 * The signal source to give a loop scope, built on `source`, and the signals for which the program has a handler
 * installed: the runtime's own listener ignores those.
 */
export const overridingPort = (
  source: Loop.SignalSource
): { readonly port: Loop.SignalSource; readonly overridden: ReadonlyMap<string, number> } => {
  const overridden = new Map<string, number>()
  const port: Loop.SignalSource = (signal, listener) => {
    const unsubscribe = source(signal, listener)
    overridden.set(signal, (overridden.get(signal) ?? 0) + 1)
    let subscribed = true
    return () => {
      if (!subscribed) return
      subscribed = false
      unsubscribe()
      const count = (overridden.get(signal) ?? 1) - 1
      if (count === 0) overridden.delete(signal)
      else overridden.set(signal, count)
    }
  }
  return { port, overridden }
}
