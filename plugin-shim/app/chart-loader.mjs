// Loads Chart.js (its UMD build, the one file that needs no bundler). Jira pages carry an AMD
// loader (`define.amd`), which would make the UMD register an anonymous AMD module instead of
// `window.Chart`; `define` is hidden while the script runs and put back afterwards.
let loading = null;

export function loadChart(url) {
  if (globalThis.Chart) return Promise.resolve(globalThis.Chart);
  loading ??= new Promise((resolve, reject) => {
    const hadDefine = Object.prototype.hasOwnProperty.call(window, 'define');
    const saved = window.define;
    if (hadDefine) window.define = undefined;
    const restore = () => { if (hadDefine) window.define = saved; };
    const s = document.createElement('script');
    s.src = String(url);
    s.async = true;
    s.onload = () => {
      restore();
      if (globalThis.Chart) resolve(globalThis.Chart);
      else reject(new Error('Chart.js loaded but did not define Chart'));
    };
    s.onerror = () => {
      restore();
      reject(new Error(`Chart.js could not be loaded from ${s.src}`));
    };
    document.head.appendChild(s);
  });
  loading.catch(() => { loading = null; });
  return loading;
}
