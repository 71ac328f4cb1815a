/**
 * Values in words, as effect-asyncio's own reports write them, for packages built on it: `@effect-asyncio/node`'s
 * `run` writes its report with these, so a report reads the same whichever package wrote it. Every function is
 * total — a value whose conversion to a string throws is still described — so a report never fails because of
 * what it reports.
 *
 * Not exported from the `@effect-asyncio/core` barrel: import it as `@effect-asyncio/core/Format`. (Argument
 * checks and the rendering of a bad argument, `show`, are in `@effect-asyncio/core/Validate`.)
 *
 * **Example** (A report line with its traceback under it)
 * ```ts
 * import * as Format from "@effect-asyncio/core/Format"
 * import * as Cause from "effect/Cause"
 *
 * const report = (task: string, error: unknown): string =>
 *   `${task} raised ${Format.describeError(error)}\n${Format.indent(Format.prettyCause(Cause.fail(error)))}`
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * `Name: message` for an error value: the `_tag` of a tagged error (the library's Python names: `ValueError:
   * bad`), else the `name` of an `Error`, followed by its message; a `Defect` is described by what it wraps. Any
   * other value is rendered by `other` (default `String`, guarded: `[object Object]` when that throws).
   *
   * @category formatting
   * @since 0.1.0
   */
  describeError,
  /**
   * Every non-empty line of a text prefixed with `prefix` (default two spaces): a traceback under its headline.
   *
   * @category formatting
   * @since 0.1.0
   */
  indent,
  /**
   * `Cause.pretty(cause)` — every error with its stack — or, when rendering throws, each error described.
   *
   * @category formatting
   * @since 0.1.0
   */
  prettyCause
} from "./internal/format.ts"
