// The operations page: admin only; every figure refreshes every 2 s while the tab is visible.
import { api, setUpSignIn } from './common.js';
import { refreshDeadLetters, refreshJob, setUpJobs } from './ops-jobs.js';
import { refreshFailedDeliveries, refreshReplays, setUpReplays } from './ops-replay.js';
import { renderHistory, renderQueues, renderWorkers } from './ops-tables.js';
import { refreshSchedules, setUpSchedules } from './ops-schedules.js';

const REFRESH_MS = 2000;
let timer = null;
let lastSuccess = null;

async function refresh() {
  const status = document.getElementById('refresh-status');
  try {
    const [queues, workers, history] = await Promise.all([
      api('/api/admin/ops/queues'), api('/api/admin/ops/workers'), api('/api/admin/ops/history')]);
    const restoreFocus = rememberFocus();
    renderQueues(queues);
    renderWorkers(workers);
    renderHistory(history);
    await Promise.all([refreshDeadLetters(), refreshJob(), refreshSchedules(), refreshReplays(), refreshFailedDeliveries()]);
    restoreFocus();
    lastSuccess = new Date();
    status.textContent = `Updated ${lastSuccess.toLocaleTimeString()}.`;
    status.classList.remove('stale');
  } catch (e) {
    // Say the numbers are old rather than showing stale figures as if they were current.
    status.textContent = `Not updated since ${lastSuccess ? lastSuccess.toLocaleTimeString() : 'sign-in'}: ${e.message}`;
    status.classList.add('stale');
  }
}

/** Tables are redrawn on each refresh: a keyboard user's focus returns to the same button of the same row. */
function rememberFocus() {
  const active = document.activeElement;
  const row = active?.closest?.('tr[data-report-id], tr[data-worker], tr[data-schedule], tr[data-replay-id]');
  if (!row) return () => {};
  const selector = row.dataset.reportId ? `tr[data-report-id="${row.dataset.reportId}"]`
    : row.dataset.schedule ? `tr[data-schedule="${row.dataset.schedule}"]`
    : row.dataset.replayId ? `tr[data-replay-id="${row.dataset.replayId}"]` : `tr[data-worker="${row.dataset.worker}"]`;
  const label = active.getAttribute('aria-label') ?? active.textContent;
  const table = row.closest('table');
  return () => {
    const again = [...(table?.querySelectorAll(`${selector} button`) ?? [])]
      .find((b) => (b.getAttribute('aria-label') ?? b.textContent) === label);
    // A row that is gone (its job retried, a newer failure above it): the table's first button, never the page's top.
    (again ?? table?.querySelector('tbody button'))?.focus();
  };
}

function schedule() {
  clearInterval(timer);
  timer = null;
  if (document.getElementById('auto-refresh').checked && !document.hidden && !document.getElementById('app').hidden) {
    timer = setInterval(refresh, REFRESH_MS);
  }
}

function start() {
  setUpJobs();
  setUpSchedules(refresh);
  setUpReplays();
  document.getElementById('auto-refresh').addEventListener('change', schedule);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
    schedule();
  });
  setUpSignIn({
    // A user key is refused here, by the API itself (403): the page shows nothing an admin key would.
    verify: async () => {
      try {
        await api('/api/admin/ops/queues');
      } catch (e) {
        if (e.status === 403) e.message = 'This key is not an admin key: the operations page needs the admin role.';
        throw e;
      }
    },
    onSignedIn: async () => {
      await refresh();
      schedule();
    },
    onSignedOut: () => {
      clearInterval(timer);
      timer = null;
    },
  });
}

start();
