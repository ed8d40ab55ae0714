/*
 * The dashboard: five pages over the server's API (no framework). Every value shown comes
 * from an API answer and goes into the page as text, never as markup.
 */
'use strict';

/* ---- helpers ---- */

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const fmt = {
  p: (x) => (x === null || x === undefined ? '–' : (100 * x).toFixed(1) + '%'),
  n: (x) => (x === null || x === undefined ? '–' : Number(x).toLocaleString('en-US')),
  f: (x, d = 3) => (x === null || x === undefined ? '–' : Number(x).toFixed(d)),
  t: (s) => (s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–'),
};

function key() { return localStorage.getItem('ppredict.key') || ''; }

/* The API: JSON in and out; an error answer becomes an Error with the server's message. */
async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (key()) headers.Authorization = 'Bearer ' + key();
  let body = opts.body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Blob)) {
    body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, { method: opts.method || (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await r.text();
  if (opts.raw) {
    if (!r.ok) throw new Error(`${r.status}: ${text}`);
    return text;
  }
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { throw new Error(`${r.status}: not JSON`); }
  if (!r.ok) {
    const e = new Error((data && data.error && data.error.message) || `HTTP ${r.status}`);
    e.status = r.status;
    throw e;
  }
  return data;
}

/* A panel that shows "loading", then what fill() builds, or the error. */
function panel(title, fill) {
  const body = h('div', { class: 'loading' }, 'Loading…');
  const el = h('section', { class: 'panel' }, title ? h('h2', {}, title) : null, body);
  const run = async () => {
    try {
      const content = await fill();
      if (!el.isConnected && el.dataset.shown) return; /* the page was left meanwhile */
      el.dataset.shown = '1';
      body.className = '';
      body.replaceChildren(...[].concat(content));
    } catch (e) {
      body.className = '';
      body.replaceChildren(h('div', { class: 'error' }, e.message));
    }
  };
  run();
  el.refresh = run;
  return el;
}

function table(cols, rows, onclick) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.num ? 'num' : '' }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', { class: onclick ? 'click' : '', onclick: onclick ? () => onclick(r) : null },
      cols.map((c) => h('td', { class: c.num ? 'num' : '' }, c.cell ? c.cell(r) : r[c.key])))))));
}

function lineChart(el, title, xs, series, opts = {}) {
  const width = Math.max(300, el.clientWidth || 600);
  const plot = new uPlot({
    title, width, height: opts.height || 240,
    scales: { x: { time: !!opts.time } },
    axes: [{ label: opts.xlabel }, { label: opts.ylabel }],
    series: [{}].concat(series.map((s, i) => ({ label: s.label, stroke: s.color || ['#2563eb', '#16a34a', '#dc2626', '#9333ea'][i % 4], width: 2 }))),
  }, [xs].concat(series.map((s) => s.values)), el);
  return plot;
}

/* ---- Live ---- */

