// Response and request helpers shared by the routes.

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** Jira's standard error body. */
export function errorBody(messages, errors = {}) {
  return { errorMessages: Array.isArray(messages) ? messages : [messages], errors };
}

export function sendJson(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res, status, messages, errors, headers) {
  sendJson(res, status, errorBody(messages, errors), headers);
}

export function sendText(res, status, text, type = 'text/plain;charset=UTF-8', headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res, status, headers = {}) {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

/** An HTTP error a handler throws; the server turns it into Jira's error body. */
export class HttpError extends Error {
  constructor(status, messages, errors = {}) {
    super(Array.isArray(messages) ? messages.join('; ') : messages);
    this.status = status;
    this.messages = Array.isArray(messages) ? messages : [messages];
    this.errors = errors;
  }
}

export function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, 'Request entity too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseCookies(header) {
  const out = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Integer query parameter; undefined when absent; HttpError 400 when not a number. */
export function intParam(q, name, dflt) {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  if (!/^-?\d+$/.test(v)) throw new HttpError(400, `The value '${v}' is not valid for parameter '${name}'.`);
  return Number(v);
}

export function boolParam(q, name, dflt) {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  return v.toLowerCase() === 'true';
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
