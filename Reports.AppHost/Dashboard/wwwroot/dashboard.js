// The developer dashboard: plain JavaScript over the AppHost's JSON API, refreshed by polling.
'use strict';

const $ = selector => document.querySelector(selector);
const palette = ['#6f42c1', '#0969da', '#1a7f37', '#bc4c00', '#cf222e', '#8250df', '#116329', '#953800', '#0550ae', '#a40e26'];
const colorOf = name => palette[[...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % palette.length];
const esc = text => String(text ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const time = iso => new Date(iso).toLocaleTimeString(undefined, { hour12: false }) + '.' + String(new Date(iso).getMilliseconds()).padStart(3, '0');
const ms = value => value >= 1000 ? (value / 1000).toFixed(2) + ' s' : value.toFixed(value < 10 ? 2 : 0) + ' ms';
const get = async url => { const r = await fetch(url); if (!r.ok) throw new Error(url + ': ' + r.status); return r.json(); };

let view = 'resources';
let resources = [];
const consoleState = { resource: '', after: 0 };
const logState = { after: 0, key: '' };

function route() {
  const hash = location.hash.slice(1) || 'resources';
  const [name, argument] = hash.split('/');
  view = name;
  document.querySelectorAll('.view').forEach(v => v.classList.toggle('active', v.id === name));
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.dataset.view === (name === 'trace' ? 'traces' : name)));
  if (name === 'trace') showTrace(argument);
  if (name === 'console' && argument) { $('#console-resource').value = argument; }
  refresh();
}

async function refresh() {
  try {
    resources = await get('/api/resources');
    fillResourceSelects();
    if (view === 'resources') renderResources();
    if (view === 'console') await pollConsole();
    if (view === 'logs') await pollLogs();
    if (view === 'traces') await renderTraces();
    if (view === 'metrics') await renderMetrics();
  } catch (e) { console.warn(e); }
}

function fillResourceSelects() {
  const names = resources.map(r => r.name);
  const services = [...new Set(resources.filter(r => r.type === 'Project').map(r => r.name.replace(/-\d+$/, '')))];
  fill($('#console-resource'), names, false);
  for (const id of ['#log-resource', '#trace-resource']) fill($(id), [...services, ...names.filter(n => !services.includes(n) && resources.find(r => r.name === n).type === 'Project')], true);
}

function fill(select, values, withAll) {
  const wanted = (withAll ? [''] : []).concat(values);
  const have = [...select.options].map(o => o.value);
  if (wanted.join('|') === have.join('|')) return;
  const current = select.value;
  select.innerHTML = wanted.map(v => `<option value="${esc(v)}">${v === '' ? '(all)' : esc(v)}</option>`).join('');
  if (wanted.includes(current)) select.value = current;
}

function renderResources() {
  $('#resource-table tbody').innerHTML = resources.map(r => `
    <tr data-name="${esc(r.name)}">
      <td><a href="#console/${esc(r.name)}">${esc(r.name)}</a></td><td>${esc(r.type)}</td>
      <td class="state-${r.state}">${r.state}</td><td class="health-${r.health}">${r.health}</td>
      <td>${r.pid ?? ''}</td><td>${r.endpoint ? (r.endpoint.startsWith('http') ? `<a href="${esc(r.endpoint)}" target="_blank">${esc(r.endpoint)}</a>` : esc(r.endpoint)) : ''}</td>
      <td>${r.restarts}</td><td>${r.exitCode ?? ''}</td>
      <td>${r.canStop ? `<button data-command="stop">Stop</button>` : ''}${r.canStart ? `<button data-command="start">Start</button>` : ''}</td>
    </tr>`).join('');
}

$('#resource-table').addEventListener('click', async event => {
  const button = event.target.closest('button[data-command]');
  if (!button) return;
  const name = button.closest('tr').dataset.name;
  button.disabled = true;
  await fetch(`/api/resources/${encodeURIComponent(name)}/${button.dataset.command}`, { method: 'POST' });
  setTimeout(refresh, 300);
});