function live(main) {
  const history = { t: [], events: [], active: [] };
  const cards = h('div', { class: 'cards' });
  const chartBox = h('div');
  const tableBox = h('div', { class: 'loading' }, 'Loading…');
  let chart = null;
  main.append(cards, h('section', { class: 'panel' }, h('h2', {}, 'Events per minute and active sessions'), chartBox),
    h('section', { class: 'panel' }, h('h2', {}, 'Sessions now, most likely to buy first'), tableBox));
  const tick = async () => {
    try {
      const d = await api('/v1/sessions/live?limit=100');
      const card = (k, v) => h('div', { class: 'card', 'data-card': k }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
      cards.replaceChildren(card('active sessions', fmt.n(d.active)), card('events in the last minute', fmt.n(d.events_last_minute)),
        card('predictions since the server started', fmt.n(d.predictions)), card('mean probability', fmt.p(d.mean_probability)),
        card('above the threshold', fmt.n(d.above_threshold)), card('stream clock', fmt.t(d.now)));
      history.t.push(Date.now() / 1000);
      history.events.push(d.events_last_minute);
      history.active.push(d.active);
      if (history.t.length > 300) for (const k of Object.keys(history)) history[k].shift();
      if (!chart) chart = lineChart(chartBox, '', history.t, [{ label: 'events / min', values: history.events }, { label: 'active sessions', values: history.active }], { time: true });
      else chart.setData([history.t, history.events, history.active]);
      tableBox.className = '';
      tableBox.replaceChildren(d.sessions.length ? table([
        { label: 'session', key: 'session_id' },
        { label: 'visitor', key: 'visitor_id' },
        { label: 'probability', num: true, cell: (r) => h('span', {}, h('span', { class: 'bar', style: `width:${Math.round(80 * (r.probability || 0))}px` }), ' ', fmt.p(r.probability)) },
        { label: 'events', key: 'events', num: true },
        { label: 'carts', key: 'carts', num: true },
        { label: 'bought', cell: (r) => (r.bought ? 'yes' : '') },
        { label: 'last event', cell: (r) => fmt.t(r.last_event) },
      ], d.sessions, (r) => { location.hash = `#predict?session_id=${encodeURIComponent(r.session_id)}&visitor_id=${encodeURIComponent(r.visitor_id)}&item_id=${encodeURIComponent(r.item_id)}`; })
        : h('p', { class: 'muted' }, 'No session is active: post events to /v1/events.'));
    } catch (e) {
      tableBox.className = '';
      tableBox.replaceChildren(h('div', { class: 'error' }, e.message));
    }
  };
  tick();
  const timer = setInterval(tick, 2000);
  return () => { clearInterval(timer); if (chart) chart.destroy(); };
}

/* ---- Predict ---- */

const PRESETS = {
  'cart but no purchase': { s_events: 6, s_views: 5, s_carts: 1, s_removes: 0, s_items: 4, s_dwell_s: 420, v_sessions: 1, v_events: 6, v_purchases: 0, v_carts: 1 },
  'new visitor': { s_events: 1, s_views: 1, s_carts: 0, s_removes: 0, s_items: 1, s_dwell_s: 0, v_sessions: 1, v_events: 1, v_purchases: 0, v_carts: 0 },
  'repeat buyer': { s_events: 4, s_views: 3, s_carts: 1, s_removes: 0, s_items: 3, s_dwell_s: 200, v_sessions: 6, v_events: 40, v_purchases: 3, v_carts: 5 },
};

function gauge(p, threshold) {
  const angle = (x) => Math.PI * (1 - Math.min(1, Math.max(0, x)));
  const pt = (x, r) => [100 + r * Math.cos(angle(x)), 100 - r * Math.sin(angle(x))];
  const arc = (from, to, color) => {
    const [x0, y0] = pt(from, 80), [x1, y1] = pt(to, 80);
    return svg('path', { d: `M${x0},${y0} A80,80 0 0 1 ${x1},${y1}`, stroke: color, 'stroke-width': 18, fill: 'none' });
  };
  const [tx, ty] = pt(threshold, 96), [tx2, ty2] = pt(threshold, 62);
  return svg('svg', { viewBox: '0 0 200 120', width: 260, 'data-probability': p },
    arc(0, 1, '#e5e7eb'), arc(0, p, p >= threshold ? '#16a34a' : '#2563eb'),
    svg('line', { x1: tx, y1: ty, x2: tx2, y2: ty2, stroke: '#b91c1c', 'stroke-width': 2 }),
    svg('text', { x: 100, y: 95, 'text-anchor': 'middle', 'font-size': 22, 'font-weight': 600 }, fmt.p(p)),
    svg('text', { x: 100, y: 114, 'text-anchor': 'middle', 'font-size': 10, fill: '#6b7280' }, `threshold ${fmt.p(threshold)}`));
}

/* The reasons as a waterfall: from the expected margin, each contribution a step. */
function waterfall(base, reasons) {
  const rows = reasons.length + 2, w = 560, rowH = 24, left = 170;
  let x = base;
  const xs = [base];
  for (const r of reasons) { x += r.contribution; xs.push(x); }
  const lo = Math.min(...xs), hi = Math.max(...xs), span = hi - lo || 1;
  const X = (v) => left + 10 + ((v - lo) / span) * (w - left - 60);
  const g = svg('svg', { viewBox: `0 0 ${w} ${rows * rowH}`, width: '100%', class: 'waterfall' });
  g.append(svg('text', { x: left, y: 16, 'text-anchor': 'end', 'font-size': 12 }, 'expected (log-odds)'),
    svg('rect', { x: X(base) - 1, y: 4, width: 2, height: rowH - 8, fill: '#6b7280' }));
  let at = base;
  reasons.forEach((r, i) => {
    const y = (i + 1) * rowH, next = at + r.contribution;
    const label = `${r.feature} = ${r.value === null ? 'missing' : fmt.f(r.value, 3)}`;
    g.append(svg('text', { x: left, y: y + 16, 'text-anchor': 'end', 'font-size': 12 }, label),
      svg('rect', { x: Math.min(X(at), X(next)), y: y + 4, width: Math.max(2, Math.abs(X(next) - X(at))), height: rowH - 8, fill: r.contribution > 0 ? '#16a34a' : '#dc2626' }),
      svg('text', { x: Math.max(X(at), X(next)) + 4, y: y + 16, 'font-size': 11, fill: '#6b7280' }, (r.contribution > 0 ? '+' : '') + fmt.f(r.contribution, 3)));
    at = next;
  });
  const y = (reasons.length + 1) * rowH;
  g.append(svg('text', { x: left, y: y + 16, 'text-anchor': 'end', 'font-size': 12, 'font-weight': 600 }, 'this prediction'),
    svg('rect', { x: X(at) - 1, y: y + 4, width: 2, height: rowH - 8, fill: '#111827' }));
  return g;
}

function predict(main, params) {
  const result = h('div', { id: 'prediction' });
  const form = h('form', { class: 'inline', id: 'by-key' },
    ['session_id', 'visitor_id', 'item_id', 'at'].map((k) => h('label', {}, k, h('input', { name: k, value: params.get(k) || '', placeholder: k === 'at' ? 'now (RFC 3339 or ms)' : '' }))),
    h('button', { type: 'submit' }, 'Predict'));
  const featureBox = h('div', { class: 'features' });
  const presetBox = h('div', { class: 'inline' });
  const fform = h('form', {}, presetBox, featureBox, h('p', {}, h('button', { type: 'submit' }, 'Predict from these features')));
  const batch = h('div');
  main.append(
    h('section', { class: 'panel' }, h('h2', {}, 'A session, a visitor or an item'), form),
    h('section', { class: 'panel' }, h('h2', {}, 'The prediction'), result),
    h('section', { class: 'panel' }, h('h2', {}, 'Features given outright (empty: missing)'), fform),
    h('section', { class: 'panel' }, h('h2', {}, 'A batch (CSV: key columns and features)'), batch));

  const show = async (req, keys) => {
    result.replaceChildren(h('p', { class: 'loading' }, 'Predicting…'));
    try {
      const d = await api('/v1/predict', { body: Object.assign({ explain: true, top: 8 }, req) });
      const recBox = h('div', { class: 'loading' }, keys ? 'Loading…' : '');
      result.replaceChildren(h('div', { class: 'row' },
        h('div', {}, gauge(d.probability, d.threshold),
          h('p', {}, h('span', { class: 'pill ' + (d.label ? 'good' : '') }, d.label ? 'likely to buy' : 'not likely to buy'),
            ' model ', h('code', {}, d.model_version)),
          d.views ? h('p', { class: 'muted' }, d.cold_start ? 'cold start: the session is not known; ' : '',
            'freshness ', d.freshness_ms === null ? '–' : `${fmt.n(d.freshness_ms)} ms`) : null),
        h('div', {}, h('h2', {}, 'Why (TreeSHAP)'), waterfall(d.expected_margin, d.reasons || []))),
        keys ? h('div', {}, h('h2', {}, 'Recommended items'), recBox) : null);
      result.dataset.probability = d.probability;
      if (keys) {
        const q = new URLSearchParams();
        for (const k of ['session_id', 'visitor_id', 'item_id']) if (keys[k]) q.set(k, keys[k]);
        q.set('k', '6');
        try {
          const r = await api('/v1/recommendations?' + q);
          recBox.className = '';
          recBox.replaceChildren(table([{ label: 'item', key: 'item_id' }, { label: 'category', key: 'category_id' },
            { label: 'why', cell: (x) => `${x.reason.replace(/_/g, ' ')}${x.because ? ' ' + x.because : ''}` }], r.recommendations));
        } catch (e) { recBox.className = ''; recBox.replaceChildren(h('div', { class: 'error' }, e.message)); }
      }
    } catch (e) {
      result.replaceChildren(h('div', { class: 'error' }, e.message));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const req = {};
    for (const [k, v] of new FormData(form)) if (v) req[k] = k === 'at' && /^\d+$/.test(v) ? Number(v) : v;
    show(req, req);
  });
  fform.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const features = {};
    for (const inp of featureBox.querySelectorAll('input')) if (inp.value !== '') features[inp.name] = Number(inp.value);
    show({ features }, null);
  });
  api('/v1/features').then((reg) => {
    const names = reg.feature_views.flatMap((v) => v.features.map((f) => f.name));
    featureBox.replaceChildren(...names.map((n) => h('label', {}, n, h('input', { name: n, type: 'number', step: 'any' }))));
    presetBox.replaceChildren(...Object.keys(PRESETS).map((p) => h('button', { type: 'button', class: 'secondary', onclick: () => {
      for (const inp of featureBox.querySelectorAll('input')) inp.value = PRESETS[p][inp.name] ?? '';
    } }, p)), h('button', { type: 'button', class: 'secondary', onclick: () => { for (const inp of featureBox.querySelectorAll('input')) inp.value = ''; } }, 'clear'));
  }).catch((e) => featureBox.replaceChildren(h('div', { class: 'error' }, e.message)));

  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const out = h('div');
  batch.append(h('form', { class: 'inline' }, file, h('button', { type: 'button', onclick: async () => {
    if (!file.files.length) return;
    out.replaceChildren(h('p', { class: 'loading' }, 'Predicting…'));
    try {
      const text = await api('/v1/predict/batch?format=csv', { method: 'POST', body: file.files[0], headers: { 'Content-Type': 'text/csv' }, raw: true });
      const lines = text.trim().split('\n').slice(1).map((l) => {
        const [row, probability, label, ...err] = l.split(',');
        return { row, probability, label, error: err.join(',').replace(/^"|"$/g, '') };
      });
      const link = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: 'predictions.csv' }, 'download the results (CSV)');
      out.replaceChildren(h('p', {}, `${lines.length} rows, ${lines.filter((l) => l.error).length} with errors; `, link),
        table([{ label: 'row', key: 'row', num: true }, { label: 'probability', num: true, cell: (r) => (r.probability ? fmt.p(Number(r.probability)) : '') },
          { label: 'label', key: 'label' }, { label: 'error', key: 'error' }], lines));
    } catch (e) { out.replaceChildren(h('div', { class: 'error' }, e.message)); }
  } }, 'Predict the file')), out);

  if (params.get('session_id') || params.get('visitor_id') || params.get('item_id')) form.requestSubmit();
  return () => {};
}

