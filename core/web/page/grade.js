// core/web/page/grade.js: `umllab web --grade DIR`: a grading output
// directory as a sortable table, live while `umllab grade` writes it: from
// summary.json once it is there, before that from each submission's
// report (NAME.txt, NAME.check.json) as it appears.
const $ = (id) => document.getElementById(id);
const state = { rows: [], sortKey: 'submission', sortUp: true, files: {}, reports: {}, updates: 0 };
window.umllabGrade = state;

async function fetchJson(name) {
  const r = await fetch(`grade/${encodeURIComponent(name)}`);
  return r.ok ? r.json() : null;
}

// Rows from the per-submission files while there is no summary yet.
async function rowsFromFiles(files) {
  const rows = [];
  for (const f of files) {
    if (!f.name.endsWith('.txt') || f.name.startsWith('summary')) continue;
    const name = f.name.slice(0, -4);
    const row = { submission: name, status: 'reported', points: '', passed: '', seconds: '', reason: '' };
    const check = files.find((x) => x.name === `${name}.check.json`);
    if (check) {
      const key = `${check.name}@${check.mtime}`;
      if (!(key in state.reports)) state.reports[key] = await fetchJson(check.name);
      const j = state.reports[key];
      if (j) {
        row.status = 'checked';
        row.points = `${j.points}/${j.max_points}`;
        row.passed = `${j.passed}/${j.total}`;
      }
    }
    rows.push(row);
  }
  return rows;
}

function rowsFromSummary(s) {
  return s.submissions.map((x) => ({
    submission: x.submission,
    status: x.status,
    points: `${x.points}/${x.max_points}`,
    pointsN: x.points,
    passed: `${x.passed}/${x.total}`,
    seconds: x.seconds,
    reason: [x.reason, ...(x.failed || []).map((c) => `${c.name}: expected ${c.expected}, saw ${c.seen}`)].filter(Boolean).join('; '),
  }));
}

function render() {
  const key = state.sortKey;
  const num = (v) => (typeof v === 'number' ? v : parseFloat(String(v)) || 0);
  const rows = [...state.rows].sort((a, b) => {
    const va = key === 'points' ? num(a.pointsN ?? a.points) : a[key];
    const vb = key === 'points' ? num(b.pointsN ?? b.points) : b[key];
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return state.sortUp ? c : -c;
  });
  const tbody = $('grade-table').tBodies[0];
  tbody.textContent = '';
  for (const r of rows) {
    const tr = tbody.insertRow();
    tr.dataset.submission = r.submission;
    tr.className = r.status === 'checked' ? 'checked' : 'other';
    for (const k of ['submission', 'status', 'points', 'passed', 'seconds', 'reason']) tr.insertCell().textContent = r[k] ?? '';
    tr.onclick = async () => {
      const res = await fetch(`grade/${encodeURIComponent(`${r.submission}.txt`)}`);
      $('report').textContent = res.ok ? await res.text() : 'no report yet';
    };
  }
}

async function onGrade(m) {
  $('grade-dir').textContent = m.dir;
  state.rows = m.summary ? rowsFromSummary(m.summary) : await rowsFromFiles(m.files);
  state.summary = !!m.summary;
  state.updates++;
  $('grade-state').textContent = `${state.rows.length} submissions${m.summary ? ', summary written' : ', grading…'} (updated ${new Date().toLocaleTimeString()})`;
  render();
}

function main() {
  for (const th of document.querySelectorAll('#grade-table th')) {
    th.onclick = () => {
      state.sortUp = state.sortKey === th.dataset.key ? !state.sortUp : true;
      state.sortKey = th.dataset.key;
      render();
    };
  }
  const u = new URL('ws', location.href);
  u.protocol = 'ws:';
  u.searchParams.set('kind', 'grade');
  const ws = new WebSocket(u);
  ws.onmessage = (ev) => { const m = JSON.parse(ev.data); if (m.t === 'grade') onGrade(m); };
  ws.onclose = () => { $('grade-state').textContent = 'disconnected from umllab web'; };
}

main();
