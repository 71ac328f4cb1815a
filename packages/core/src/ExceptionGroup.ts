/**
 * `ExceptionGroup`: several errors raised together, each with the task that raised it — what a `TaskGroup`
 * fails with — and `except*`-style handling with types that narrow.
 *
 * Python 3.11 added `ExceptionGroup` and `except*` so that concurrent failures are not lost. Here a group is a
 * typed, tagged error: `ExceptionGroup<E>` holds members of type `E` (typed failures, `Defect`s for defects, and
 * nested `ExceptionGroup`s for nested task groups — never cancellations), and {@link split}, {@link subgroup} and
 * {@link exceptStar} narrow `E` by `_tag` or by a refinement.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/**
 * One error of a group and where it came from.
 *
 * @category models
 * @since 0.1.0
 */
export interface Member<E> {
  readonly error: E
  /** The name of the task that raised it, or `"<body>"` for the task group's own body. */
  readonly task: string
}

const describe = (n: number): string =>
  `unhandled errors in a TaskGroup (${n} sub-exception${n === 1 ? "" : "s"})`

/**
 * The errors of a failed task group, in the order they happened (the body's own error last, as in Python).
 * `exceptions` lists the errors alone, like Python's `eg.exceptions`; `members` also says which task raised
 * each.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExceptionGroup<out E> extends Data.TaggedError("ExceptionGroup")<{
  readonly message: string
  readonly members: ReadonlyArray<Member<E>>
}> {
  constructor(members: ReadonlyArray<Member<E>>, message = describe(members.length)) {
    super({ message, members })
  }
  /** The member errors (Python's `eg.exceptions`). */
  get exceptions(): ReadonlyArray<E> {
    return this.members.map((member) => member.error)
  }
  /** `split(this, match)`: the matching members and the rest (Python's `eg.split`). */
  split<T extends Extract<E, Tagged<string>>["_tag"]>(
    tag: T
  ): [ExceptionGroup<WithTag<E, T>> | undefined, ExceptionGroup<Exclude<E, Tagged<T>>> | undefined]
  split<M extends E>(
    refinement: (error: E) => error is M
  ): [ExceptionGroup<M> | undefined, ExceptionGroup<Exclude<E, M>> | undefined]
  split(predicate: (error: E) => boolean): [ExceptionGroup<E> | undefined, ExceptionGroup<E> | undefined]
  split(
    match: string | ((error: E) => boolean)
  ): [ExceptionGroup<E> | undefined, ExceptionGroup<E> | undefined] {
    return split(this, predicateOf(match))
  }
  /** `subgroup(this, match)`: the matching members or `undefined` (Python's `eg.subgroup`). */
  subgroup<T extends Extract<E, Tagged<string>>["_tag"]>(tag: T): ExceptionGroup<WithTag<E, T>> | undefined
  subgroup<M extends E>(refinement: (error: E) => error is M): ExceptionGroup<M> | undefined
  subgroup(predicate: (error: E) => boolean): ExceptionGroup<E> | undefined
  subgroup(match: string | ((error: E) => boolean)): ExceptionGroup<E> | undefined {
    return split(this, predicateOf(match))[0]
  }
}

type Tagged<T extends string> = { readonly _tag: T }

/** Members of `E` whose `_tag` is `T`. */
export type WithTag<E, T extends string> = Extract<E, Tagged<T>>

const tagOf = (u: unknown): unknown =>
  typeof u === "object" && u !== null && "_tag" in u ? (u as Tagged<string>)._tag : undefined

const predicateOf = <E>(match: string | ((error: E) => boolean)): ((error: E) => boolean) =>
  typeof match === "string" ? (error) => tagOf(error) === match : match

/**
 * Splits a group into the members that match and the rest (Python's `eg.split(type)`), each `undefined` when
 * empty. Nested groups are split recursively, keeping their structure.
 *
 * @category combinators
 * @since 0.1.0
 */