async function pollConsole() {
  const resource = $('#console-resource').value;
  if (!resource) return;
  const output = $('#console-output');
  if (resource !== consoleState.resource) { consoleState.resource = resource; consoleState.after = 0; output.textContent = ''; }
  const lines = await get(`/api/console/${encodeURIComponent(resource)}?after=${consoleState.after}`);
  if (lines.length === 0) return;
  const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 20;
  output.textContent += lines.map(l => l.text).join('\n') + '\n';
  consoleState.after = lines[lines.length - 1].sequence;
  if (atBottom) output.scrollTop = output.scrollHeight;
}
$('#console-resource').addEventListener('change', () => { location.hash = 'console/' + $('#console-resource').value; });

async function pollLogs() {
  const query = new URLSearchParams({ resource: $('#log-resource').value, level: $('#log-level').value, text: $('#log-text').value });
  const key = query.toString();
  const body = $('#log-table tbody');
  if (key !== logState.key) { logState.key = key; logState.after = 0; body.innerHTML = ''; }
  query.set('after', logState.after);
  const logs = await get('/api/logs?' + query);
  if (logs.length === 0) return;
  logState.after = logs[logs.length - 1].sequence;
  const rows = logs.map(l => `<tr><td>${time(l.time)}</td><td><span class="service-tag" style="background:${colorOf(l.service)}">${esc(l.instance)}</span></td>
    <td class="level-${l.level}">${l.level}</td><td class="muted">${esc(l.category)}</td>
    <td title="${esc(Object.entries(l.attributes).map(([k, v]) => k + '=' + v).join('\n'))}">${esc(l.message)}</td>
    <td>${l.traceId ? `<a href="#trace/${l.traceId}">${l.traceId.slice(0, 8)}</a>` : ''}</td></tr>`).join('');
  body.insertAdjacentHTML('afterbegin', rows.split('</tr>').filter(r => r.trim()).reverse().map(r => r + '</tr>').join(''));
  while (body.rows.length > 2000) body.deleteRow(body.rows.length - 1);
}
for (const id of ['#log-resource', '#log-level', '#log-text']) $(id).addEventListener('input', () => refresh());

async function renderTraces() {
  const traces = await get('/api/traces?resource=' + encodeURIComponent($('#trace-resource').value));
  $('#trace-table tbody').innerHTML = traces.map(t => `
    <tr class="clickable" data-trace="${t.traceId}"><td>${time(t.start)}</td><td>${esc(t.name)}</td>
    <td>${t.services.map(s => `<span class="service-tag" style="background:${colorOf(s)}">${esc(s)}</span>`).join('')}</td>
    <td>${t.spans}</td><td class="${t.errors ? 'error' : 'muted'}">${t.errors}</td><td>${ms(t.durationMs)}</td></tr>`).join('');
}
$('#trace-table').addEventListener('click', event => {
  const row = event.target.closest('tr[data-trace]');
  if (row) location.hash = 'trace/' + row.dataset.trace;
});
$('#trace-resource').addEventListener('change', () => refresh());

