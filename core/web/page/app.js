// core/web/page/app.js: the lab page: its topology live (the `watch` feed),
// an instance's console (xterm.js), a cable's or switch's frames, link
// controls, and the lab's checks. Every action is a request that the server
// relays to the lab's supervisor, as the CLI would send it.
import { parseGraph, draw, cableCounts } from './topo.js';
import { loadCommonJs } from './cjs.js';

const $ = (id) => document.getElementById(id);

// Everything the page knows; tests read it (window.umllab).
const state = {
  lab: null, status: null, graph: { roles: {}, trunks: [] }, ifaceKey: '',
  selected: null, labWs: null, nextId: 1, pending: new Map(),
  console: null, consoleText: '', capture: null, checkWs: null, checks: {},
  firstDrawMs: null, draws: 0, lastRound: null, counts: new Map(), busy: new Set(),
};
window.umllab = state;
state.errors = [];
window.addEventListener('error', (e) => { state.errors.push(String(e.message)); log(`error: ${e.message}`); });
window.addEventListener('unhandledrejection', (e) => { state.errors.push(String(e.reason)); log(`error: ${e.reason}`); });

function openWs(params) {
  const u = new URL('ws', location.href);
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  const ws = new WebSocket(u);
  ws.binaryType = 'arraybuffer';
  return ws;
}

function log(msg) {
  const t = new Date().toLocaleTimeString();
  $('log').textContent = `${t} ${msg.trim()}\n${$('log').textContent}`.slice(0, 8000);
}

// ---- the lab: its feed, and requests (stop, start, restart, link) ----

function request(words) {
  return new Promise((resolve) => {
    if (!state.labWs || state.labWs.readyState !== WebSocket.OPEN) {
      resolve({ code: -1, out: '', err: 'not connected' });
      return;
    }
    const id = state.nextId++;
    state.pending.set(id, resolve);
    state.labWs.send([id, ...words].join('\t'));
  });
}

async function act(words) {
  const m = await request(words);
  log(`${words.join(' ')}: ${m.out || ''}${m.err || ''}${m.code ? ` (exit ${m.code})` : ''}`);
  return m;
}

function onLabMessage(ev) {
  const m = JSON.parse(ev.data);
  if (m.t === 'status') {
    state.status = m.d;
    // Cables whose frame counters moved since the last status: drawn busy.
    const counts = cableCounts(m.d);
    state.busy = new Set([...counts].filter(([k, v]) => {
      const was = state.counts.get(k);
      return was && (was[0] !== v[0] || was[1] !== v[1]);
    }).map(([k]) => k));
    state.counts = counts;
    // Interfaces plugged or unplugged: the roles may have changed too.
    const key = m.d.instances.map((i) => `${i.name}:${i.interfaces.map((f) => `${f.iface}@${f.switch}`)}`).join(' ');
    if (key !== state.ifaceKey) {
      state.ifaceKey = key;
      if (state.draws > 0) request(['graph-live']);
    }
    render();
  } else if (m.t === 'reply') {
    if (m.req === 'graph-live' && m.code === 0) {
      state.graph = parseGraph(m.out);
      render();
    }
    const resolve = state.pending.get(m.id);
    state.pending.delete(m.id);
    if (resolve) resolve(m);
  } else if (m.t === 'down') {
    $('lab-state').textContent = `lab ${state.lab} is not running (${m.d}); waiting for it`;
    document.body.classList.add('lab-down');
  } else if (m.t === 'err') {
    log(m.d);
  }
}

function connectLab(name) {
  state.lab = name;
  state.connectMs = performance.now();
  const ws = openWs({ kind: 'lab', lab: name });
  ws.onmessage = onLabMessage;
  ws.onclose = () => { $('lab-state').textContent = 'disconnected from umllab web (is it still running?)'; };
  state.labWs = ws;
}

function render() {
  const s = state.status;
  if (!s) return;
  document.body.classList.remove('lab-down');
  const running = s.instances.filter((i) => i.state === 'running').length;
  $('lab-state').textContent = `lab ${s.lab}: ${running} of ${s.instances.length} instances running`;
  draw($('topo'), s, state.graph, state.selected, select, state.busy);
  if (state.firstDrawMs === null) state.firstDrawMs = performance.now();
  state.draws++;
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  updatePanel();
}

// ---- what is selected: an instance, a cable, a switch ----

function instanceOf(name) {
  return state.status && state.status.instances.find((i) => i.name === name);
}