/* ---- Model ---- */

function model(main) {
  const charts = [];
  const info = panel('The champion', async () => {
    const d = (await api('/v1/model')).model, m = d.metrics_test || {};
    const rep = d.report || {};
    const curves = h('div', { class: 'row' }, h('div', { id: 'roc' }), h('div', { id: 'pr' }));
    const slider = h('input', { type: 'range', min: 0, max: 1, step: 0.005, value: d.threshold, style: 'width:320px', id: 'threshold' });
    const at = h('div', { id: 'at-threshold' });
    const pr = (rep.pr_curve || []).filter((p) => p.length > 2);
    const update = () => {
      /* flagged: every point at or above t; the curve's point with the lowest threshold
       * still at or above it has their recall and precision */
      const t = Number(slider.value);
      let best = [0, 0, 1];
      for (const p of pr) if (p[2] >= t && (p[0] > best[0] || (p[0] === best[0] && p[2] < best[2]))) best = p;
      const [recall, precision] = best, pos = d.positives ? d.positives.test : 0;
      const tp = recall * pos, flagged = precision > 0 ? tp / precision : 0;
      const f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
      if (!recall) {
        at.replaceChildren(h('p', {}, `threshold ${fmt.f(t, 3)}: no point of the test window scores this high`));
        return;
      }
      at.replaceChildren(h('p', {}, `threshold ${fmt.f(t, 3)}: precision ${fmt.p(precision)}, recall ${fmt.p(recall)}, F1 ${fmt.f(f1)}; `,
        `on the test window ${fmt.n(Math.round(flagged))} points flagged, ${fmt.n(Math.round(tp))} of them before a purchase (expected conversions)`));
    };
    slider.addEventListener('input', update);
    const content = [
      h('div', { class: 'cards' },
        ...[['version', d.version], ['test ROC-AUC', fmt.f(m.roc_auc, 4)], ['test PR-AUC', fmt.f(m.pr_auc, 4)], ['log loss', fmt.f(m.logloss, 4)],
          ['threshold', fmt.f(d.threshold, 4)], ['features', d.features],
          ['of the oracle', d.oracle ? fmt.p(d.oracle.test_roc_auc_share) : '–']].map(([k, v]) => h('div', { class: 'card' }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k)))),
      h('p', { class: 'muted' }, d.model, '; test window from ', fmt.t(d.windows && d.windows.test_from), '; loaded ', fmt.t(d.loaded_at)),
      curves, h('p', {}, 'Threshold ', slider), at,
      h('h2', {}, 'What drives it: mean |SHAP| on test rows'),
      table([{ label: 'feature', key: 'feature' }, { label: 'mean |SHAP|', num: true, cell: (r) => h('span', {}, h('span', { class: 'bar', style: `width:${Math.round(200 * r.mean_abs_shap / ((rep.importance || [{}])[0].mean_abs_shap || 1))}px` }), ' ', fmt.f(r.mean_abs_shap)) }], (rep.importance || []).slice(0, 15)),
    ];
    setTimeout(() => {
      const roc = rep.roc_curve || [], prc = rep.pr_curve || [];
      if (roc.length) charts.push(lineChart(curves.children[0], 'ROC (test window)', roc.map((p) => p[0]), [{ label: 'true positive rate', values: roc.map((p) => p[1]) }], { xlabel: 'false positive rate' }));
      if (prc.length) {
        const s = [...prc].sort((a, b) => a[0] - b[0]);
        charts.push(lineChart(curves.children[1], 'Precision-recall (test window)', s.map((p) => p[0]), [{ label: 'precision', values: s.map((p) => p[1]) }], { xlabel: 'recall' }));
      }
      update();
    });
    return content;
  });
  const history = panel('Every version', async () => {
    const d = await api('/v1/models');
    const msg = h('div');
    const act = async (path) => {
      msg.replaceChildren(h('p', { class: 'loading' }, 'Working…'));
      try {
        const r = await api(path, { method: 'POST' });
        msg.replaceChildren(h('p', { class: 'good' }, `${r.champion} is the champion (${r.why})`));
        setTimeout(() => { info.refresh(); history.refresh(); }, 800);
      } catch (e) { msg.replaceChildren(h('div', { class: 'error' }, e.message)); }
    };
    return [msg, table([
      { label: 'version', key: 'version' }, { label: 'stage', cell: (r) => h('span', { class: 'pill ' + (r.stage === 'champion' ? 'good' : '') }, r.stage) },
      { label: 'model', cell: (r) => r.model.slice(0, 50) }, { label: 'ROC-AUC', num: true, cell: (r) => fmt.f(r.test_roc_auc, 4) },
      { label: 'PR-AUC', num: true, cell: (r) => fmt.f(r.test_pr_auc, 4) }, { label: 'promoted by', key: 'promoted_by' },
      { label: '', cell: (r) => (r.stage === 'champion' ? h('button', { class: 'secondary', onclick: () => act('/v1/models/rollback') }, 'roll back')
        : h('button', { class: 'secondary', onclick: () => act(`/v1/models/${encodeURIComponent(r.version)}/promote`) }, 'promote')) },
    ], d.models)];
  });
  main.append(info, history);
  /* new versions and a new champion show without a reload (the charts are drawn again) */
  const timer = setInterval(() => { charts.splice(0).forEach((c) => c.destroy()); info.refresh(); history.refresh(); }, 30000);
  return () => { clearInterval(timer); charts.forEach((c) => c.destroy()); };
}

