/** The Python-style formatting used by the examples' transcripts. */
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import { repr, str } from "../src/shared/python.ts"

class FetchError extends Data.TaggedError("FetchError")<{ readonly message: string }> {}

describe("repr / str", () => {
  it("strings are quoted as CPython quotes them", () => {
    expect(repr("a")).toBe("'a'")
    expect(repr("it's")).toBe(`"it's"`)
    expect(repr(`both ' and "`)).toBe(`'both \\' and "'`)
    expect(repr("back\\slash\nnew")).toBe("'back\\\\slash\\nnew'")
  })

  it("lists, None, booleans, numbers, dicts and sets", () => {
    expect(repr(["Task1 result", "Task2 result"])).toBe("['Task1 result', 'Task2 result']")
    expect(repr([undefined, null, true, false, 1, 0.5])).toBe("[None, None, True, False, 1, 0.5]")
    expect(repr({ a: 1 })).toBe("{'a': 1}")
    expect(repr(new Set([1]))).toBe("{1}")
    expect(repr(new Set())).toBe("set()")
    expect(repr(new Map([["k", [1]]]))).toBe("{'k': [1]}")
  })

  it("errors print as an exception built with one argument", () => {
    expect(repr(new FetchError({ message: "DB unavailable" }))).toBe("FetchError('DB unavailable')")
    expect(repr(new RangeError("bad"))).toBe("RangeError('bad')")
    expect(repr(["ok", new FetchError({ message: "x" })])).toBe("['ok', FetchError('x')]")
  })

  it("str() leaves strings alone and gives an exception's message", () => {
    expect(str("plain")).toBe("plain")
    expect(str(new FetchError({ message: "DB unavailable" }))).toBe("DB unavailable")
    expect(str(["a"])).toBe("['a']")
  })
})
