/** A value in a few words, for the messages of misuse defects: `"abc"`, `42`, `a Map`, `function f`. */
export const describe = (u: unknown): string =>
  typeof u === "string"
    ? JSON.stringify(u)
    : typeof u === "function"
      ? `function ${u.name || "(anonymous)"}`
      : typeof u === "object" && u !== null
        ? `a ${u.constructor?.name ?? "object"}`
        : String(u)
