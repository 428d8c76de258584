-- Errors of unexpected failures used to carry the exception's type and message (hosts, ports, paths of the backing
-- services); they now say only which part failed, and the detail stays in the logs. Errors recorded before are cut
-- back to the same shape (in the jobs and in their attempts), so no older report shows what the new ones no longer do.
UPDATE reports.jobs
SET error = substring(error FROM '^Attempt [0-9]+(?: of [0-9]+)? failed: ')
            || 'an unexpected error (recorded before error details were kept out of reports). Operators find the details in the worker''s logs and the trace of this report.'
WHERE error_code IN ('attempt_failed', 'attempts_exhausted')
  AND error ~ '^Attempt [0-9]+( of [0-9]+)? failed: [A-Za-z0-9_.`]+: ';

UPDATE reports.job_attempts
SET error = substring(error FROM '^Attempt [0-9]+(?: of [0-9]+)? failed: ')
            || 'an unexpected error (recorded before error details were kept out of reports). Operators find the details in the worker''s logs and the trace of this report.'
WHERE error_code IN ('attempt_failed', 'attempts_exhausted')
  AND error ~ '^Attempt [0-9]+( of [0-9]+)? failed: [A-Za-z0-9_.`]+: ';