/* Two distributions side by side, one pair of bars per bin or category. */
function distribution(d) {
  if (!d) return h('p', { class: 'muted' }, 'no distribution in this report');
  const labels = d.categories || d.reference.map((_, i) => `${fmt.f(d.edges[i], 2)}–${fmt.f(d.edges[i + 1], 2)}`);
  const top = Math.max(...d.reference, ...d.current, 1e-9), w = 560, rowH = 18, left = 150;
  const g = svg('svg', { viewBox: `0 0 ${w} ${labels.length * rowH * 2 + 4}`, width: '100%' });
  labels.forEach((l, i) => {
    const y = i * rowH * 2;
    g.append(svg('text', { x: left - 6, y: y + rowH + 4, 'text-anchor': 'end', 'font-size': 11 }, l),
      svg('rect', { x: left, y: y + 2, height: rowH - 4, width: (w - left - 60) * d.reference[i] / top, fill: '#9ca3af' }),
      svg('rect', { x: left, y: y + rowH, height: rowH - 4, width: (w - left - 60) * d.current[i] / top, fill: '#2563eb' }),
      svg('text', { x: left + (w - left - 60) * Math.max(d.reference[i], d.current[i]) / top + 4, y: y + rowH + 4, 'font-size': 10, fill: '#6b7280' },
        `${fmt.p(d.reference[i])} → ${fmt.p(d.current[i])}`));
  });
  return g;
}

