namespace Reports.Core.Jobs;

/// <summary>
/// A job that can never succeed as asked (unknown type or format, invalid parameters, over a limit): it fails at once
/// without retry, with <see cref="Code"/> as its error code.
/// </summary>
public sealed class ReportDefinitionException(string message, string code = JobError.InvalidReport) : Exception(message)
{
    public string Code { get; } = code;
}
