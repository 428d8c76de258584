namespace Reports.Core.Jobs;

/// <summary>Why an attempt or a job failed: a stable code for programs and a message for people.</summary>
public sealed record JobError(string Code, string Message)
{
    /// <summary>The attempt ran longer than its report type allows.</summary>
    public const string Timeout = "timeout";

    /// <summary>The job can never succeed as asked (unknown type or format, invalid stored parameters).</summary>
    public const string InvalidReport = "invalid_report";

    /// <summary>The report is larger than its type allows (rows, PDF pages).</summary>
    public const string LimitExceeded = "limit_exceeded";

    /// <summary>The report's definition changed after the job was accepted: resubmit it to run the new definition.</summary>
    public const string DefinitionChanged = "definition_changed";

    /// <summary>Every attempt was used; the last error is in the message.</summary>
    public const string AttemptsExhausted = "attempts_exhausted";

    /// <summary>An attempt failed on an unexpected error; it is retried while attempts remain.</summary>
    public const string AttemptFailed = "attempt_failed";
}
