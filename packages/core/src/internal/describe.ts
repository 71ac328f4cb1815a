/**
 * Values in words for reports (timelines, debug mode, tracing attributes, fault reports). Total: a value whose
 * conversion to a string throws (an object without prototype, a throwing `toString` or `message` getter, a
 * revoked proxy) is still described, so that a diagnostic never fails because of what it describes.
 */
import * as Cause from "effect/Cause"

/** `String(u)`, or — when that throws — `[object <Tag>]` / `[unprintable value]`. Never throws. */
export const text = (u: unknown): string => {
  try {
    return String(u)
  } catch {
    try {
      return Object.prototype.toString.call(u)
    } catch {
      return "[unprintable value]"
    }
  }
}

/**
 * `Name: message` for an error value: the `_tag` of a tagged error (our Python names), else the `name` of an
 * `Error`, followed by its message; a `Defect` is described by what it wraps; any other value by {@link text}.
 * Never throws.
 */
export const describeError = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return text(error)
  let name: string | undefined
  try {
    const tag = "_tag" in error && typeof error._tag === "string" ? error._tag : undefined
    name = tag ?? (error instanceof Error ? error.name : undefined)
    if (name === "Defect" && "defect" in error) return describeError(error.defect)
  } catch {
    // a throwing getter or proxy trap: described below as a plain value
  }
  if (name === undefined || typeof name !== "string") return text(error)
  let message = ""
  try {
    message = "message" in error && typeof error.message === "string" ? error.message : ""
  } catch {
    // a throwing `message` getter: the name alone
  }
  return message === "" ? name : `${name}: ${message}`
}

/** `Cause.pretty(cause)` (every error with its stack), or — when rendering throws — each error described. */
export const prettyCause = (cause: Cause.Cause<unknown>): string => {
  try {
    return Cause.pretty(cause)
  } catch {
    return cause.reasons
      .map((reason) =>
        reason._tag === "Fail"
          ? describeError(reason.error)
          : reason._tag === "Die"
            ? describeError(reason.defect)
            : "interrupted"
      )
      .join("\n")
  }
}
