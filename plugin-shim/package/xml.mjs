// A small, strict XML 1.0 parser for plugin descriptors: elements, attributes, text, comments,
// CDATA, processing instructions and the five predefined plus numeric character references.
// It rejects what is not well-formed (mismatched or unclosed tags, duplicate attributes, unquoted
// values, a raw "<" or stray "&", "--" inside a comment, text outside the root, several roots).
// A DOCTYPE is refused outright: descriptors do not need one, and it rules out entity tricks.

/** @typedef {{name: string, attrs: Record<string,string>, children: Array<XmlElement|string>, line: number}} XmlElement */

const NAME_START = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_RE = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9\u00B7\u0300-\u036F\u203F\u2040A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;
// Characters XML 1.0 allows (surrogate pairs are checked as pairs by the u flag).
const BAD_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlError extends Error {
  constructor(message, line) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * Parses a document and returns its root element.
 * @param {string} text
 * @returns {XmlElement}
 */
export function parseXml(text) {
  let s = String(text);
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  let i = 0;
  const lineAt = (pos) => {
    let n = 1;
    for (let k = 0; k < pos && k < s.length; k++) if (s.charCodeAt(k) === 10) n++;
    return n;
  };
  const fail = (msg, pos = i) => {
    throw new XmlError(msg, lineAt(pos));
  };
  {
    const bad = BAD_CHAR.exec(s);
    if (bad) fail(`character U+${bad[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, bad.index);
  }
  const isSpace = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const skipSpace = () => {
    const start = i;
    while (i < s.length && isSpace(s[i])) i++;
    return i > start;
  };
  const readName = () => {
    NAME_RE.lastIndex = i;
    const m = NAME_RE.exec(s);
    if (!m || !NAME_START.test(s[i])) fail(`expected a name, found ${JSON.stringify(s.slice(i, i + 10))}`);
    i += m[0].length;
    return m[0];
  };
  const decode = (raw, pos) =>
    raw.replace(/&([^;]*);|&/g, (all, ref, off) => {
      if (ref === undefined) fail('"&" must start a reference such as &amp;', pos + off);
      if (Object.hasOwn(PREDEFINED, ref)) return PREDEFINED[ref];
      const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
      if (!m) fail(`unknown entity &${ref};`, pos + off);
      const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
      if (!(cp <= 0x10ffff) || BAD_CHAR.test(String.fromCodePoint(Math.min(cp, 0x10ffff))) || (cp >= 0xd800 && cp <= 0xdfff)) {
        fail(`character reference &${ref}; is not a legal character`, pos + off);
      }
      return String.fromCodePoint(cp);
    });

  const readComment = () => {
    // at "<!--"
    const end = s.indexOf('-->', i + 4);
    if (end < 0) fail('unterminated comment');
    const body = s.slice(i + 4, end);
    if (body.includes('--') || body.endsWith('-')) fail('"--" is not allowed inside a comment');
    i = end + 3;
  };
  const readPI = () => {
    // at "<?"
    const start = i;
    i += 2;
    const target = readName();
    if (target.toLowerCase() === 'xml') fail('the XML declaration is only allowed at the very start', start);
    const end = s.indexOf('?>', i);
    if (end < 0) fail('unterminated processing instruction', start);
    if (end > i && !isSpace(s[i])) fail('expected whitespace after the processing-instruction target');
    i = end + 2;
  };
  const readMisc = () => {
    for (;;) {
      skipSpace();
      if (s.startsWith('<!--', i)) readComment();
      else if (s.startsWith('<?', i)) readPI();
      else return;
    }
  };

  // XML declaration
  if (s.startsWith('<?xml', 0) && (isSpace(s[5]) || s[5] === '?')) {
    const end = s.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    const decl = s.slice(5, end);
    if (!/^\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/.test(decl)) {
      fail('malformed XML declaration', 0);
    }
    i = end + 2;
  }
  readMisc();
  if (s.startsWith('<!DOCTYPE', i)) fail('a DOCTYPE is not supported in a plugin descriptor');
  if (s[i] !== '<') fail(i >= s.length ? 'no root element' : 'content before the root element');

  const readElement = () => {
    const start = i;
    i++; // "<"
    const name = readName();
    const attrs = Object.create(null);
    for (;;) {
      const spaced = skipSpace();
      if (s.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], line: lineAt(start) };
      }
      if (s[i] === '>') {
        i++;
        break;
      }
      if (i >= s.length) fail(`unterminated start tag <${name}>`, start);
      if (!spaced) fail(`expected whitespace before an attribute in <${name}>`);
      const aName = readName();
      skipSpace();
      if (s[i] !== '=') fail(`attribute ${aName} in <${name}> needs "=" and a quoted value`);
      i++;
      skipSpace();
      const q = s[i];
      if (q !== '"' && q !== "'") fail(`the value of attribute ${aName} in <${name}> must be quoted`);
      const end = s.indexOf(q, i + 1);
      if (end < 0) fail(`unterminated value of attribute ${aName}`);
      const raw = s.slice(i + 1, end);
      if (raw.includes('<')) fail(`"<" is not allowed in the value of attribute ${aName}`, i + 1 + raw.indexOf('<'));
      if (Object.hasOwn(attrs, aName)) fail(`duplicate attribute ${aName} in <${name}>`);
      // Attribute-value normalisation: whitespace characters become spaces.
      attrs[aName] = decode(raw, i + 1).replace(/[\t\n\r]/g, ' ');
      i = end + 1;
    }
    const children = [];
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) fail(`<${name}> is never closed`, start);
      if (lt > i) {
        const raw = s.slice(i, lt);
        if (raw.includes(']]>')) fail('"]]>" is not allowed in text', i + raw.indexOf(']]>'));
        children.push(decode(raw, i));
        i = lt;
      }
      if (s.startsWith('</', i)) {
        i += 2;
        const close = readName();
        if (close !== name) fail(`</${close}> does not close <${name}> (opened on line ${lineAt(start)})`);
        skipSpace();
        if (s[i] !== '>') fail(`malformed end tag </${close}>`);
        i++;
        return { name, attrs, children, line: lineAt(start) };
      }
      if (s.startsWith('<!--', i)) readComment();
      else if (s.startsWith('<![CDATA[', i)) {
        const end = s.indexOf(']]>', i + 9);
        if (end < 0) fail('unterminated CDATA section');
        children.push(s.slice(i + 9, end));
        i = end + 3;
      } else if (s.startsWith('<?', i)) readPI();
      else if (s.startsWith('<!', i)) fail('markup declarations are not allowed here');
      else children.push(readElement());
    }
  };

  const root = readElement();
  readMisc();
  if (i < s.length) fail(s[i] === '<' ? 'only one root element is allowed' : 'text after the root element');
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
