// core/web/page/topo.js: the lab drawn as SVG from its status (`watch`, as
// `status --json`) and its graph (`graph-live`): switches on a grid,
// each with its hosts around it (turned away from the cables between
// switches), routers above the switches they join; every cable with its
// state, conditions and frame counters.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, parent, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// Roles from the graph-live text: "instance NAME STATE router|host".
export function parseGraph(text) {
  const roles = {};
  const trunks = [];
  for (const line of (text || '').split('\n')) {
    const w = line.split(' ');
    if (w[0] === 'instance' && w.length >= 4) roles[w[1]] = w[3];
    if (w[0] === 'trunk' && w.length >= 5) trunks.push({ sw: w[1], vni: w[2], remote: w[4] });
  }
  return { roles, trunks };
}

export function layout(status, graph) {
  const switches = status.switches.map((s) => s.name);
  const bySwitch = new Map(switches.map((s) => [s, []]));
  const routers = [];
  const loose = [];
  for (const inst of status.instances) {
    const sws = [...new Set(inst.interfaces.map((i) => i.switch))].filter((s) => bySwitch.has(s));
    if (sws.length === 0) loose.push(inst.name);
    else if (sws.length === 1 && graph.roles[inst.name] !== 'router') bySwitch.get(sws[0]).push(inst.name);
    else routers.push({ name: inst.name, sws });
  }
  const pos = {};
  // Each switch's hosts around it (two: either side, as figure 1 is drawn);
  // the switches on a grid of cells large enough for the largest circle.
  const R = (n) => (n <= 2 ? 210 : Math.max(130, (n * 75) / (2 * Math.PI)));
  const cell = 2 * Math.max(...switches.map((s) => R(bySwitch.get(s).length)), 130) + 100;
  const cols = Math.max(1, Math.ceil(Math.sqrt(switches.length)));
  switches.forEach((s, k) => {
    pos[s] = { x: (k % cols) * cell, y: Math.floor(k / cols) * cell };
  });
  // Cables between switches: a switch's hosts turn away from them, so that
  // no host sits on such a cable.
  const away = new Map(switches.map((s) => [s, []]));
  for (const l of status.links || []) {
    if (!pos[l.a] || !pos[l.b]) continue;
    away.get(l.a).push(Math.atan2(pos[l.b].y - pos[l.a].y, pos[l.b].x - pos[l.a].x));
    away.get(l.b).push(Math.atan2(pos[l.a].y - pos[l.b].y, pos[l.a].x - pos[l.b].x));
  }
  const gap = (a, b) => {
    const d = Math.abs(a - b) % (2 * Math.PI);
    return Math.min(d, 2 * Math.PI - d);
  };
  switches.forEach((s) => {
    const { x, y } = pos[s];
    const hosts = bySwitch.get(s);
    const r = R(hosts.length);
    const base = hosts.map((_, i) => (hosts.length <= 2 ? Math.PI * (1 - i) : (2 * Math.PI * i) / hosts.length + Math.PI / 2));
    let turn = 0;
    if (away.get(s).length > 0 && hosts.length > 0) {
      let best = -1;
      for (let k = 0; k < 36; k++) {
        const t = (k * Math.PI) / 18;
        const worst = Math.min(...base.flatMap((a) => away.get(s).map((b) => gap(a + t, b))));
        if (worst > best + 1e-9) { best = worst; turn = t; }
      }
    }
    hosts.forEach((name, i) => {
      const a = base[i] + turn;
      pos[name] = { x: x + r * Math.cos(a), y: y + r * Math.sin(a) };
    });
  });
  routers.forEach((rt, i) => {
    const xs = rt.sws.map((s) => pos[s].x);
    const ys = rt.sws.map((s) => pos[s].y);
    pos[rt.name] = { x: xs.reduce((a, b) => a + b, 0) / xs.length + (xs.length === 1 ? 0 : 0), y: Math.min(...ys) - 150 - (i % 3) * 70 };
  });
  loose.forEach((name, i) => { pos[name] = { x: 80 + i * 140, y: -320 }; });
  return pos;
}

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : `${n}`;
}

// A cable's frame counters, as the feed gives them (status --json): an
// instance's cable counts what its instance sent (out) and got (in); a
// cable between switches what went each way.
export function cableCounts(status) {
  const counts = new Map();
  for (const inst of status.instances) {
    for (const f of inst.interfaces) {
      counts.set(`${inst.name}.${f.iface}`, [f.frames_out || 0, f.frames_in || 0, f.frames_dropped || 0]);
    }
  }
  for (const l of status.links || []) counts.set(l.name, [l.frames_ab || 0, l.frames_ba || 0, l.frames_dropped || 0]);
  return counts;
}