function select(sel) {
  const same = state.selected && sel && state.selected.kind === sel.kind && state.selected.name === sel.name;
  state.selected = sel;
  render();
  if (same) return;
  $('hint').hidden = !!sel;
  $('inst-panel').hidden = !(sel && sel.kind === 'instance');
  $('cable-panel').hidden = !(sel && sel.kind === 'cable');
  $('capture-panel').hidden = !(sel && (sel.kind === 'cable' || sel.kind === 'switch'));
  if (sel && sel.kind === 'instance') openConsole(sel.name);
  else closeConsole();
  // A capture goes on behind an instance's console: back on its cable or
  // switch, what crossed meanwhile is there (a handout pings from the
  // console, then reads the frames). Another target starts another.
  const c = state.capture;
  if (sel && sel.kind !== 'instance' && !(c && c.target === sel.name)) startCapture(sel.name);
  else if (!sel) stopCapture(true);
}

function updatePanel() {
  const sel = state.selected;
  if (!sel) return;
  if (sel.kind === 'instance') {
    const i = instanceOf(sel.name);
    $('inst-title').textContent = sel.name;
    $('inst-info').textContent = i ? `${i.state}${i.pid ? `, pid ${i.pid}` : ''}, up ${i.uptime_s} s, ${i.restarts} restarts${i.cause ? `; ${i.cause}` : ''}` : 'gone';
  } else if (sel.kind === 'cable') {
    const [inst, iface] = sel.name.split('.');
    const i = instanceOf(inst);
    const f = i && i.interfaces.find((x) => x.iface === iface);
    const l = !f && (state.status.links || []).find((x) => x.name === sel.name);
    const cond = (c) => (c ? `; ${c}` : '; no conditions');
    const dropped = (n) => (n ? `, ${n} dropped by its conditions` : '');
    if (f) {
      $('cable-title').textContent = `${sel.name} (${f.switch})`;
      $('cable-info').textContent = `link ${f.link}${f.ip ? `, ${f.ip}` : ''}, ${f.mac}${cond(f.conditions)}`;
      $('cable-frames').textContent = `frames: ${f.frames_out} sent by ${inst}, ${f.frames_in} delivered to it${dropped(f.frames_dropped)}`;
    } else if (l) {
      $('cable-title').textContent = `${sel.name} (switch ${l.a} to switch ${l.b})`;
      $('cable-info').textContent = `link ${l.link}${l.connected ? '' : ' (not connected)'}${cond(l.conditions)}`;
      $('cable-frames').textContent = `frames: ${l.frames_ab} from ${l.a} to ${l.b}, ${l.frames_ba} from ${l.b} to ${l.a}${dropped(l.frames_dropped)}`;
    } else {
      $('cable-title').textContent = sel.name;
      $('cable-info').textContent = 'gone';
      $('cable-frames').textContent = '';
    }
  }
}

// ---- a console: xterm.js over a WebSocket relaying `umllab console` ----

async function terminalClass() {
  if (!state.Terminal) state.Terminal = await loadCommonJs('xterm/lib/', 'xterm.js');
  return state.Terminal;
}

function closeConsole() {
  const c = state.console;
  state.console = null;
  if (!c) return;
  c.ws.close();
  if (c.term) c.term.destroy();
  $('console').textContent = '';
}

async function openConsole(name) {
  closeConsole();
  const c = { name, ws: openWs({ kind: 'console', lab: state.lab, arg: name }), term: null, buf: [] };
  state.console = c;
  state.consoleText = '';
  $('console-note').textContent = `${name}'s console (the guest's root shell); it stays attached across restarts`;
  const decoder = new TextDecoder();
  c.ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') {
      const m = JSON.parse(ev.data);
      const note = m.t === 'end' ? `[console closed, exit ${m.code}]` : `[umllab: ${m.d}]`;
      $('console-note').textContent = note;
      return;
    }
    const text = decoder.decode(new Uint8Array(ev.data), { stream: true });
    state.consoleText = (state.consoleText + text).slice(-200000);
    if (c.term) c.term.write(text);
    else c.buf.push(text);
  };
  let Terminal;
  try {
    Terminal = await terminalClass();
  } catch (e) {
    $('console-note').textContent = String(e);
    return;
  }
  if (state.console !== c) return;
  const term = new Terminal({ cols: 80, rows: 24, rendererType: 'dom', fontSize: 13, scrollback: 2000 });
  term.open($('console'));
  for (const t of c.buf) term.write(t);
  c.buf = [];
  term.on('data', (d) => { if (c.ws.readyState === WebSocket.OPEN) c.ws.send(d); });
  term.focus();
  c.term = term;
}

// ---- frames: `umllab capture` of a cable or a switch, as lines and pcapng ----

function stopCapture(forget) {
  const c = state.capture;
  if (!c) return;
  if (c.ws.readyState === WebSocket.OPEN) c.ws.send('stop');
  if (forget) {
    c.ws.close();
    state.capture = null;
  }
}

