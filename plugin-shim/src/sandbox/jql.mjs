// The one family of JQL the sandbox understands — what a host asks to count the unresolved issues
// assigned to users:
//
//   assignee in ("u1", u2, …) AND resolution = Unresolved      (clauses in any order, joined by AND)
//   assignee = "u1"  |  resolution is EMPTY  |  resolution = "Unresolved"  |  … ORDER BY key [ASC|DESC]
//
// Keywords and field names are case-insensitive; values are bare words or strings in double or
// single quotes with JQL's backslash escapes (\" \' \\ \n \t \r \uXXXX and an escaped space).
// Anything else — OR, NOT, other fields, functions, a syntax error — is refused with a message,
// so that a host's query that only "works" by accident cannot pass in the tests.

export class JqlError extends Error {}

const RESERVED = new Set(['and', 'or', 'not', 'empty', 'null', 'order', 'by', 'asc', 'desc', 'in', 'is']);
const WORD = /[A-Za-z0-9_.@\-+]/;

function tokenize(text) {
  const out = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const at = i + 1; // 1-based character for messages, as Jira reports them
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c, at }); i++; continue; }
    if (c === '=') { out.push({ t: '=', at }); i++; continue; }
    if (c === '!' && text[i + 1] === '=') { out.push({ t: '!=', at }); i += 2; continue; }
    if (c === '"' || c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= n) throw new JqlError(`Error in the JQL Query: The quoted string '${v}' has not been completed. (line 1, character ${at})`);
        const d = text[i];
        if (d === c) { i++; break; }
        if (d === '\\') {
          const e = text[i + 1];
          if (e === undefined) throw new JqlError(`Error in the JQL Query: The escape sequence is incomplete. (line 1, character ${i + 1})`);
          if (e === 'n') v += '\n';
          else if (e === 't') v += '\t';
          else if (e === 'r') v += '\r';
          else if (e === 'u') {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JqlError(`Error in the JQL Query: The escape sequence '\\u${hex}' is illegal. (line 1, character ${i + 1})`);
            v += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          } else if (e === '"' || e === "'" || e === '\\' || e === ' ') v += e;
          else throw new JqlError(`Error in the JQL Query: The escape sequence '\\${e}' is illegal. (line 1, character ${i + 1})`);
          i += 2;
          continue;
        }
        v += d;
        i++;
      }
      out.push({ t: 'str', v, at });
      continue;
    }
    if (WORD.test(c)) {
      let v = '';
      while (i < n && WORD.test(text[i])) v += text[i++];
      out.push({ t: 'word', v, at });
      continue;
    }
    throw new JqlError(`Error in the JQL Query: The character '${c}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}' instead. (line 1, character ${at})`);
  }
  return out;
}

const UNSUPPORTED = 'The sandbox understands only "assignee in (...) AND resolution = Unresolved" (and its parts)';

/**
 * Parses the query. Returns {assignees: string[][] (one list per assignee clause), unresolved:
 * boolean, order: [{field, desc}]}. Throws JqlError with Jira-style wording.
 */
export function parseJql(text) {
  if (typeof text !== 'string' || !text.trim()) return { assignees: [], unresolved: false, order: [] };
  const toks = tokenize(text);
  let p = 0;
  const peek = () => toks[p];
  const kw = (tok, word) => tok && tok.t === 'word' && tok.v.toLowerCase() === word;
  const expect = (what) => {
    const tok = toks[p];
    if (!tok) throw new JqlError(`Error in the JQL Query: Expecting ${what} but reached the end of the query.`);
    return tok;
  };
  const fail = (tok, what) => {
    throw new JqlError(`Error in the JQL Query: Expecting ${what} but got '${tok.v ?? tok.t}'. (line 1, character ${tok.at})`);
  };
  const value = () => {
    const tok = expect('a value');
    if (tok.t === 'str') { p++; return tok.v; }
    if (tok.t === 'word' && !RESERVED.has(tok.v.toLowerCase())) {
      if (toks[p + 1]?.t === '(') throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; functions such as ${tok.v}() are not.`);
      p++;
      return tok.v;
    }
    return fail(tok, 'either a value, list or function');
  };
  const out = { assignees: [], unresolved: false, order: [] };
  for (;;) {
    const field = expect('a field name');
    if (field.t !== 'word' && field.t !== 'str') fail(field, 'a field name');
    p++;
    const name = field.v.toLowerCase();
    if (name === 'assignee') {
      const op = expect("an operator ('in' or '=')");
      if (kw(op, 'in')) {
        p++;
        if (expect("'('").t !== '(') fail(toks[p], "'('");
        p++;
        const list = [value()];
        while (peek()?.t === ',') { p++; list.push(value()); }
        const close = expect("')'");
        if (close.t !== ')') fail(close, "')' or ','");
        p++;
        out.assignees.push(list);
      } else if (op.t === '=') {
        p++;
        out.assignees.push([value()]);
      } else throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; the operator '${op.v ?? op.t}' on assignee is not.`);
    } else if (name === 'resolution') {
      const op = expect("an operator ('=' or 'is')");
      p++;
      if (op.t === '=') {
        const v = expect('Unresolved');
        if (!((v.t === 'word' || v.t === 'str') && v.v.toLowerCase() === 'unresolved')) throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; "resolution = ${v.v ?? v.t}" is not.`);
        p++;
      } else if (kw(op, 'is')) {
        const v = expect('EMPTY');
        if (!(kw(v, 'empty') || kw(v, 'null'))) throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; "resolution is ${v.v ?? v.t}" is not.`);
        p++;
      } else throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; the operator '${op.v ?? op.t}' on resolution is not.`);
      out.unresolved = true;
    } else if (name === 'order' || RESERVED.has(name)) {
      fail(field, 'a field name');
    } else {
      throw new JqlError(`Field '${field.v}' does not exist or you do not have permission to view it. (${UNSUPPORTED}.)`);
    }
    const next = peek();
    if (!next) break;
    if (kw(next, 'and')) { p++; continue; }
    if (kw(next, 'order')) {
      p++;
      if (!kw(peek(), 'by')) fail(expect("'by'"), "'by'");
      p++;
      for (;;) {
        const f = expect('a field to order by');
        if (!(f.t === 'word' && ['key', 'assignee', 'id'].includes(f.v.toLowerCase()))) throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; ordering by '${f.v ?? f.t}' is not (key, id or assignee).`);
        p++;
        let desc = false;
        if (kw(peek(), 'asc')) p++;
        else if (kw(peek(), 'desc')) { p++; desc = true; }
        out.order.push({ field: f.v.toLowerCase(), desc });
        if (peek()?.t === ',') { p++; continue; }
        break;
      }
      if (peek()) fail(peek(), 'the end of the query');
      break;
    }
    if (kw(next, 'or') || kw(next, 'not')) throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}; '${next.v.toUpperCase()}' is not.`);
    fail(next, "'AND', 'OR' or 'ORDER BY'");
  }
  return out;
}
