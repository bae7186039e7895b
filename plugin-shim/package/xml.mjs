// Plugin descriptors (atlassian-plugin.xml) parsed with saxes (npm; the strict XML 1.0 parser
// jsdom uses): it refuses whatever is not well-formed — mismatched or unclosed tags, duplicate or
// unquoted attributes, undefined entities, a stray "&" or "<", "--" in a comment, several roots,
// text outside the root, characters XML forbids — and reports the line. A DOCTYPE is refused
// outright: descriptors do not need one, and it rules out entity tricks.
//
// fast-xml-parser was measured first and not used: its validator accepted 9 of the 18 malformed
// documents in tests/node/package.test.mjs (two root elements, text after the root, "<" in an
// attribute value, undefined entities, ...) and it left "&#x41;" undecoded in attributes.
import { SaxesParser } from 'saxes';

/** @typedef {{name: string, attrs: Record<string,string>, children: Array<XmlElement|string>, line: number}} XmlElement */

export class XmlError extends Error {
  constructor(message, line) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * Parses a document and returns its root element (a plain tree: name, attributes, children
 * — elements and text, CDATA as text, comments and processing instructions left out — and the
 * line each element starts on).
 * @param {string} text
 * @returns {XmlElement}
 */
export function parseXml(text) {
  let s = String(text);
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const parser = new SaxesParser({ position: true });
  /** @type {XmlElement[]} */
  const stack = [];
  let root;
  // The line an element starts on ("<name"): saxes's own position is already past the name, and
  // off by one when a newline ends it. In a well-formed document each start tag is the next "<name"
  // outside comments, CDATA and processing instructions (text and attribute values cannot hold a
  // raw "<"), so the source is scanned alongside, once, counting newlines.
  const START = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<([^\s/>!?]+)/g;
  let line = 1, counted = 0;
  parser.on('opentagstart', () => {
    let m;
    while ((m = START.exec(s)) && m[1] === undefined);
    if (!m) return;
    for (let i = s.indexOf('\n', counted); i !== -1 && i < m.index; i = s.indexOf('\n', i + 1)) line++;
    counted = m.index;
  });
  parser.on('opentag', (tag) => {
    const el = { name: tag.name, attrs: Object.assign(Object.create(null), tag.attributes), children: [], line };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  const addText = (t) => {
    if (stack.length && t !== '') stack[stack.length - 1].children.push(t);
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('doctype', () => {
    throw new XmlError('a DOCTYPE is not supported in a plugin descriptor', parser.line);
  });
  try {
    parser.write(s).close();
  } catch (e) {
    if (e instanceof XmlError) throw e;
    // saxes reports "LINE:COLUMN: message"
    const m = /^(\d+):(\d+): ([\s\S]*?)\.?$/.exec(String(e?.message ?? e));
    if (m) throw new XmlError(`${m[3]} (column ${m[2]})`, Number(m[1]));
    throw new XmlError(String(e?.message ?? e), parser.line);
  }
  if (!root) throw new XmlError('no root element', parser.line);
  return root;
}

/** Child elements of `el`, optionally only those named `name`. */
export function elements(el, name) {
  return el.children.filter((c) => typeof c !== 'string' && (name === undefined || c.name === name));
}

/** The text content of `el` (descendants included). */
export function textOf(el) {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** Escapes a string for use in an attribute value or text. */
export function escapeXml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}