/* ---- Data ---- */

function data(main) {
  const charts = [];
  const lake = panel('The lake', async () => {
    const d = await api('/v1/lake');
    return table([{ label: 'table', key: 'table' }, { label: 'version', num: true, cell: (r) => (r.version === null ? 'not made yet' : r.version) },
      { label: 'rows', num: true, cell: (r) => fmt.n(r.rows) }, { label: 'files', num: true, key: 'files' },
      { label: 'MB', num: true, cell: (r) => (r.bytes ? (r.bytes / 1e6).toFixed(1) : '') }, { label: 'newest partition', cell: (r) => r.newest_partition || '' }], d.tables);
  });
  const quality = panel('Data quality', async () => {
    const d = await api('/v1/quality');
    const out = [];
    if (d.checks) {
      const st = d.checks.statistics || {};
      out.push(h('p', {}, `Latest check: ${fmt.n(st.successful_expectations)} of ${fmt.n(st.evaluated_expectations)} expectations met on ${fmt.n(st.tables)} tables `,
        h('span', { class: 'pill ' + (d.checks.success ? 'good' : 'bad') }, d.checks.success ? 'passed' : 'failed')));
      out.push(table([{ label: 'table', cell: (r) => (r.meta && r.meta.batch_spec ? r.meta.batch_spec.table : '') },
        { label: 'rows', num: true, cell: (r) => fmt.n(r.meta && r.meta.batch_spec ? r.meta.batch_spec.rows : null) },
        { label: 'result', cell: (r) => (r.success ? h('span', { class: 'good' }, 'passed') : h('span', { class: 'bad' }, 'failed')) },
        { label: 'expectations', num: true, cell: (r) => (r.statistics ? `${r.statistics.successful_expectations}/${r.statistics.evaluated_expectations}` : '') }], d.checks.suites || []));
    } else out.push(h('p', { class: 'muted' }, 'No check has run (`ppredict check`).'));
    if (d.drift) {
      const dist = h('div', { id: 'distribution' }, h('p', { class: 'muted' }, 'A column\'s row shows its two distributions.'));
      out.push(h('h2', {}, 'Drift: ', d.drift.dataset_drift ? h('span', { class: 'pill bad' }, 'the dataset drifted') : h('span', { class: 'pill good' }, 'no dataset drift')));
      out.push(table([{ label: 'column', key: 'column' }, { label: 'test', key: 'stattest' },
        { label: 'statistic', num: true, cell: (r) => fmt.f(r.statistic, 4) }, { label: 'PSI', num: true, cell: (r) => fmt.f(r.psi, 3) },
        { label: 'drift', cell: (r) => (r.drift_detected ? h('span', { class: 'bad' }, 'yes') : 'no') }], d.drift.columns || [],
      (r) => dist.replaceChildren(h('p', {}, r.column, ': reference ', h('span', { style: 'color:#9ca3af' }, '■'), ' current ', h('span', { style: 'color:#2563eb' }, '■')), distribution(r.distribution))), dist);
    } else out.push(h('p', { class: 'muted' }, 'No drift report yet (`ppredict drift`).'));
    return out;
  });
  const funnel = panel('The daily funnel (warehouse)', async () => {
    const d = await api('/v1/warehouse/funnel');
    const box = h('div', { id: 'funnel' });
    setTimeout(() => {
      const xs = d.map((r) => Date.parse(r.event_date) / 1000);
      charts.push(lineChart(box, '', xs, [{ label: 'carts', values: d.map((r) => r.carts) }, { label: 'purchases', values: d.map((r) => r.purchases) }, { label: 'cart sessions', values: d.map((r) => r.cart_sessions) }], { time: true, height: 220 }));
    });
    return [box, table([{ label: 'day', key: 'event_date' }, { label: 'views', num: true, cell: (r) => fmt.n(r.views) }, { label: 'carts', num: true, cell: (r) => fmt.n(r.carts) },
      { label: 'purchases', num: true, cell: (r) => fmt.n(r.purchases) }, { label: 'sessions', num: true, cell: (r) => fmt.n(r.sessions) },
      { label: 'conversion', num: true, cell: (r) => fmt.p(r.sessions ? r.purchase_sessions / r.sessions : null) }], d.slice().reverse())];
  });
  const top = panel('Top items (warehouse)', async () => table([{ label: 'item', key: 'item_id' }, { label: 'category', key: 'category_id' },
    { label: 'views', num: true, cell: (r) => fmt.n(r.views) }, { label: 'carts', num: true, cell: (r) => fmt.n(r.carts) },
    { label: 'purchases', num: true, cell: (r) => fmt.n(r.purchases) }], await api('/v1/warehouse/top_items?limit=15')));
  /* the event explorer */
  const results = h('div');
  let cursor = null, shown = [];
  const search = async (more) => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(ef)) if (v) q.set(k, v);
    q.set('limit', '50');
    if (more && cursor) q.set('cursor', cursor);
    if (!more) shown = [];
    results.replaceChildren(h('p', { class: 'loading' }, 'Searching…'));
    try {
      const d = await api('/v1/events?' + q);
      shown = shown.concat(d.events);
      cursor = d.next_cursor;
      results.replaceChildren(table([{ label: 'time', cell: (r) => fmt.t(r.ts) }, { label: 'event', key: 'event' }, { label: 'visitor', key: 'visitor_id' },
        { label: 'session', key: 'session_id' }, { label: 'item', key: 'item_id' }, { label: 'price', num: true, cell: (r) => (r.price ?? '') },
        { label: 'from', key: 'from' }], shown), cursor ? h('button', { class: 'secondary', onclick: () => search(true) }, 'older') : h('p', { class: 'muted' }, `${shown.length} events`));
    } catch (e) { results.replaceChildren(h('div', { class: 'error' }, e.message)); }
  };
  const ef = h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); search(false); } },
    ['visitor_id', 'session_id', 'item_id'].map((k) => h('label', {}, k, h('input', { name: k }))),
    h('label', {}, 'event', h('select', { name: 'event' }, ['', 'view', 'addtocart', 'removefromcart', 'transaction'].map((t) => h('option', { value: t }, t || 'any')))),
    h('label', {}, 'from', h('input', { name: 'from', placeholder: '2015-05-01' })), h('label', {}, 'to', h('input', { name: 'to' })),
    h('button', { type: 'submit' }, 'Search'));
  main.append(h('div', { class: 'row' }, lake, quality), funnel, top, h('section', { class: 'panel' }, h('h2', {}, 'Events'), ef, results));
  search(false);
  /* the tables, the checks and the warehouse as they change, without a reload */
  const timer = setInterval(() => { charts.splice(0).forEach((c) => c.destroy()); lake.refresh(); quality.refresh(); funnel.refresh(); top.refresh(); }, 30000);
  return () => { clearInterval(timer); charts.forEach((c) => c.destroy()); };
}