function startCapture(target) {
  stopCapture(true);
  const filter = $('capture-filter').value.trim();
  const c = { target, filter, ws: openWs({ kind: 'capture', lab: state.lab, arg: target, filter }), chunks: [], lines: [] };
  state.capture = c;
  const out = $('capture-lines');
  out.textContent = '';
  $('capture-count').textContent = `capturing ${target}${filter ? ` (${filter})` : ''}`;
  const add = (line) => {
    c.lines.push(line);
    if (c.lines.length > 5000) c.lines.shift();
    const atEnd = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
    out.appendChild(document.createTextNode(`${line}\n`));
    while (out.childNodes.length > 2000) out.removeChild(out.firstChild);
    if (atEnd) out.scrollTop = out.scrollHeight;
  };
  c.ws.onmessage = (ev) => {
    if (state.capture !== c) return;
    if (typeof ev.data !== 'string') {
      c.chunks.push(ev.data);
      return;
    }
    const m = JSON.parse(ev.data);
    if (m.t === 'lines') m.d.forEach(add);
    else if (m.t === 'err') add(`-- ${m.d}`);
    else if (m.t === 'end') $('capture-count').textContent = `capture of ${target} ended`;
  };
}

function downloadCapture() {
  const c = state.capture;
  if (!c || c.chunks.length === 0) {
    log('nothing captured yet');
    return;
  }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob(c.chunks, { type: 'application/octet-stream' }));
  a.download = `${state.lab}-${c.target}.pcapng`;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// ---- checks: once, or again and again (as `check --watch`) ----

function checkRow(m) {
  const tbody = $('checks').tBodies[0];
  let tr = [...tbody.rows].find((r) => r.dataset.check === m.name);
  if (!tr) {
    tr = tbody.insertRow();
    tr.dataset.check = m.name;
    for (let k = 0; k < 4; k++) tr.insertCell();
    tr.cells[0].className = 'verdict';
  }
  const before = state.checks[m.name];
  state.checks[m.name] = m.passed;
  tr.className = m.passed ? 'pass' : 'fail';
  if (before !== undefined && before !== m.passed) log(`check "${m.name}": ${m.passed ? 'now passes' : 'now fails'}`);
  tr.cells[0].textContent = m.passed ? 'pass' : 'FAIL';
  tr.cells[1].textContent = m.name;
  tr.cells[2].textContent = `${m.points}/${m.max_points}`;
  tr.cells[3].textContent = m.passed ? (m.seen || '') : `expected ${m.expected}; saw ${m.seen}`;
}

function runChecks(watch) {
  if (state.checkWs) state.checkWs.close();
  const ws = openWs({ kind: 'check', lab: state.lab, watch: watch ? '1' : '0' });
  state.checkWs = ws;
  $('check-summary').textContent = 'running…';
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.t === 'check') checkRow(m);
    else if (m.t === 'round') {
      state.lastRound = m;
      $('check-summary').textContent = `${m.passed} of ${m.total} passed${m.watch ? ` (round ${m.round}, again every 2 s)` : ''}`;
    } else if (m.t === 'err') log(m.d);
  };
}

// ---- wiring ----

function wire() {
  const inst = () => state.selected && state.selected.name;
  $('inst-stop').onclick = () => act(['stop', inst()]);
  $('inst-start').onclick = () => act(['start', inst()]);
  $('inst-restart').onclick = () => act(['restart', inst()]);
  const cable = () => state.selected.name.split('.');
  $('link-down').onclick = () => act(['link', ...cable(), 'down']);
  $('link-up').onclick = () => act(['link', ...cable(), 'up']);
  $('cond-apply').onclick = () => {
    const words = [];
    for (const k of ['delay', 'loss', 'rate']) {
      const v = $(`cond-${k}`).value.trim();
      if (v) words.push(k, v);
    }
    if (words.length) act(['link', ...cable(), 'set', ...words]);
  };
  $('cond-clear').onclick = () => act(['link', ...cable(), 'clear']);
  $('capture-start').onclick = () => state.selected && startCapture(state.selected.name);
  $('capture-filter').onkeydown = (e) => { if (e.key === 'Enter' && state.selected) startCapture(state.selected.name); };
  $('capture-stop').onclick = () => stopCapture(false);
  $('capture-download').onclick = downloadCapture;
  $('check-run').onclick = () => runChecks($('check-watch').checked);
  $('check-watch').onchange = (e) => {
    if (e.target.checked) runChecks(true);
    else if (state.checkWs) {
      state.checkWs.close();
      $('check-summary').textContent = $('check-summary').textContent.replace(/, again every 2 s/, ', stopped');
    }
  };
  $('topo').addEventListener('click', () => select(null));
}

async function main() {
  wire();
  const info = await (await fetch('api/labs')).json();
  const labs = info.lab ? [info.lab] : info.labs;
  const want = decodeURIComponent(location.hash.slice(1)) || info.lab || labs[0];
  const sel = $('lab-select');
  for (const l of labs) sel.add(new Option(l, l, false, l === want));
  sel.onchange = () => { location.hash = sel.value; location.reload(); };
  if (!want) {
    $('lab-state').textContent = 'no lab is running: start one with `umllab up FILE`, then reload';
    return;
  }
  connectLab(want);
}

main();
