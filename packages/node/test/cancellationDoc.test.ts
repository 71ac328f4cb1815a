/**
 * docs/cancellation.md §2's example for the `signal` kind is the reason `run` gives (the core's kinds are checked
 * by packages/core/test/cancellationDoc.test.ts; runner.test.ts shows `run` cancelling main with this reason).
 */

import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { signalReason } from "../src/internal/cancel.ts"

const page = readFileSync(new URL("../../../docs/cancellation.md", import.meta.url), "utf8")

describe("docs/cancellation.md", () => {
  it('§2: the example detail of kind "signal" is what run says', () => {
    const row = /^\| `signal` \| [^|]+ \| `([^`]+)` \|$/m.exec(page)
    assert.isNotNull(row)
    assert.deepStrictEqual(signalReason("SIGINT"), { kind: "signal", detail: row![1] })
  })
})
