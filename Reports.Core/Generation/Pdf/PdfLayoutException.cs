namespace Reports.Core.Generation.Pdf;

/// <summary>
/// A PDF's segments no longer agree with the plan they were laid out by (the rows changed since they were counted, or
/// workers drew with different fonts): the job's worker removes the layout, and the next attempt lays the file out again.
/// </summary>
public sealed class PdfLayoutException(string message) : InvalidOperationException(message);