async function showTrace(traceId) {
  let spans;
  try { spans = await get('/api/traces/' + traceId); } catch { $('#waterfall').textContent = 'This trace is no longer in the window.'; return; }
  const start = Math.min(...spans.map(s => Date.parse(s.start)));
  const end = Math.max(...spans.map(s => Date.parse(s.start) + s.durationMs));
  const total = Math.max(end - start, 1);
  const ids = new Set(spans.map(s => s.spanId));
  const children = new Map();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  const ordered = [];
  const walk = (parent, depth) => (children.get(parent) || []).sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
    .forEach(span => { ordered.push([span, depth]); walk(span.spanId, depth + 1); });
  walk('', 0);
  const services = [...new Set(spans.map(s => s.service))];
  $('#trace-title').innerHTML = `<b>${esc(ordered[0]?.[0].name)}</b> · ${spans.length} spans · ${ms(total)} · ` +
    services.map(s => `<span class="service-tag" style="background:${colorOf(s)}">${esc(s)}</span>`).join('');
  $('#waterfall').innerHTML = ordered.map(([span, depth], index) => {
    const left = (Date.parse(span.start) - start) / total * 100;
    const width = Math.max(span.durationMs / total * 100, 0.2);
    const color = span.status === 'error' ? '#cf222e' : colorOf(span.service);
    return `<div class="span-row" data-index="${index}">
      <div class="span-name" style="padding-left:${0.5 + depth * 1.1}rem"><span class="service-tag" style="background:${colorOf(span.service)}">${esc(span.instance)}</span>${esc(span.name)}</div>
      <div class="span-track"><div class="span-bar" style="left:${left}%;width:${width}%;background:${color}"></div>
      <div class="span-label" style="left:${Math.min(left + width, 88)}%">&nbsp;${ms(span.durationMs)}</div></div></div>`;
  }).join('');
  $('#waterfall').onclick = event => {
    const row = event.target.closest('.span-row');
    if (!row) return;
    const span = ordered[Number(row.dataset.index)][0];
    $('#span-details').textContent = `${span.name}  (${span.kind}, ${span.scope}, ${span.instance})\nstatus: ${span.status}${span.statusMessage ? ' ' + span.statusMessage : ''}\n` +
      Object.entries(span.attributes).map(([k, v]) => `${k} = ${v}`).join('\n') +
      (span.events.length ? '\n\nevents:\n' + span.events.map(e => `${time(e.time)} ${e.name} ${JSON.stringify(e.attributes)}`).join('\n') : '');
  };
}

async function renderMetrics() {
  const metrics = await get('/api/metrics');
  const services = [...new Set(metrics.map(m => m.service))];
  fill($('#metric-resource'), services, false);
  const service = $('#metric-resource').value;
  const names = metrics.filter(m => m.service === service).map(m => m.name);
  fill($('#metric-name'), names, false);
  const name = $('#metric-name').value;
  const metric = metrics.find(m => m.service === service && m.name === name);
  if (!metric) return;
  $('#metric-description').textContent = `${metric.kind}${metric.unit ? ' · ' + metric.unit : ''} · ${metric.description}`;
  const series = await get(`/api/metrics/series?name=${encodeURIComponent(name)}&resource=${encodeURIComponent(service)}`);
  drawChart(series.filter(s => s.points.length > 0).slice(0, 10), metric.kind === 'histogram' ? 'mean' : 'value');
}
for (const id of ['#metric-resource', '#metric-name']) $(id).addEventListener('change', () => refresh());

function drawChart(series, label) {
  const svg = $('#chart');
  const points = series.flatMap(s => s.points);
  if (points.length === 0) { svg.innerHTML = '<text x="20" y="40">No points yet.</text>'; $('#legend').innerHTML = ''; return; }
  const times = points.map(p => Date.parse(p.time));
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 1);
  const values = points.map(p => p.value);
  const v0 = Math.min(0, ...values), v1 = Math.max(...values, v0 + 1e-9);
  const x = t => 50 + (t - t0) / (t1 - t0) * 830, y = v => 300 - (v - v0) / (v1 - v0) * 280;
  const axis = `<line x1="50" y1="300" x2="880" y2="300" stroke="#d0d7de"/><line x1="50" y1="20" x2="50" y2="300" stroke="#d0d7de"/>
    <text x="4" y="24" font-size="11">${+v1.toPrecision(4)}</text><text x="4" y="300" font-size="11">${+v0.toPrecision(4)}</text>
    <text x="50" y="316" font-size="11">${time(new Date(t0).toISOString())}</text><text x="800" y="316" font-size="11">${time(new Date(t1).toISOString())}</text>`;
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${palette[i % palette.length]}" stroke-width="2" points="${
    s.points.map(p => `${x(Date.parse(p.time)).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}"/>`).join('');
  svg.innerHTML = axis + lines;
  $('#legend').innerHTML = series.map((s, i) => `<li><span style="background:${palette[i % palette.length]}"></span>${esc(s.instance)} ${
    esc(Object.entries(s.attributes).map(([k, v]) => k + '=' + v).join(' '))} · ${label} ${+s.points[s.points.length - 1].value.toPrecision(6)}</li>`).join('');
}

window.addEventListener('hashchange', route);
route();
setInterval(refresh, 1500);