export function split<E, T extends Extract<E, Tagged<string>>["_tag"]>(
  self: ExceptionGroup<E>,
  tag: T
): [ExceptionGroup<WithTag<E, T>> | undefined, ExceptionGroup<Exclude<E, Tagged<T>>> | undefined]
export function split<E, M extends E>(
  self: ExceptionGroup<E>,
  refinement: (error: E) => error is M
): [ExceptionGroup<M> | undefined, ExceptionGroup<Exclude<E, M>> | undefined]
export function split<E>(
  self: ExceptionGroup<E>,
  predicate: (error: E) => boolean
): [ExceptionGroup<E> | undefined, ExceptionGroup<E> | undefined]
export function split<E>(
  self: ExceptionGroup<E>,
  match: string | ((error: E) => boolean)
): [ExceptionGroup<E> | undefined, ExceptionGroup<E> | undefined] {
  const test = predicateOf(match)
  const matched: Array<Member<E>> = []
  const rest: Array<Member<E>> = []
  for (const member of self.members) {
    if (test(member.error)) {
      matched.push(member)
    } else if (member.error instanceof ExceptionGroup) {
      const [m, r] = split(member.error as ExceptionGroup<E>, test)
      if (m !== undefined) matched.push({ error: m as E, task: member.task })
      if (r !== undefined) rest.push({ error: r as E, task: member.task })
    } else {
      rest.push(member)
    }
  }
  // As Python's split: a side that keeps every member is the group itself, not a copy.
  if (rest.length === 0) return [self, undefined]
  if (matched.length === 0) return [undefined, self]
  return [new ExceptionGroup(matched, self.message), new ExceptionGroup(rest, self.message)]
}

/**
 * The members that match, or `undefined` (Python's `eg.subgroup(type)`).
 *
 * @category combinators
 * @since 0.1.0
 */
export function subgroup<E, T extends Extract<E, Tagged<string>>["_tag"]>(
  self: ExceptionGroup<E>,
  tag: T
): ExceptionGroup<WithTag<E, T>> | undefined
export function subgroup<E, M extends E>(
  self: ExceptionGroup<E>,
  refinement: (error: E) => error is M
): ExceptionGroup<M> | undefined
export function subgroup<E>(
  self: ExceptionGroup<E>,
  predicate: (error: E) => boolean
): ExceptionGroup<E> | undefined
export function subgroup<E>(
  self: ExceptionGroup<E>,
  match: string | ((error: E) => boolean)
): ExceptionGroup<E> | undefined {
  return split(self, predicateOf(match))[0]
}

/** The group left after handling the members tagged `T`: `never` once nothing is left. */
export type Rest<E, T extends string> = [Exclude<E, Tagged<T>>] extends [never]
  ? never
  : ExceptionGroup<Exclude<E, Tagged<T>>>

/** The member types of a group type (`never` for other errors). */
export type MembersOf<X> = X extends ExceptionGroup<infer E> ? E : never

/**
 * `except*` for effects: if `self` fails with an `ExceptionGroup`, runs `handler` with the members whose
 * `_tag` is `tag`, then fails again with the remaining members if any (Python runs the `except*` clause and
 * re-raises the rest). Other errors pass through untouched. The error type narrows accordingly.
 *
 * **Example** (Handle the timeouts, keep the rest)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * declare const work: Effect.Effect<void, asyncio.ExceptionGroup<asyncio.TimeoutError | asyncio.ValueError>>
 * const handled = work.pipe(
 *   asyncio.exceptStar("TimeoutError", (group) => Effect.log(`${group.members.length} timed out`))
 * ) // Effect<void, ExceptionGroup<ValueError>>
 * ```
 *
 * @category error handling
 * @since 0.1.0
 */
export const exceptStar =
  <X, T extends Extract<MembersOf<X>, Tagged<string>>["_tag"], B, E2, R2>(
    tag: T,
    handler: (group: ExceptionGroup<WithTag<MembersOf<X>, T>>) => Effect.Effect<B, E2, R2>
  ) =>
  <A, R>(
    self: Effect.Effect<A, X, R>
  ): Effect.Effect<A | B, Exclude<X, ExceptionGroup<unknown>> | Rest<MembersOf<X>, T> | E2, R | R2> =>
    Effect.catch(
      self,
      (error: X): Effect.Effect<B, Exclude<X, ExceptionGroup<unknown>> | Rest<MembersOf<X>, T> | E2, R2> => {
        if (!(error instanceof ExceptionGroup))
          return Effect.fail(error as Exclude<X, ExceptionGroup<unknown>>)
        const [matched, rest] = split(error as ExceptionGroup<MembersOf<X>>, (e) => tagOf(e) === tag)
        // Nothing matched: the rest is the group itself, re-raised as it is.
        if (matched === undefined) return Effect.fail(rest as Rest<MembersOf<X>, T>)
        const handled = handler(matched as ExceptionGroup<WithTag<MembersOf<X>, T>>)
        return rest === undefined
          ? handled
          : Effect.andThen(handled, Effect.fail(rest as Rest<MembersOf<X>, T>))
      }
    )
