/**
 * The live members of a growing collection — the tasks a loop scope owns, the children of a task group — in the
 * order they were added, with O(1) `add` and `markDone` and no hashing.
 *
 * A `Set` costs a hash-table insertion and deletion per task, and rehashes as it grows and shrinks: at a million
 * tasks that was a microsecond per task, more than Effect's whole fork (bench/README.md, "Where the time goes").
 * Here a member is appended to an array; when it finishes, the owner calls {@link LiveList.markDone}, which only
 * counts it. Once finished members make up more than half of the array, it is compacted (the finished ones
 * dropped, the order kept): a compaction costs at most twice the members finished since the last one, so the cost
 * stays O(1) per member, and an owner never holds more finished members than live ones — nor, through them, their
 * results. When no member is live the array is empty.
 */
export class LiveList<T> {
  private items: Array<T> = []
  /** Members added and not yet reported finished (`markDone`): exact, whatever compaction has dropped. */
  private liveCount = 0
  /** While iterating (`forEachLive`), compaction waits: a member may finish during the visit. */
  private iterating = 0
  private readonly isDone: (item: T) => boolean

  /** `isDone(item)` tells whether a member has finished (a task: its fiber has an exit). */
  constructor(isDone: (item: T) => boolean) {
    this.isDone = isDone
  }

  /** How many members have not finished. */
  get size(): number {
    return this.liveCount
  }

  /** How many members the list references, finished ones not dropped yet included (at most twice `size`). */
  get held(): number {
    return this.items.length
  }

  add(item: T): void {
    this.items.push(item)
    this.liveCount++
  }

  /**
   * A member has finished: call once per member added, after `isDone(member)` has become true. (Compaction drops
   * every member already done, even one whose `markDone` is still to come — a fiber has its exit before its
   * observers run — so the count is kept apart from the array.)
   */
  markDone(): void {
    this.liveCount--
    if (this.iterating === 0 && this.shouldCompact()) this.compact()
  }

  /** More than half of the array is finished members. */
  private shouldCompact(): boolean {
    return (this.items.length - this.liveCount) * 2 > this.items.length
  }

  private compact(): void {
    const items = this.items
    const isDone = this.isDone
    let kept = 0
    for (let i = 0; i < items.length; i++) {
      const item = items[i]
      if (!isDone(item)) items[kept++] = item
    }
    items.length = kept
  }

  /**
   * Calls `f` for each member not finished when it is reached, in the order they were added. Members added meanwhile
   * are visited too; compaction waits until the visit ends.
   */
  forEachLive(f: (item: T) => void): void {
    this.iterating++
    try {
      const items = this.items
      const isDone = this.isDone
      for (let i = 0; i < items.length; i++) {
        const item = items[i]
        if (!isDone(item)) f(item)
      }
    } finally {
      if (--this.iterating === 0 && this.shouldCompact()) this.compact()
    }
  }

  /** The members not finished, in the order they were added. */
  live(): Array<T> {
    const live: Array<T> = []
    for (const item of this.items) if (!this.isDone(item)) live.push(item)
    return live
  }
}
