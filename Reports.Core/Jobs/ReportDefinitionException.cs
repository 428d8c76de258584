namespace Reports.Core.Jobs;

/// <summary>
/// A job that cannot succeed as asked here (unknown type or format, invalid parameters, over a limit): it fails at once
/// without retry, with <see cref="Code"/> as its error code; or, when <see cref="ElsewhereMaybe"/>, it is retried while
/// attempts remain (another worker may run it: one on the catalog the job was accepted with, during a rolling deploy),
/// and fails with <see cref="Code"/> on the last.
/// </summary>
public sealed class ReportDefinitionException(string message, string code = JobError.InvalidReport, bool elsewhereMaybe = false) : Exception(message)
{
    public string Code { get; } = code;

    public bool ElsewhereMaybe { get; } = elsewhereMaybe;
}
