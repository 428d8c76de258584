using System.Globalization;
using Reports.Core.Catalog;
using Reports.Core.Jobs;

namespace Reports.Core.Generation;

/// <summary>A report over its limits fails at once, permanently, with a message a user can act on.</summary>
internal static class GenerationLimits
{
    public static void CheckRows(ReportDefinition report, long rows)
    {
        if (rows > report.Limits.MaxRows)
        {
            throw new ReportDefinitionException(string.Create(CultureInfo.InvariantCulture,
                $"This '{report.Name}' report would have {rows:#,##0} rows; the limit is {report.Limits.MaxRows:#,##0}. Narrow the parameters."), JobError.LimitExceeded);
        }
    }
}
