// Bulk replay: a filter previewed, then replayed by the workers at a bounded rate, with progress, pause, resume and
// cancel; and the webhook deliveries that gave up, each replayable on its own or all at once.
import { api, el, formatNumber, formatTime } from './common.js';

const FIELDS = {
  jobs: ['from', 'to', 'type', 'errorCode', 'owner', 'queue'],
  webhooks: ['from', 'to', 'owner', 'url', 'host', 'errorCode'],
};
let previewed = null; // the filter the shown preview is of; Start replays exactly that

function kind() {
  return document.getElementById('replay-kind').value;
}

function path() {
  return kind() === 'jobs' ? '/api/admin/dead-letters/replays' : '/api/admin/webhook-deliveries/replays';
}

/** The filter from the form: empty fields left out, times as ISO 8601. */
function filter() {
  const result = {};
  for (const name of FIELDS[kind()]) {
    const value = document.getElementById(`replay-${name}`).value.trim();
    if (!value) continue;
    result[name] = name === 'from' || name === 'to' ? new Date(value).toISOString() : value;
  }
  return result;
}

function showFieldErrors(problem) {
  const form = document.getElementById('replay-form');
  for (const error of form.querySelectorAll('.field-error')) error.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const errors = problem?.errors ?? {};
  for (const [name, messages] of Object.entries(errors)) {
    const target = document.getElementById(`replay-${name}-error`) ?? document.getElementById('replay-filter-error');
    target.textContent = messages.join(' ');
    document.getElementById(`replay-${name}`)?.setAttribute('aria-invalid', 'true');
  }
  return Object.keys(errors).length > 0;
}

function onKindChange() {
  for (const field of document.querySelectorAll('#replay-form [data-kinds]')) {
    field.hidden = !field.dataset.kinds.split(' ').includes(kind());
  }
  clearPreview();
}

function clearPreview() {
  previewed = null;
  document.getElementById('replay-start').disabled = true;
  document.getElementById('replay-preview').replaceChildren();
}

async function preview(event) {
  event.preventDefault();
  const status = document.getElementById('replay-status');
  const body = filter();
  try {
    const result = await api(`${path()}/preview`, { method: 'POST', body });
    showFieldErrors(null);
    previewed = { path: path(), body };
    document.getElementById('replay-start').disabled = result.count === 0;
    document.getElementById('replay-preview').replaceChildren(renderPreview(result));
    status.textContent = '';
  } catch (e) {
    clearPreview();
    if (!showFieldErrors(e.problem)) status.textContent = e.message;
  }
}

