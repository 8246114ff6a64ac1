// core/web/page/cjs.js: load Debian's xterm.js (node-xterm's CommonJS modules,
// served by umllab web from /usr/share/nodejs/xterm/lib) in the browser
// without a build step: fetch a module and, recursively, what it requires,
// then run them in order. Debian 12's libjs-xterm ships only a stub bundle.

function resolve(from, spec) {
  if (!spec.startsWith('.')) throw new Error(`xterm: cannot load module ${spec}`);
  const parts = from.split('/').slice(0, -1);
  for (const p of spec.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.') parts.push(p);
  }
  const path = parts.join('/');
  return path.endsWith('.js') ? path : `${path}.js`;
}

export async function loadCommonJs(base, entry) {
  const sources = new Map();
  async function fetchOne(path) {
    if (sources.has(path)) return;
    sources.set(path, null);
    const r = await fetch(base + path);
    if (!r.ok) throw new Error(`xterm: ${base}${path}: HTTP ${r.status} (is node-xterm installed?)`);
    const text = await r.text();
    sources.set(path, text);
    const deps = [...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => resolve(path, m[1]));
    await Promise.all(deps.map(fetchOne));
  }
  await fetchOne(entry);
  const modules = new Map();
  function load(path) {
    if (modules.has(path)) return modules.get(path).exports;
    const module = { exports: {} };
    modules.set(path, module);
    // eslint-disable-next-line no-new-func
    const run = new Function('require', 'module', 'exports', `${sources.get(path)}\n//# sourceURL=xterm/${path}`);
    run((spec) => load(resolve(path, spec)), module, module.exports);
    return module.exports;
  }
  return load(entry);
}
