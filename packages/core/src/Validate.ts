/**
 * The argument checks effect-asyncio applies to its own API, for packages built on it (`@effect-asyncio/node`
 * uses them for `run`, `toThread` and `ThreadPool`).
 *
 * Each check names the call and shows the value, and throws the library's `TypeError` (a value of the wrong kind)
 * or `ValueError` (the right kind, a bad value) — Python's split. Run them at the call with {@link atCall}, which
 * turns a throw into an effect that dies with the error: misuse is a defect, raised where the mistake was made.
 * `docs/misuse.md` lists what each kind of misuse produces.
 *
 * **Example** (Checking the options of an entry point)
 * ```ts
 * import * as Validate from "@effect-asyncio/core/Validate"
 * import { Effect } from "effect"
 *
 * const poll = (options?: { readonly every?: number; readonly quiet?: boolean }) =>
 *   Validate.atCall(() => {
 *     const checked = Validate.options("poll", options, ["every", "quiet"])
 *     const every = Validate.seconds("poll", checked.every ?? 1, "every")
 *     const quiet = Validate.boolean("poll", checked.quiet, "quiet", false)
 *     return Effect.succeed({ every, quiet })
 *   })
 * // poll({ evry: 2 }) dies with TypeError: poll: unknown option "evry" (did you mean "every"?); known options: every, quiet
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Runs the checks of an entry point now and returns the effect they build; a throw becomes a dying effect.
   *
   * @category running
   * @since 0.1.0
   */
  atCall,
  /**
   * A boolean (`undefined` gives the fallback); anything else is a `TypeError` — `"yes"` is not `true`.
   *
   * @category checks
   * @since 0.1.0
   */
  boolean,
  /**
   * A function (`TypeError` otherwise).
   *
   * @category checks
   * @since 0.1.0
   */
  fn,
  /**
   * An integer `>= min` (`Infinity` too when allowed): `TypeError` for a non-number, `ValueError` for NaN, a
   * fraction or a number below `min`.
   *
   * @category checks
   * @since 0.1.0
   */
  integer,
  /**
   * A name of our own (a string, or `undefined`).
   *
   * @category checks
   * @since 0.1.0
   */
  name,
  /**
   * One of a few strings: `ValueError` for another string, `TypeError` for anything else.
   *
   * @category checks
   * @since 0.1.0
   */
  oneOf,
  /**
   * A function or `undefined`.
   *
   * @category checks
   * @since 0.1.0
   */
  optionalFn,
  /**
   * An options object: `undefined`/`null` or a plain object whose keys are all known; an unknown key is named,
   * with the closest known one.
   *
   * @category checks
   * @since 0.1.0
   */
  options,
  /**
   * A number of seconds `>= 0` (`Infinity` allowed): `TypeError` for a non-number, `ValueError` for NaN or a
   * negative number.
   *
   * @category checks
   * @since 0.1.0
   */
  seconds,
  /**
   * A short rendering of any value for error messages (`"abc"`, `1n`, `NaN`, `{ retries: 3 }`, `an Effect`).
   *
   * @category formatting
   * @since 0.1.0
   */
  show
} from "./internal/validate.ts"
