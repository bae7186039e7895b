// Plugin download resources, served the way Jira does:
//   /download/resources/{pluginKey}:{moduleKey}/{name}
//   /s/{hash}/{build}/{version}/_/download/resources/{pluginKey}:{moduleKey}/{name}  (cached form)
// `resources` maps "pluginKey:moduleKey" to a directory (absolute path) or to an object
// { name: string | Buffer }. Anything else is 404.
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep, extname } from 'node:path';
import { sendText } from './http.mjs';

const TYPES = {
  '.wasm': 'application/wasm',
  '.js': 'application/javascript;charset=UTF-8',
  '.mjs': 'application/javascript;charset=UTF-8',
  '.css': 'text/css;charset=UTF-8',
  '.html': 'text/html;charset=UTF-8',
  '.htm': 'text/html;charset=UTF-8',
  '.json': 'application/json;charset=UTF-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.map': 'application/json;charset=UTF-8',
  '.txt': 'text/plain;charset=UTF-8',
};

const PATTERN = /^(?:\/s\/.+?\/_)?\/download\/resources\/([^/:]+):([^/]+)\/(.+)$/;

export function isResourcePath(pathname) {
  return PATTERN.test(pathname);
}

/** Serves a resource request; `wasmContentType` lets tests emulate a Jira that does not know .wasm. */
export async function serveResource(req, res, pathname, resources = {}, { wasmContentType = 'application/wasm' } = {}) {
  const m = PATTERN.exec(pathname);
  const notFound = () => sendText(res, 404, 'Not Found');
  if (!m) return notFound();
  let name;
  try {
    name = decodeURIComponent(m[3]);
  } catch {
    return notFound();
  }
  const src = resources[`${m[1]}:${m[2]}`];
  if (!src || name.includes('\0')) return notFound();
  let body;
  if (typeof src === 'string') {
    const root = resolve(src);
    const file = resolve(root, name);
    if (!file.startsWith(root + sep)) return notFound();
    try {
      if (!(await stat(file)).isFile()) return notFound();
      body = await readFile(file);
    } catch {
      return notFound();
    }
  } else if (Object.hasOwn(src, name)) {
    body = Buffer.isBuffer(src[name]) ? src[name] : Buffer.from(String(src[name]));
  } else return notFound();
  const ext = extname(name).toLowerCase();
  const type = ext === '.wasm' ? wasmContentType : TYPES[ext] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': m[0].startsWith('/s/') ? 'max-age=31536000, public' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
