namespace Reports.Core.Jobs;

/// <summary>A job that can never succeed as asked (unknown type or format, invalid parameters): failed without retry.</summary>
public sealed class ReportDefinitionException(string message) : Exception(message);
