// The caller's reports, newest first and paged, each kept live: a few over Server-Sent Events, the rest polled.
import { api, el, events, formatBytes, formatNumber, formatSeconds, formatTime, secondsBetween } from './common.js';
import { titleOf } from './report-form.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
// A browser opens at most 6 connections to a host over HTTP/1.1: streams keep some free for everything else.
const MAX_STREAMS = 3;
const POLL_MS = 3000;

const reports = new Map(); // id → status resource
const streams = new Map(); // id → AbortController
let nextCursor = null;
let pollTimer = null;
let generation = 0;

const list = () => document.getElementById('report-list');
const filter = () => document.getElementById('status-filter').value;

export async function loadReports({ append = false } = {}) {
  const current = ++generation;
  if (!append) {
    stopAll();
    reports.clear();
    list().replaceChildren();
    nextCursor = null;
  }
  const query = new URLSearchParams({ limit: '20' });
  if (filter()) query.set('status', filter());
  if (append && nextCursor) query.set('cursor', nextCursor);
  const page = await api(`/api/reports?${query}`);
  if (current !== generation) return;
  nextCursor = page.nextCursor;
  for (const report of page.items) upsert(report, { append: true });
  document.getElementById('load-more').hidden = !nextCursor;
  document.getElementById('list-status').textContent =
    reports.size === 0 ? 'No reports yet: request one above.' : `${reports.size} shown${nextCursor ? ', more below' : ''}.`;
  keepLive();
}

export function addReport(report) {
  upsert(report, { append: false });
  document.getElementById('list-status').textContent = `${reports.size} shown${nextCursor ? ', more below' : ''}.`;
  keepLive();
}

export function stopAll() {
  for (const controller of streams.values()) controller.abort();
  streams.clear();
  clearInterval(pollTimer);
  pollTimer = null;
}

function upsert(report, { append }) {
  reports.set(report.id, report);
  const card = render(report);
  const existing = list().querySelector(`[data-report-id="${report.id}"]`);
  if (existing) existing.replaceWith(card);
  else if (append) list().append(card);
  else list().prepend(card);
}

/** The first few unfinished reports get a live stream; any others are polled until they finish. */
function keepLive() {
  const active = [...reports.values()].filter((r) => !FINAL.has(r.status));
  for (const report of active) {
    if (streams.size >= MAX_STREAMS) break;
    if (!streams.has(report.id)) follow(report.id);
  }
  const polled = active.some((r) => !streams.has(r.id));
  if (polled && !pollTimer) pollTimer = setInterval(poll, POLL_MS);
  if (!polled && pollTimer) {
    clearInterval(pollTimer);
    pollTimer = null;
  }
}

async function follow(id) {
  const controller = new AbortController();
  streams.set(id, controller);
  let lastEventId;
  try {
    for (let failures = 0; failures < 5 && !controller.signal.aborted;) {
      try {
        for await (const message of events(`/api/reports/${id}/events`, { signal: controller.signal, lastEventId })) {
          lastEventId = message.id;
          failures = 0;
          if (reports.has(id)) upsert(message.data, {});
        }
        if (FINAL.has(reports.get(id)?.status)) break;
      } catch (e) {
        if (controller.signal.aborted) return;
        failures += 1;
        if (e.status === 404) break;
      }
      // The stream ended before a final state (a restart, a proxy timeout): reconnect where it stopped.
      await new Promise((resolve) => { setTimeout(resolve, 1000 * failures); });
    }
  } finally {
    if (streams.get(id) === controller) {
      streams.delete(id);
      keepLive();
    }
  }
}

async function poll() {
  const waiting = [...reports.values()].filter((r) => !FINAL.has(r.status) && !streams.has(r.id));
  await Promise.all(waiting.map(async (r) => {
    try {
      upsert(await api(`/api/reports/${r.id}`), {});
    } catch {
      // The next round tries again.
    }
  }));
  keepLive();
}

