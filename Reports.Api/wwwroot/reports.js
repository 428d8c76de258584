// The reports page: sign in, request a report from the generated form, follow it live, download it.
import { api, setUpSignIn } from './common.js';
import { loadCatalog, setUpReportForm } from './report-form.js';
import { addReport, loadReports, stopAll } from './report-list.js';

function start() {
  setUpReportForm(addReport);
  document.getElementById('status-filter').addEventListener('change', () => loadReports());
  document.getElementById('load-more').addEventListener('click', () => loadReports({ append: true }));
  setUpSignIn({
    verify: () => api('/api/report-types'),
    onSignedIn: async () => {
      await loadCatalog();
      await loadReports();
    },
    onSignedOut: stopAll,
  });
}

start();
