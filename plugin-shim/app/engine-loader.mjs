// Loads the WebAssembly engine (the wasm-pack `web` build) from the app's download resources.
// Jira serves a download resource with the content type it guesses unless the descriptor sets
// one (reference §5.3): `instantiateStreaming` needs `application/wasm`, so the module is
// compiled from the stream when the type is right and from an ArrayBuffer otherwise.
let loading = null;

/**
 * @param {URL|string} engineBase  folder holding user_cleanup_wasm.js and user_cleanup_wasm_bg.wasm
 * @returns {Promise<{api: object, version: string, loadedVia: 'streaming'|'arrayBuffer', ms: number}>}
 */
export function loadEngine(engineBase, { fetch: f = globalThis.fetch.bind(globalThis) } = {}) {
  loading ??= (async () => {
    const t0 = performance.now();
    const base = new URL(engineBase, document.baseURI);
    const jsUrl = new URL('user_cleanup_wasm.js', base);
    const wasmUrl = new URL('user_cleanup_wasm_bg.wasm', base);
    const [api, resp] = await Promise.all([import(jsUrl.href), f(wasmUrl.href, { credentials: 'same-origin' })]);
    if (!resp.ok) throw engineError(`The engine could not be downloaded (${resp.status} from ${wasmUrl.pathname}).`);
    const type = (resp.headers.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
    let module;
    let loadedVia = 'arrayBuffer';
    if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
      const spare = resp.clone();
      try {
        module = await WebAssembly.compileStreaming(resp);
        loadedVia = 'streaming';
      } catch {
        module = await WebAssembly.compile(await spare.arrayBuffer());
      }
    } else {
      module = await WebAssembly.compile(await resp.arrayBuffer());
    }
    // wasm-bindgen's init instantiates a compiled Module with its own imports.
    await api.default({ module_or_path: module });
    return { api, version: api.version(), loadedVia, ms: Math.round(performance.now() - t0) };
  })();
  loading.catch(() => { loading = null; });
  return loading;
}

/**
 * The engine the page loaded (main.mjs's ctx.engine), as the executor and undo want it: an object
 * with `decide`. Otherwise the loader's own instance (the one main.mjs loaded, when it did).
 */
export async function pageEngine(ctx) {
  if (typeof ctx.engine?.decide === 'function') return ctx.engine;
  return (await loadEngine(ctx.engineBase ?? new URL('../engine/', import.meta.url))).api;
}

function engineError(message) {
  const e = new Error(message);
  e.name = 'UserCleanupError';
  e.code = 'engine.load';
  return e;
}
