/**
 * A tiny XML well-formedness checker for the SVG renderer's tests: one root element, properly nested and closed
 * tags, quoted and unique attributes, no stray `<` or `&` in text or attribute values (only the five predefined
 * entities and character references). Returns the elements in document order, or throws with the position.
 */

export interface Element {
  readonly name: string
  readonly attributes: ReadonlyMap<string, string>
  /** The element's direct text, entities decoded. */
  text: string
  readonly children: Array<Element>
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/

const decode = (s: string): string =>
  s
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&")

const checkText = (text: string, at: number): void => {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "<") throw new Error(`stray '<' at ${at + i}`)
    if (text[i] === "&" && !ENTITY.test(text.slice(i))) throw new Error(`bad entity at ${at + i}`)
  }
}

/** Parses `xml`; throws if it is not well-formed. Returns the root element. */
export const parseXml = (xml: string): Element => {
  let i = 0
  const stack: Array<Element> = []
  let root: Element | undefined
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i])) i++
  }
  if (xml.startsWith("<?xml")) {
    const end = xml.indexOf("?>")
    if (end < 0) throw new Error("unterminated XML declaration")
    i = end + 2
  }
  while (i < xml.length) {
    const lt = xml.indexOf("<", i)
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt)
    checkText(text, i)
    if (stack.length > 0) stack[stack.length - 1].text += decode(text)
    else if (text.trim() !== "") throw new Error(`text outside the root element at ${i}`)
    if (lt < 0) break
    i = lt
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i)
      if (end < 0) throw new Error(`unterminated comment at ${i}`)
      i = end + 3
      continue
    }
    if (xml.startsWith("</", i)) {
      i += 2
      const name = NAME.exec(xml.slice(i))?.[0]
      if (name === undefined) throw new Error(`bad end tag at ${i}`)
      i += name.length
      skipSpace()
      if (xml[i] !== ">") throw new Error(`bad end tag at ${i}`)
      i++
      const open = stack.pop()
      if (open === undefined || open.name !== name) {
        throw new Error(`</${name}> closes <${open?.name ?? "nothing"}> at ${i}`)
      }
      continue
    }
    i++
    const name = NAME.exec(xml.slice(i))?.[0]
    if (name === undefined) throw new Error(`bad start tag at ${i}`)
    i += name.length
    const attributes = new Map<string, string>()
    while (true) {
      const before = i
      skipSpace()
      if (xml.startsWith("/>", i) || xml[i] === ">") break
      if (i === before) throw new Error(`attributes must be separated by space at ${i}`)
      const attr = NAME.exec(xml.slice(i))?.[0]
      if (attr === undefined) throw new Error(`bad attribute at ${i}`)
      i += attr.length
      skipSpace()
      if (xml[i] !== "=") throw new Error(`attribute ${attr} without value at ${i}`)
      i++
      skipSpace()
      const quote = xml[i]
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute ${attr} at ${i}`)
      const end = xml.indexOf(quote, i + 1)
      if (end < 0) throw new Error(`unterminated attribute ${attr} at ${i}`)
      const value = xml.slice(i + 1, end)
      checkText(value, i + 1)
      if (attributes.has(attr)) throw new Error(`duplicate attribute ${attr} at ${i}`)
      attributes.set(attr, decode(value))
      i = end + 1
    }
    const element: Element = { name, attributes, text: "", children: [] }
    if (stack.length > 0) stack[stack.length - 1].children.push(element)
    else if (root !== undefined) throw new Error(`second root element <${name}> at ${i}`)
    else root = element
    if (xml.startsWith("/>", i)) {
      i += 2
    } else {
      i++
      stack.push(element)
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`)
  if (root === undefined) throw new Error("no root element")
  return root
}

/** Every element of the tree, in document order. */
export const elements = (root: Element): Array<Element> => [root, ...root.children.flatMap(elements)]
