// Dead letters with replay, and the detail of one job: its lease, checkpoint, partitions and every attempt.
import { api, el, formatNumber, formatSeconds, formatTime, secondsBetween } from './common.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
let deadLetterCursor = null;
let shownJob = null;
let jobRequests = 0; // numbers each look-up of the shown job, so an older answer never replaces a newer one
let jobRendered = 0;
const replayed = new Map(); // id → status after replay, shown until the list no longer holds the job

export async function refreshDeadLetters({ append = false } = {}) {
  const query = new URLSearchParams({ limit: '20' });
  if (append && deadLetterCursor) query.set('cursor', deadLetterCursor);
  const page = await api(`/api/admin/dead-letters?${query}`);
  const body = document.querySelector('#dead-letters tbody');
  const rows = page.items.map(deadLetterRow);
  if (append) body.append(...rows);
  else body.replaceChildren(...rows);
  deadLetterCursor = page.nextCursor;
  document.getElementById('dead-letters-more').hidden = !deadLetterCursor;
  document.getElementById('dead-letters-empty').hidden = body.rows.length > 0;
}

function deadLetterRow(report) {
  const label = `${report.type} ${report.format} ${report.id}`;
  const row = el('tr', { 'data-report-id': report.id },
    el('th', { scope: 'row', 'data-label': 'Report' }, el('button', { type: 'button', class: 'link', 'data-job': report.id },
      `${report.type} · ${report.format.toUpperCase()}`), el('span', { class: 'id' }, report.id)),
    el('td', { 'data-label': 'Failed' }, formatTime(report.finishedAt)),
    el('td', { 'data-label': 'Attempts' }, String(report.attempts)),
    el('td', { 'data-label': 'Error', class: 'error' },
      report.error ? [el('strong', {}, report.error.code), ': ', report.error.message] : '–'),
    el('td', { 'data-label': 'Actions' },
      // A dead letter a bulk replay ran again links to the report it became; it cannot be replayed twice.
      report.replayedAs
        ? el('button', { type: 'button', class: 'link', 'data-job': report.replayedAs, 'aria-label': `Replayed as ${report.replayedAs}` }, 'Replayed')
        : el('button', { type: 'button', 'aria-label': `Replay ${label}`, onclick: () => replay(report.id) }, 'Replay'),
      el('span', { class: 'action-status', role: 'status' }, replayed.get(report.id) ?? '')));
  return row;
}

async function replay(id) {
  const status = document.querySelector(`#dead-letters tr[data-report-id="${id}"] .action-status`);
  try {
    const report = await api(`/api/admin/reports/${id}/retry`, { method: 'POST' });
    replayed.set(id, `Replayed: ${report.status}`);
    if (status) status.textContent = `Replayed: ${report.status}`;
    await showJob(id);
  } catch (e) {
    if (status) status.textContent = e.message;
  }
}

/** Shows a job and keeps it fresh while it is not final. */
export async function showJob(id) {
  shownJob = id;
  document.getElementById('job-id').value = id;
  await refreshJob();
  document.getElementById('job-title').scrollIntoView({ block: 'start' });
}

/**
 * Looks the shown job up again. The 2 s refresh and a click can overlap: an answer is drawn only if it is still about
 * the shown job and no later look-up has been drawn already.
 */
export async function refreshJob() {
  if (!shownJob) return;
  const id = shownJob;
  const request = ++jobRequests;
  const current = () => id === shownJob && request > jobRendered;
  const container = document.getElementById('job-detail');
  const error = document.getElementById('job-id-error');
  const input = document.getElementById('job-id');
  try {
    const path = `/api/admin/ops/jobs/${encodeURIComponent(id)}`;
    const [detail, partitions] = await Promise.all([api(path), api(`${path}/partitions`)]);
    if (!current()) return;
    jobRendered = request;
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    container.replaceChildren(renderDetail(detail, partitions.partitions));
    if (FINAL.has(detail.report.status) && !replayed.has(id)) shownJob = null;
  } catch (e) {
    if (!current()) return;
    jobRendered = request;
    error.textContent = e.status === 404 || e.status === 400 ? `No job ${id}.` : e.message || String(e);
    input.setAttribute('aria-invalid', 'true');
    container.replaceChildren();
    shownJob = null;
  }
}

function item(label, value, name) {
  return el('div', { 'data-fact': name }, el('dt', {}, label), el('dd', {}, value ?? '–'));
}