// Draw into svg; onSelect({kind, name}) on clicks; selected is highlighted;
// busy: the cables whose counters moved since the last status.
export function draw(svg, status, graph, selected, onSelect, busy) {
  const pos = layout(status, graph);
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const xs = Object.values(pos).map((p) => p.x);
  const ys = Object.values(pos).map((p) => p.y);
  // Small labs are not blown up: at least 760 x 420 units, centred.
  let minX = Math.min(...xs, 0) - 120;
  let minY = Math.min(...ys, 0) - 70;
  let w = Math.max(...xs, 0) - minX + 120;
  let h = Math.max(...ys, 0) - minY + 70;
  if (w < 760) { minX -= (760 - w) / 2; w = 760; }
  if (h < 420) { minY -= (420 - h) / 2; h = 420; }
  svg.setAttribute('viewBox', `${minX} ${minY} ${w} ${h}`);
  const cables = el('g', { class: 'cables' }, svg);
  const nodes = el('g', { class: 'nodes' }, svg);
  const dense = status.instances.length > 24;
  const isSel = (kind, name) => selected && selected.kind === kind && selected.name === name;
  const click = (g, kind, name) => {
    g.addEventListener('click', (ev) => { ev.stopPropagation(); onSelect({ kind, name }); });
  };
  for (const inst of status.instances) {
    const a = pos[inst.name];
    for (const f of inst.interfaces) {
      const b = pos[f.switch];
      if (!a || !b) continue;
      const name = `${inst.name}.${f.iface}`;
      const down = f.link === 'down' || inst.state !== 'running';
      const out = f.frames_out || 0;
      const got = f.frames_in || 0;
      const drop = f.frames_dropped || 0;
      const g = el('g', {
        class: `cable ${down ? 'link-down' : 'link-up'}${f.conditions ? ' has-cond' : ''}${busy && busy.has(name) ? ' busy' : ''}${isSel('cable', name) ? ' selected' : ''}`,
        'data-cable': name,
        'data-link': f.link,
        'data-frames-out': out,
        'data-frames-in': got,
        'data-frames-dropped': drop,
      }, cables);
      el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'hit' }, g);
      el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'wire' }, g);
      const lx = a.x + (b.x - a.x) * 0.45;
      const ly = a.y + (b.y - a.y) * 0.45;
      const counts = `sent ${fmt(out)} got ${fmt(got)}${drop ? ` dropped ${fmt(drop)}` : ''}`;
      // Under the cable: its counters, then what is unusual about it.
      let under = ly + 12;
      const below = (cls, text) => { el('text', { x: lx, y: under, class: `label ${cls}` }, g, text); under += 14; };
      if (!dense) {
        el('text', { x: lx, y: ly - 6, class: 'label' }, g, `${f.iface} ${f.ip || ''}`);
        below('frames', counts);
      }
      if (f.link === 'down') below('warn', 'link down');
      if (f.conditions) below('cond', f.conditions);
      el('title', {}, g, `${name} (${f.switch}): link ${f.link}${f.conditions ? `, ${f.conditions}` : ''}; ${inst.name} ${counts} frames`);
      click(g, 'cable', name);
    }
  }
  // Cables between switches: each once, named as the switch that declares it.
  for (const l of status.links || []) {
    const a = pos[l.a];
    const b = pos[l.b];
    if (!a || !b) continue;
    const ab = l.frames_ab || 0;
    const ba = l.frames_ba || 0;
    const drop = l.frames_dropped || 0;
    const g = el('g', {
      class: `cable swlink ${l.link === 'down' || !l.connected ? 'link-down' : 'link-up'}${l.conditions ? ' has-cond' : ''}${busy && busy.has(l.name) ? ' busy' : ''}${isSel('cable', l.name) ? ' selected' : ''}`,
      'data-cable': l.name,
      'data-link': l.link,
      'data-frames-out': ab,
      'data-frames-in': ba,
      'data-frames-dropped': drop,
    }, cables);
    el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'hit' }, g);
    el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'wire' }, g);
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    const counts = `${l.a}\u2192${l.b} ${fmt(ab)}, ${l.b}\u2192${l.a} ${fmt(ba)}${drop ? `, dropped ${fmt(drop)}` : ''}`;
    let under = my + 12;
    const below = (cls, text) => { el('text', { x: mx, y: under, class: `label ${cls}` }, g, text); under += 14; };
    el('text', { x: mx, y: my - 6, class: 'label frames' }, g, counts);
    if (l.link === 'down') below('warn', 'link down');
    if (l.conditions) below('cond', l.conditions);
    el('title', {}, g, `${l.a}-${l.b}: link ${l.link}${l.conditions ? `, ${l.conditions}` : ''}; frames ${counts}`);
    click(g, 'cable', l.name);
  }
  for (const s of status.switches) {
    const p = pos[s.name];
    const g = el('g', {
      class: `switch${isSel('switch', s.name) ? ' selected' : ''}`,
      'data-switch': s.name,
      transform: `translate(${p.x},${p.y})`,
    }, nodes);
    el('rect', { x: -55, y: -22, width: 110, height: 44, rx: 8 }, g);
    el('text', { y: -4, class: 'name' }, g, `${s.name} (${s.mode})`);
    el('text', { y: 13, class: 'counters' }, g,
      `in ${fmt(s.frames_in)} out ${fmt(s.frames_out)}${s.frames_dropped ? ` drop ${fmt(s.frames_dropped)}` : ''}`);
    click(g, 'switch', s.name);
  }
  for (const inst of status.instances) {
    const p = pos[inst.name];
    const router = graph.roles[inst.name] === 'router';
    const g = el('g', {
      class: `instance state-${inst.state}${router ? ' router' : ''}${isSel('instance', inst.name) ? ' selected' : ''}`,
      'data-instance': inst.name,
      'data-state': inst.state,
      transform: `translate(${p.x},${p.y})`,
    }, nodes);
    if (router) el('circle', { r: 30 }, g);
    else el('rect', { x: -45, y: -24, width: 90, height: 48, rx: 4 }, g);
    el('text', { y: -3, class: 'name' }, g, inst.name);
    el('text', { y: 14, class: 'state' }, g, inst.state);
    el('title', {}, g, `${inst.name}: ${inst.state}${inst.cause ? ` (${inst.cause})` : ''}, ${inst.restarts} restarts; ${inst.interfaces.map((f) => `${f.iface} ${f.ip || '-'}`).join(', ')}`);
    click(g, 'instance', inst.name);
  }
}