/* ---- Pipeline ---- */

const stateClass = { success: 'good', failed: 'bad', upstream_failed: 'bad', refused: 'warn', running: 'run', queued: '', skipped: '', not_run: '' };
const statePill = (s) => h('span', { class: 'pill ' + (stateClass[s] || '') }, s || '–');
const seconds = (a, b) => (a && b ? ((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1) + ' s' : '');

/* What a task produced, as one line: tables at their versions, the model, the champion. */
function produced(list) {
  return (list || []).map((p) => (p.table ? `${p.table}@${p.version}` : p.model ? `model ${p.model}` : p.champion ? `champion ${p.champion}` : '')).join(', ');
}

/* The DAG drawn in layers: a task one column right of the deepest task it waits for; each
 * box coloured by its state in the run shown. */
function dagPicture(dag, run) {
  const depth = {}, states = {};
  for (const t of (run && run.tasks) || []) states[t.task] = t.state;
  for (const t of dag.tasks) depth[t.name] = Math.max(0, ...t.depends_on.map((d) => depth[d] + 1));
  const cols = [];
  for (const t of dag.tasks) (cols[depth[t.name]] = cols[depth[t.name]] || []).push(t.name);
  const bw = 128, bh = 34, gx = 40, gy = 16, pos = {};
  cols.forEach((c, x) => c.forEach((n, y) => { pos[n] = { x: 10 + x * (bw + gx), y: 10 + y * (bh + gy) }; }));
  const height = 20 + Math.max(...cols.map((c) => c.length)) * (bh + gy);
  const g = svg('svg', { viewBox: `0 0 ${20 + cols.length * (bw + gx)} ${height}`, width: '100%', class: 'dag' });
  const fill = { success: '#dcfce7', failed: '#fee2e2', upstream_failed: '#fee2e2', refused: '#fef3c7', running: '#dbeafe', skipped: '#f3f4f6' };
  for (const t of dag.tasks)
    for (const d of t.depends_on)
      g.append(svg('path', { d: `M${pos[d].x + bw} ${pos[d].y + bh / 2} C${pos[d].x + bw + gx / 2} ${pos[d].y + bh / 2} ${pos[t.name].x - gx / 2} ${pos[t.name].y + bh / 2} ${pos[t.name].x} ${pos[t.name].y + bh / 2}`, fill: 'none', stroke: '#94a3b8' }));
  for (const t of dag.tasks) {
    const st = states[t.name];
    g.append(svg('g', { 'data-task': t.name, 'data-state': st || '' },
      svg('rect', { x: pos[t.name].x, y: pos[t.name].y, width: bw, height: bh, rx: 6, fill: fill[st] || '#fff', stroke: t.soft ? '#b45309' : '#64748b', 'stroke-dasharray': t.soft ? '4 3' : '' }),
      svg('text', { x: pos[t.name].x + bw / 2, y: pos[t.name].y + 15, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600 }, t.name),
      svg('text', { x: pos[t.name].x + bw / 2, y: pos[t.name].y + 28, 'text-anchor': 'middle', 'font-size': 10, fill: '#6b7280' }, st || 'not run yet')));
  }
  return g;
}

function pipeline(main) {
  let shownRun = null, timer = null, left = false;
  const detail = h('div');
  const logBox = h('div');
  const showLog = async (run, task) => {
    logBox.replaceChildren(h('p', { class: 'loading' }, 'Loading the log…'));
    try {
      const text = await api(`/v1/pipeline/runs/${encodeURIComponent(run)}/log?task=${encodeURIComponent(task)}`, { raw: true });
      logBox.replaceChildren(h('h2', {}, `Log of ${task}`), h('pre', { class: 'log' }, text));
    } catch (e) { logBox.replaceChildren(h('div', { class: 'error' }, e.message)); }
  };
  const showRun = (r) => {
    shownRun = r.id;
    detail.replaceChildren(h('h2', {}, `Run ${r.id} `, statePill(r.state)),
      h('p', { class: r.state === 'failed' ? 'bad' : 'warn' }, r.why || ''),
      table([{ label: 'task', key: 'task' }, { label: 'state', cell: (t) => statePill(t.state) }, { label: 'tries', num: true, key: 'tries' },
        { label: 'started', cell: (t) => fmt.t(t.started) }, { label: 'took', num: true, cell: (t) => seconds(t.started, t.ended) },
        { label: 'exit', num: true, cell: (t) => (t.exit_code ?? '') },
        { label: 'produced, or why', cell: (t) => { const v = t.why || produced(t.produced); return h('span', { title: v }, v.length > 110 ? v.slice(0, 110) + '…' : v); } }], r.tasks, (t) => (t.log ? showLog(r.id, t.task) : null)),
      h('p', { class: 'muted' }, 'A task\'s row shows its log.'));
  };
  const dagPanel = panel('The DAG', async () => {
    const [dag, runs] = await Promise.all([api('/v1/pipeline'), api('/v1/pipeline/runs?limit=1')]);
    const last = runs.runs[0];
    return [h('p', {}, `${dag.dag}: "${dag.schedule}" (${dag.timezone}), catchup ${dag.catchup ? 'on' : 'off'}; next run ${dag.next_run ? fmt.t(dag.next_run) : 'never'}; `,
      dag.scheduler ? h('span', { class: 'pill good' }, 'the scheduler runs with this server') : h('span', { class: 'pill' }, 'no scheduler in this server'),
      dag.lock_holder ? h('span', {}, ' · running now: ', h('span', { class: 'pill run' }, dag.lock_holder)) : null),
    dagPicture(dag, last), h('p', { class: 'muted' }, last ? `Colours: run ${last.id}. Dashed: soft tasks (a failure is reported, what follows runs).` : 'No run yet.')];
  });
  /* outside the panels that refresh, so what is typed stays */
  const msg = h('div');
  const form = h('form', { class: 'inline', onsubmit: async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, v] of new FormData(form)) if (v) body[k] = k === 'force' ? true : v;
    msg.replaceChildren(h('p', { class: 'loading' }, 'Starting…'));
    try {
      const r = await api('/v1/pipeline/runs', { body });
      msg.replaceChildren(h('p', { class: 'good' }, `run ${r.run_id} started`));
      shownRun = r.run_id;
      logBox.replaceChildren();
      setTimeout(() => { dagPanel.refresh(); runsPanel.refresh(); }, 700);
    } catch (e) { msg.replaceChildren(h('div', { class: 'error' }, e.message)); }
  } },
  h('label', {}, 'from', h('input', { name: 'from', placeholder: 'newest day' })), h('label', {}, 'to', h('input', { name: 'to' })),
  h('label', {}, 'only (a task)', h('input', { name: 'only', placeholder: 'every task' })),
  h('label', {}, 'force', h('input', { type: 'checkbox', name: 'force', value: '1' })),
  h('button', { type: 'submit', id: 'run-now' }, 'Run now'));
  const runsPanel = panel('Runs', async () => {
    const d = await api('/v1/pipeline/runs?limit=30');
    const running = d.runs.some((r) => r.state === 'running');
    clearTimeout(timer);
    if (!left) timer = setTimeout(() => { dagPanel.refresh(); runsPanel.refresh(); }, running ? 2000 : 15000);
    const again = d.runs.find((r) => r.id === shownRun) || d.runs[0];
    if (again) showRun(again);
    if (!d.runs.length) return h('p', { class: 'muted' }, 'No run yet: `ppredict pipeline run`, the scheduler, or Run now.');
    return table([{ label: 'run', key: 'id' }, { label: 'state', cell: (r) => statePill(r.state) },
      { label: 'data', cell: (r) => `${r.data_start.slice(0, 10)} – ${r.data_end.slice(0, 10)}` }, { label: 'trigger', key: 'trigger' },
      { label: 'started', cell: (r) => fmt.t(r.started) }, { label: 'took', num: true, cell: (r) => seconds(r.started, r.ended) },
      { label: 'why', cell: (r) => (r.why || '').slice(0, 90) }], d.runs, (r) => { logBox.replaceChildren(); showRun(r); });
  });
  main.append(dagPanel, h('section', { class: 'panel' }, h('h2', {}, 'Run the pipeline'), form, msg), runsPanel,
    h('section', { class: 'panel' }, detail, logBox));
  return () => { left = true; clearTimeout(timer); };
}

/* ---- the router ---- */

const pages = { live, predict, model, data, pipeline };
let cleanup = () => {};

function route() {
  const [name, query] = (location.hash.slice(1) || 'live').split('?');
  const page = pages[name] ? name : 'live';
  cleanup();
  const main = document.getElementById('page');
  main.replaceChildren();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === page);
  cleanup = pages[page](main, new URLSearchParams(query || '')) || (() => {});
}

async function served() {
  const el = document.getElementById('served');
  try {
    const d = await api('/v1/model');
    el.textContent = `model ${d.model.version}`;
  } catch (e) {
    el.textContent = e.status === 404 ? 'no model served' : '';
  }
}

document.getElementById('key').value = key();
document.getElementById('key').addEventListener('change', (ev) => { localStorage.setItem('ppredict.key', ev.target.value); route(); served(); });
window.addEventListener('hashchange', route);
route();
served();