/** A large report's key-range partitions, one line each: rows, the worker holding (or that finished) it, its state. */
function renderPartitions(partitions) {
  if (partitions.length === 0) return [];
  return [
    el('h4', {}, `Partitions (${partitions.filter((p) => p.done).length} of ${partitions.length} done)`),
    el('table', { class: 'responsive partitions' },
      el('thead', {}, el('tr', {}, ['#', 'Rows', 'Worker', 'State', 'Last progress', 'Lease until'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, partitions.map((p) => el('tr', { 'data-partition': String(p.number), 'data-state': p.state },
        el('th', { scope: 'row', 'data-label': '#' }, String(p.number)),
        el('td', { 'data-label': 'Rows' }, formatNumber(p.rowsWritten)),
        el('td', { 'data-label': 'Worker' }, p.worker ?? '–'),
        el('td', { 'data-label': 'State', class: 'partition-state' }, p.state),
        el('td', { 'data-label': 'Last progress' }, p.progressedAt ? `${formatSeconds(p.sinceProgressSeconds)} ago` : '–'),
        el('td', { 'data-label': 'Lease until' }, p.leaseExpiresAt ? formatTime(p.leaseExpiresAt) : '–'))))),
  ];
}

function renderDetail(detail, partitions) {
  const r = detail.report;
  return el('article', { class: 'job', 'data-job-id': r.id, 'aria-label': `Job ${r.id}` },
    el('div', { class: 'report-head' },
      el('h3', {}, `${r.type} · ${r.format.toUpperCase()}`),
      el('span', { class: 'badge status', 'data-status': r.status }, r.status)),
    el('dl', { class: 'facts' },
      item('Id', r.id, 'id'),
      item('Owner', detail.owner, 'owner'),
      item('Queue', detail.queue, 'queue'),
      item('Attempts', `${r.attempts} of ${detail.maxAttempts}`, 'attempts'),
      item('Worker (lease)', detail.leaseOwner ? `${detail.leaseOwner} until ${formatTime(detail.leaseExpiresAt)}` : null, 'lease'),
      item('Next attempt', detail.nextAttemptAt ? formatTime(detail.nextAttemptAt) : null, 'next-attempt'),
      item('Created', formatTime(r.createdAt), 'created'),
      item('Started', formatTime(r.startedAt), 'started'),
      item('Finished', formatTime(r.finishedAt), 'finished'),
      item('Duration', formatSeconds(secondsBetween(r.startedAt, r.finishedAt)), 'duration'),
      item('Rows', formatNumber(r.progress.rowsWritten), 'rows'),
      item('Error', r.error ? `${r.error.code}: ${r.error.message}` : null, 'error'),
      item('Replay of', r.replayOf ? el('button', { type: 'button', class: 'link', 'data-job': r.replayOf }, r.replayOf) : null, 'replay-of'),
      item('Replayed as', r.replayedAs ? el('button', { type: 'button', class: 'link', 'data-job': r.replayedAs }, r.replayedAs) : null, 'replayed-as')),
    el('h4', {}, 'Parameters'),
    el('pre', { class: 'json' }, JSON.stringify(r.parameters, null, 2)),
    el('h4', {}, 'Checkpoint'),
    el('pre', { class: 'json', 'data-fact': 'checkpoint' }, detail.checkpoint ? JSON.stringify(detail.checkpoint, null, 2) : 'none'),
    ...renderPartitions(partitions),
    el('h4', {}, 'Attempts'),
    el('table', { class: 'responsive attempts' },
      el('thead', {}, el('tr', {}, ['#', 'Worker', 'Started', 'Ended', 'Duration', 'Outcome', 'Rows', 'Error'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, detail.attempts.map((a) => el('tr', {},
        el('th', { scope: 'row', 'data-label': '#' }, String(a.attempt)),
        el('td', { 'data-label': 'Worker' }, a.worker ?? '–'),
        el('td', { 'data-label': 'Started' }, formatTime(a.startedAt)),
        el('td', { 'data-label': 'Ended' }, formatTime(a.endedAt)),
        el('td', { 'data-label': 'Duration' }, formatSeconds(a.durationSeconds ?? secondsBetween(a.startedAt, null))),
        el('td', { 'data-label': 'Outcome' }, a.outcome ?? 'running'),
        el('td', { 'data-label': 'Rows' }, formatNumber(a.rowsWritten)),
        el('td', { 'data-label': 'Error' }, a.error ? `${a.errorCode}: ${a.error}` : '–'))))));
}

export function setUpJobs() {
  document.getElementById('job-lookup').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = document.getElementById('job-id').value.trim();
    if (!/^[0-9a-f-]{36}$/i.test(id)) {
      document.getElementById('job-id-error').textContent = 'Enter a job id (a UUID).';
      document.getElementById('job-id').setAttribute('aria-invalid', 'true');
      return;
    }
    showJob(id);
  });
  document.getElementById('dead-letters-more').addEventListener('click', () => refreshDeadLetters({ append: true }));
  // Job links in the workers and dead-letter tables open the detail.
  document.getElementById('app').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-job]');
    if (button) showJob(button.dataset.job);
  });
}
