/**
 * The item stores behind `Queue`, `PriorityQueue` and `LifoQueue`: a growable ring buffer (FIFO), an array stack
 * (LIFO) and a stable binary heap (lowest first, FIFO among equals), plus the default priority order, which
 * compares values the way Python compares numbers, strings and tuples.
 *
 * Every store is O(1) amortised per operation except the heap (O(log n)). A store never loses or duplicates an
 * item when the comparator throws: the heap decides where an item goes before it moves anything.
 */
import { TypeError } from "../Errors.ts"

/** Where a queue keeps its items. `pop` requires `size > 0`. */
export interface Store<A> {
  readonly size: number
  /** Adds `item`. May throw (a priority comparator); the store is then unchanged. */
  push(item: A): void
  /** Removes and returns the next item. May throw (a priority comparator); the store is then unchanged. */
  pop(): A
  /** Discards every item and returns how many there were. */
  clear(): number
}

const MIN_CAPACITY = 8
const SHRINK_ABOVE = 1024

/** FIFO: a ring buffer whose capacity is a power of two; it doubles when full and halves when mostly empty. */
export class RingBuffer<A> implements Store<A> {
  private items: Array<A | undefined> = new Array(MIN_CAPACITY)
  private head = 0
  size = 0

  push(item: A): void {
    if (this.size === this.items.length) this.resize(this.items.length * 2)
    this.items[(this.head + this.size) & (this.items.length - 1)] = item
    this.size++
  }

  pop(): A {
    const item = this.items[this.head] as A
    this.items[this.head] = undefined
    this.head = (this.head + 1) & (this.items.length - 1)
    this.size--
    if (this.items.length > SHRINK_ABOVE && this.size < this.items.length >> 2) {
      this.resize(this.items.length >> 1)
    }
    return item
  }

  clear(): number {
    const n = this.size
    this.items = new Array(MIN_CAPACITY)
    this.head = 0
    this.size = 0
    return n
  }

  private resize(capacity: number): void {
    const next: Array<A | undefined> = new Array(capacity)
    const mask = this.items.length - 1
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.head + i) & mask]
    this.items = next
    this.head = 0
  }
}

/** LIFO: an array used as a stack. */
export class Stack<A> implements Store<A> {
  private readonly items: Array<A> = []

  get size(): number {
    return this.items.length
  }

  push(item: A): void {
    this.items.push(item)
  }

  pop(): A {
    return this.items.pop() as A
  }

  clear(): number {
    const n = this.items.length
    this.items.length = 0
    return n
  }
}

/**
 * Lowest first: a binary min-heap over parallel arrays of items and insertion numbers, so items that compare
 * equal leave in insertion order (stable, unlike Python's `heapq`).
 *
 * `push` and `pop` first find the final position with the comparator (which may throw) and only then move
 * items, so a throwing comparator leaves the heap exactly as it was.
 */
export class Heap<A> implements Store<A> {
  private readonly items: Array<A> = []
  private readonly seqs: Array<number> = []
  private readonly path: Array<number> = []
  private nextSeq = 0
  private readonly compare: (self: A, that: A) => number

  constructor(compare: (self: A, that: A) => number) {
    this.compare = compare
  }

  get size(): number {
    return this.items.length
  }

  /** The next item `pop` would return, or `undefined` when empty. */
  peek(): A | undefined {
    return this.items[0]
  }

  /** Whether the entry at `i` goes before (`item`, `seq`). */
  private before(i: number, item: A, seq: number): boolean {
    const c = this.compare(this.items[i], item)
    return c < 0 || (c === 0 && this.seqs[i] < seq)
  }

  push(item: A): void {
    const seq = this.nextSeq
    let hole = this.items.length
    while (hole > 0) {
      const parent = (hole - 1) >> 1
      if (this.before(parent, item, seq)) break
      hole = parent
    }
    // Nothing has moved yet; from here on nothing can throw.
    this.nextSeq++
    let i = this.items.length
    this.items.push(item)
    this.seqs.push(seq)
    while (i > hole) {
      const parent = (i - 1) >> 1
      this.items[i] = this.items[parent]
      this.seqs[i] = this.seqs[parent]
      i = parent
    }
    this.items[hole] = item
    this.seqs[hole] = seq
  }