function parametersText(parameters) {
  return Object.entries(parameters ?? {})
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`)
    .join(' · ');
}

function render(report) {
  const title = `${titleOf(report.type)} · ${report.format.toUpperCase()}`;
  const titleId = `report-${report.id}-title`;
  const { rowsWritten, rowsTotal, percent } = report.progress;
  const progress = el('progress', { max: 100, 'aria-labelledby': titleId, 'aria-valuetext': percent === null ? 'in progress' : `${percent} %` });
  if (percent !== null) progress.value = percent;
  else if (FINAL.has(report.status)) progress.value = report.status === 'succeeded' ? 100 : 0;
  const duration = secondsBetween(report.startedAt, report.finishedAt);
  const final = FINAL.has(report.status);
  return el('li', { class: `report status-${report.status}`, 'data-report-id': report.id },
    el('article', { 'aria-labelledby': titleId },
      el('div', { class: 'report-head' },
        el('h3', { id: titleId }, title),
        el('span', { class: 'badge', 'data-status': report.status }, report.status)),
      el('p', { class: 'params' }, parametersText(report.parameters)),
      el('div', { class: 'progress-row' }, progress,
        el('span', { class: 'percent' }, percent === null ? (final ? '' : '…') : `${percent} %`)),
      el('dl', { class: 'facts' },
        fact('Rows', rowsTotal ? `${formatNumber(rowsWritten)} of ${formatNumber(rowsTotal)}` : formatNumber(rowsWritten), 'rows'),
        fact('Size', formatBytes(report.file?.sizeBytes), 'size'),
        fact('Duration', formatSeconds(duration), 'duration'),
        fact('Attempts', String(report.attempts), 'attempts'),
        fact('Requested', formatTime(report.createdAt), 'created')),
      report.error ? el('p', { class: 'error', 'data-error-code': report.error.code },
        el('strong', {}, `${report.status === 'retrying' ? 'Retrying after' : 'Failed'}: ${report.error.code}. `), report.error.message) : null,
      report.waiting ? el('p', { class: 'hint', 'data-waiting': '' }, `Waiting: ${report.waiting.reason}.`) : null,
      el('div', { class: 'actions' },
        report.status === 'succeeded' && report.file
          ? el('button', { type: 'button', onclick: () => download(report.id), 'aria-label': `Download ${title}` }, 'Download') : null,
        !final ? el('button', { type: 'button', class: 'secondary', onclick: () => cancel(report.id), 'aria-label': `Cancel ${title}` }, 'Cancel') : null,
        final && report.status !== 'succeeded'
          ? el('button', { type: 'button', class: 'secondary', onclick: () => runAgain(report), 'aria-label': `Run ${title} again` }, 'Run again') : null,
        el('span', { class: 'action-status', role: 'status' }))));
}

function fact(label, value, name) {
  return el('div', { 'data-fact': name }, el('dt', {}, label), el('dd', {}, value));
}

function actionStatus(id, text) {
  const status = list().querySelector(`[data-report-id="${id}"] .action-status`);
  if (status) status.textContent = text;
}

/** A fresh status resource carries a newly signed link; the storage answers it as an attachment. */
async function download(id) {
  try {
    const report = await api(`/api/reports/${id}`);
    upsert(report, {});
    const link = el('a', { href: report.file.download.url, download: report.file.fileName, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (e) {
    actionStatus(id, `Download failed: ${e.message}`);
  }
}

async function cancel(id) {
  try {
    upsert(await api(`/api/reports/${id}/cancel`, { method: 'POST' }), {});
    keepLive();
  } catch (e) {
    actionStatus(id, e.message);
  }
}

async function runAgain(report) {
  try {
    addReport(await api('/api/reports', {
      method: 'POST',
      body: { type: report.type, format: report.format, parameters: report.parameters },
    }));
  } catch (e) {
    actionStatus(report.id, e.message);
  }
}
