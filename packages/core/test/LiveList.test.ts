/**
 * `internal/liveList.ts`, the collection a task group keeps its children in (issue 16: O(1) add and removal, no
 * hashing): the live members in creation order, an exact count, and no finished member held once none is live.
 */
import { assert, describe, it } from "@effect/vitest"
import { LiveList } from "../src/internal/liveList.ts"

interface Member {
  readonly id: number
  done: boolean
}

const members = (n: number): Array<Member> => Array.from({ length: n }, (_, id) => ({ id, done: false }))

/** Finishes `member` as a fiber does: done first, then its observer reports it. */
const finish = (list: LiveList<Member>, member: Member): void => {
  member.done = true
  list.markDone()
}

const ids = (list: LiveList<Member>): Array<number> => list.live().map((m) => m.id)

describe("LiveList", () => {
  it("keeps the live members in the order they were added, and counts them exactly", () => {
    const list = new LiveList<Member>((m) => m.done)
    const all = members(10)
    for (const m of all) list.add(m)
    for (const i of [0, 3, 4, 5, 6, 7, 9]) finish(list, all[i])
    assert.strictEqual(list.size, 3)
    assert.deepStrictEqual(ids(list), [1, 2, 8])
    const visited: Array<number> = []
    list.forEachLive((m) => visited.push(m.id))
    assert.deepStrictEqual(visited, [1, 2, 8])
  })

  it("holds no member once none is live (every finished one dropped, its result with it)", () => {
    const list = new LiveList<Member>((m) => m.done)
    const all = members(1000)
    for (const m of all) list.add(m)
    for (const m of all.slice().reverse()) finish(list, m)
    assert.strictEqual(list.size, 0)
    assert.strictEqual(list.held, 0)
  })

  it("never holds more finished members than live ones", () => {
    const list = new LiveList<Member>((m) => m.done)
    const all = members(1000)
    for (const m of all) list.add(m)
    let most = 0
    for (const m of all.slice(0, 900)) {
      finish(list, m)
      most = Math.max(most, list.held - list.size)
      assert.isAtMost(list.held - list.size, list.size)
    }
    assert.strictEqual(list.size, 100)
    assert.isAbove(most, 0)
  })

  it("a visit sees members finishing and added during it; the count stays exact", () => {
    const list = new LiveList<Member>((m) => m.done)
    const all = members(6)
    for (const m of all.slice(0, 4)) list.add(m)
    const visited: Array<number> = []
    list.forEachLive((m) => {
      visited.push(m.id)
      if (m.id === 0) {
        // Finishing members while the visit runs (cancelling one child finishes others synchronously).
        finish(list, all[1])
        finish(list, all[2])
        finish(list, all[0])
        list.add(all[4])
      }
      if (m.id === 4) list.add(all[5])
    })
    assert.deepStrictEqual(visited, [0, 3, 4, 5])
    assert.strictEqual(list.size, 3)
    assert.deepStrictEqual(ids(list), [3, 4, 5])
  })

  it("a member done but not yet reported when another report compacts the array is still counted once", () => {
    const list = new LiveList<Member>((m) => m.done)
    const all = members(4)
    for (const m of all) list.add(m)
    all[0].done = true // its fiber has its exit; its observer has not run yet
    finish(list, all[1])
    finish(list, all[2])
    finish(list, all[3]) // compaction: drops all four, the unreported one too
    assert.strictEqual(list.held, 0)
    assert.strictEqual(list.size, 1)
    list.markDone() // the first member's observer runs now
    assert.strictEqual(list.size, 0)
  })
})
