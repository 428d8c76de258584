namespace Reports.Core.Storage;

/// <summary>
/// Conditions on a row's status in statements that find their rows by key (a job by its id), written so the planner
/// cannot answer them from a partial index on status instead of the key. By their statistics such indexes
/// (reports.jobs has jobs_unfinished, jobs_due_retries, jobs_queued_published) hold next to nothing, since most jobs are
/// finished whenever the table is analyzed, so the planner reckons reading one whole cheaper than a key lookup; each
/// statement then read every unfinished job, and the entries of finished ones not yet vacuumed, to find its few: a
/// cost that grew with the backlog (a claim of three jobs read 4,400 pages behind a thousand queued ones), where a key
/// lookup costs a few pages whatever the backlog. The sweeper's own statements, which look for rows by status, use the
/// plain conditions and those indexes.
/// </summary>
internal static class KeyLookup
{
    /// <summary><paramref name="condition"/> inside a CASE, whose branches the planner does not match against index predicates.</summary>
    public static string Where(string condition) => $"(CASE WHEN {condition} THEN true ELSE false END)";
}