function renderPreview(result) {
  const already = result.alreadyReplayed ? ` (${formatNumber(result.alreadyReplayed)} replayed already: they will be skipped)` : '';
  const summary = el('p', { id: 'replay-count', role: 'status' }, `${countText(result)} selected${already}.`);
  if (result.sample.length === 0) return summary;
  const rows = kind() === 'jobs'
    ? result.sample.map((s) => el('tr', {},
      el('th', { scope: 'row', 'data-label': 'Report' }, el('button', { type: 'button', class: 'link', 'data-job': s.report.id },
        `${s.report.type} · ${s.report.format.toUpperCase()}`), el('span', { class: 'id' }, s.report.id)),
      el('td', { 'data-label': 'Owner' }, s.owner),
      el('td', { 'data-label': 'Failed' }, formatTime(s.report.finishedAt)),
      el('td', { 'data-label': 'Error' }, s.report.error?.code ?? '–')))
    : result.sample.map((d) => el('tr', {},
      el('th', { scope: 'row', 'data-label': 'Delivery' }, d.event, el('span', { class: 'id' }, d.id)),
      el('td', { 'data-label': 'URL' }, d.url),
      el('td', { 'data-label': 'Failed' }, formatTime(d.failedAt)),
      el('td', { 'data-label': 'Error' }, d.lastErrorCode ?? '–')));
  const heads = kind() === 'jobs' ? ['Report', 'Owner', 'Failed', 'Error'] : ['Delivery', 'URL', 'Failed', 'Error'];
  return el('div', {}, summary,
    el('table', { class: 'responsive', 'aria-label': 'First members of the selection' },
      el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
}

async function start() {
  const status = document.getElementById('replay-status');
  if (!previewed) return;
  try {
    const replay = await api(previewed.path, { method: 'POST', body: previewed.body });
    status.textContent = `Replay started: ${formatNumber(replay.selected)} selected.`;
    clearPreview();
    await refreshReplays();
  } catch (e) {
    if (!showFieldErrors(e.problem)) status.textContent = e.message;
  }
}

async function act(id, action) {
  const cell = document.querySelector(`#replays tr[data-replay-id="${id}"] .action-status`);
  try {
    await api(`/api/admin/replays/${id}/${action}`, { method: 'POST' });
    await refreshReplays();
  } catch (e) {
    if (cell) cell.textContent = e.message;
  }
}

function replayRow(r) {
  const done = r.replayed + r.skipped + r.failed;
  const label = `${r.kind} replay ${r.id}`;
  const actions = [];
  if (r.status === 'running') actions.push(el('button', { type: 'button', class: 'secondary', 'aria-label': `Pause ${label}`, onclick: () => act(r.id, 'pause') }, 'Pause'));
  if (r.status === 'paused') actions.push(el('button', { type: 'button', 'aria-label': `Resume ${label}`, onclick: () => act(r.id, 'resume') }, 'Resume'));
  if (r.status === 'running' || r.status === 'paused') {
    actions.push(el('button', { type: 'button', class: 'secondary', 'aria-label': `Cancel ${label}`, onclick: () => act(r.id, 'cancel') }, 'Cancel'));
  }
  return el('tr', { 'data-replay-id': r.id },
    el('th', { scope: 'row', 'data-label': 'Replay' }, r.kind === 'jobs' ? 'Dead letters' : 'Webhooks', el('span', { class: 'id' }, r.id)),
    el('td', { 'data-label': 'Status' }, el('span', { class: 'badge status', 'data-status': r.status }, r.status),
      // One replay of each kind runs at a time: a running one without a runner waits for an older one to finish.
      r.status === 'running' && r.heldSince ? el('span', { class: 'hint' }, ` held since ${formatTime(r.heldSince)}: its queues are full`)
        : r.status === 'running' && !r.runner ? el('span', { class: 'hint' }, ' waiting for its turn') : null),
    el('td', { 'data-label': 'Progress' },
      el('progress', { max: String(Math.max(r.selected, 1)), value: String(done), 'aria-label': `Progress of ${label}` }),
      ` ${formatNumber(done)} / ${formatNumber(r.selected)}`),
    el('td', { 'data-label': 'Replayed' }, formatNumber(r.replayed)),
    el('td', { 'data-label': 'Skipped' }, formatNumber(r.skipped)),
    el('td', { 'data-label': 'Failed' }, formatNumber(r.failed)),
    el('td', { 'data-label': 'Started' }, formatTime(r.createdAt)),
    el('td', { 'data-label': 'Actions' }, actions, el('span', { class: 'action-status', role: 'status' })));
}

export async function refreshReplays() {
  const list = await api('/api/admin/replays');
  const body = document.querySelector('#replays tbody');
  body.replaceChildren(...list.items.map(replayRow));
  document.getElementById('replays-empty').hidden = list.items.length > 0;
}

/** A preview's count: the API counts up to 10,000, "10,000+" beyond. */
function countText(result) {
  return `${formatNumber(result.count)}${result.countCapped ? '+' : ''}`;
}

/** The failed deliveries are counted at most this often, not on every 2 s refresh of the page. */
const DELIVERIES_EVERY_MS = 30000;
let deliveriesAt = 0;

/** The webhook deliveries that gave up, oldest first (the first ten), each with its report's replay. */
export async function refreshFailedDeliveries() {
  if (Date.now() - deliveriesAt < DELIVERIES_EVERY_MS) return;
  deliveriesAt = Date.now();
  const result = await api('/api/admin/webhook-deliveries/replays/preview', { method: 'POST', body: {} });
  const body = document.querySelector('#failed-deliveries tbody');
  body.replaceChildren(...result.sample.map((d) => el('tr', { 'data-report-id': d.reportId },
    el('th', { scope: 'row', 'data-label': 'Report' }, el('button', { type: 'button', class: 'link', 'data-job': d.reportId }, d.event),
      el('span', { class: 'id' }, d.reportId)),
    el('td', { 'data-label': 'URL' }, d.url),
    el('td', { 'data-label': 'Attempts' }, String(d.attempts)),
    el('td', { 'data-label': 'Gave up' }, formatTime(d.failedAt)),
    el('td', { 'data-label': 'Error' }, d.lastErrorCode ?? '–'),
    el('td', { 'data-label': 'Actions' },
      el('button', { type: 'button', 'aria-label': `Replay the webhook of report ${d.reportId}`, onclick: () => replayDelivery(d.reportId) }, 'Replay'),
      el('span', { class: 'action-status', role: 'status' })))));
  document.getElementById('failed-deliveries-count').textContent =
    result.count === 0 ? 'No webhook delivery has given up.' : `${countText(result)} gave up${result.count > result.sample.length ? ' (the oldest ten shown)' : ''}.`;
}

async function replayDelivery(reportId) {
  const cell = document.querySelector(`#failed-deliveries tr[data-report-id="${reportId}"] .action-status`);
  try {
    const result = await api(`/api/reports/${reportId}/webhook-deliveries/replay`, { method: 'POST' });
    if (cell) cell.textContent = `Sending again: ${result.replayed}`;
  } catch (e) {
    if (cell) cell.textContent = e.message;
  }
}

export function setUpReplays() {
  document.getElementById('replay-kind').addEventListener('change', onKindChange);
  document.getElementById('replay-form').addEventListener('submit', preview);
  document.getElementById('replay-form').addEventListener('input', (event) => {
    if (event.target.id !== 'replay-kind') clearPreview(); // Start replays only what was previewed
  });
  document.getElementById('replay-start').addEventListener('click', start);
  onKindChange();
}