  pop(): A {
    const items = this.items
    const top = items[0]
    const last = items.length - 1
    if (last === 0) {
      items.pop()
      this.seqs.pop()
      return top
    }
    // Sift the last entry down from the root over the first `last` entries, recording the path first.
    const item = items[last]
    const seq = this.seqs[last]
    const path = this.path
    path.length = 0
    let hole = 0
    while (true) {
      const left = 2 * hole + 1
      if (left >= last) break
      const right = left + 1
      const child = right < last && this.before(right, items[left], this.seqs[left]) ? right : left
      if (!this.before(child, item, seq)) break
      path.push(child)
      hole = child
    }
    let to = 0
    for (const from of path) {
      items[to] = items[from]
      this.seqs[to] = this.seqs[from]
      to = from
    }
    items[hole] = item
    this.seqs[hole] = seq
    items.pop()
    this.seqs.pop()
    return top
  }

  clear(): number {
    const n = this.items.length
    this.items.length = 0
    this.seqs.length = 0
    return n
  }
}

// ---------------------------------------------------------------------------------------------------------
// The default priority order: Python's `<` on numbers, strings and tuples
// ---------------------------------------------------------------------------------------------------------

type Kind = "number" | "string" | "array" | "date" | undefined

const kindOf = (u: unknown): Kind => {
  switch (typeof u) {
    case "number":
    case "bigint":
    case "boolean":
      return "number"
    case "string":
      return "string"
  }
  if (Array.isArray(u)) return "array"
  if (u instanceof Date) return "date"
  return undefined
}

const typeName = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "Array"
  if (typeof u === "object") return u.constructor?.name ?? "Object"
  return typeof u
}

/** Python's `==` as tuple comparison uses it: numbers across number/bigint/boolean, arrays item by item. */
const pythonEquals = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  const kind = kindOf(a)
  if (kind !== kindOf(b)) return false
  switch (kind) {
    case "number": {
      const x = typeof a === "boolean" ? Number(a) : a
      const y = typeof b === "boolean" ? Number(b) : b
      // biome-ignore lint/suspicious/noDoubleEquals: exact number/bigint equality, as Python's 1 == 1.0 == True
      return x == y
    }
    case "array": {
      const x = a as ReadonlyArray<unknown>
      const y = b as ReadonlyArray<unknown>
      if (x.length !== y.length) return false
      for (let i = 0; i < x.length; i++) if (!pythonEquals(x[i], y[i])) return false
      return true
    }
    case "date":
      return (a as Date).getTime() === (b as Date).getTime()
    default:
      return false
  }
}

const sign = (lt: boolean, gt: boolean): number => (lt ? -1 : gt ? 1 : 0)

/**
 * The default order of `PriorityQueue`: Python's `<`. Numbers (with bigints and booleans, as Python's `bool` is an
 * `int`), strings (by UTF-16 code unit) and dates compare among themselves; arrays compare like tuples (the first
 * unequal position decides, a prefix goes first). Anything else, or values of different kinds, throws our
 * `TypeError`, as Python raises `TypeError: '<' not supported between instances of …`. Values that are equal
 * (including the same object) compare as 0 without that check.
 */
export const pythonOrder = (a: unknown, b: unknown): number => {
  if (typeof a === "number" && typeof b === "number") return sign(a < b, a > b)
  if (typeof a === "string" && typeof b === "string") return sign(a < b, a > b)
  const kind = kindOf(a)
  if (kind !== undefined && kind === kindOf(b)) {
    switch (kind) {
      case "number": {
        const x = typeof a === "boolean" ? Number(a) : (a as number | bigint)
        const y = typeof b === "boolean" ? Number(b) : (b as number | bigint)
        return sign(x < y, x > y)
      }
      case "string":
        return sign((a as string) < (b as string), (a as string) > (b as string))
      case "date": {
        const x = (a as Date).getTime()
        const y = (b as Date).getTime()
        return sign(x < y, x > y)
      }
      case "array": {
        const x = a as ReadonlyArray<unknown>
        const y = b as ReadonlyArray<unknown>
        const n = Math.min(x.length, y.length)
        for (let i = 0; i < n; i++) {
          if (!pythonEquals(x[i], y[i])) return pythonOrder(x[i], y[i])
        }
        return sign(x.length < y.length, x.length > y.length)
      }
    }
  }
  if (pythonEquals(a, b)) return 0
  throw new TypeError(
    `PriorityQueue: '<' not supported between instances of '${typeName(a)}' and '${typeName(b)}' ` +
      "(pass a comparator to makePriority to order other values)"
  )
}
