namespace Reports.Core.Jobs;

/// <summary>
/// A job that cannot succeed as asked here (unknown type or format, invalid parameters, over a limit, a definition that
/// changed since it was accepted): it fails without retry, with <see cref="Code"/> as its error code.
/// </summary>
public sealed class ReportDefinitionException(string message, string code = JobError.InvalidReport) : Exception(message)
{
    public string Code { get; } = code;
}
