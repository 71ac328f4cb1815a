/**
 * Hook sites that need to know the current task: reporting that it waits on something ({@link observeWait}), and
 * capturing the call site of `createTask` ({@link captureSite}). Both cost nothing while no observer is installed.
 */
import * as Effect from "effect/Effect"
import * as hooks from "./hooks.ts"
import { CurrentTask } from "./owner.ts"

/**
 * `effect`, reported as "the current task waits on `target`" (nothing is reported outside a task): the one place
 * that reports waiting and resuming. Wrap only the slow path of a primitive — the part that really suspends — so
 * that fast paths stay silent. With no observer installed when it is called, `effect` itself.
 */
export const observeWait = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  target: hooks.WaitTarget
): Effect.Effect<A, E, R> =>
  !hooks.active()
    ? effect
    : Effect.withFiber((fiber) => {
        const task = fiber.getRef(CurrentTask)
        if (task === undefined) return effect
        hooks.emitWaiting(task, target)
        return Effect.ensuring(
          effect,
          Effect.sync(() => hooks.emitResumed(task))
        )
      })

/**
 * The directory of this library's modules (`…/src/` or `…/dist/`), whose frames a creation site skips. Unknown in a
 * CommonJS bundle, where `import.meta.url` is empty: every module is then one file, and the other rules apply.
 */
const libraryDir: string | undefined =
  typeof import.meta.url === "string"
    ? new URL("..", import.meta.url).href.replace(/^file:\/\//, "")
    : undefined

const isLibraryFrame = (line: string): boolean =>
  (libraryDir !== undefined && line.includes(libraryDir)) ||
  line.includes("/node_modules/effect/") ||
  line.includes("(node:") ||
  line.includes("at node:") ||
  line.includes("<anonymous>")

const cwdPrefix = (): string | undefined => {
  const cwd = typeof process === "undefined" ? undefined : process.cwd?.()
  return cwd === undefined ? undefined : cwd.endsWith("/") ? cwd : `${cwd}/`
}

/** Frames captured for a creation site: `createTask` (or `tg.createTask`) and the few frames above it. */
const SITE_FRAMES = 3

/** The first frame of `stack` outside this library and Effect, as `path:line:column`, or `undefined`. */
const firstUserFrame = (stack: string | undefined): string | undefined => {
  if (stack === undefined) return undefined
  const lines = stack.split("\n").slice(1)
  for (const line of lines) {
    if (isLibraryFrame(line)) continue
    const match = /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/.exec(line.trim())
    if (match === null) continue
    let location = match[1].replace(/^file:\/\//, "")
    const cwd = cwdPrefix()
    if (cwd !== undefined && location.startsWith(cwd)) location = location.slice(cwd.length)
    return location
  }
  return undefined
}

/**
 * A captured call site. Capturing the stack is cheap next to formatting it, so the frames are kept as V8 captured
 * them and turned into text on first use — most tasks finish without anybody asking where they were created.
 */
class CapturedSite implements hooks.Site {
  private holder: { stack?: string } | undefined
  private text: string | undefined = undefined

  constructor(holder: { stack?: string }) {
    this.holder = holder
  }

  get location(): string | undefined {
    const holder = this.holder
    if (holder !== undefined) {
      this.holder = undefined
      this.text = firstUserFrame(holder.stack)
    }
    return this.text
  }
}

/**
 * The call site of the library function that calls this (`createTask`, `tg.createTask`) — or of `entry`, the public
 * function the user called, when it reaches here through others: the first stack frame outside this library and
 * Effect, formatted lazily (see {@link CapturedSite}). `undefined` unless an observer
 * asks for sites. Costs a stack capture of a few frames.
 */
export const captureSite = (entry?: (...args: never) => unknown): hooks.Site | undefined => {
  if (!hooks.wantsSites()) return undefined
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = SITE_FRAMES
  const holder: { stack?: string } = {}
  // Frames from `entry` inwards are left out: the first captured frame is whoever called the public function.
  Error.captureStackTrace(holder, entry ?? captureSite)
  Error.stackTraceLimit = limit
  return new CapturedSite(holder)
}
