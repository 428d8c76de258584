using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Generation.Xlsx;

/// <summary>How XLSX workbooks are written (<c>Reports:Xlsx</c>).</summary>
public sealed class XlsxOptions
{
    public const string SectionName = "Reports:Xlsx";

    /// <summary>Excel's row limit per sheet.</summary>
    public const int ExcelMaxRows = 1_048_576;

    /// <summary>
    /// Rows a sheet holds, its header row included; more rows continue on the next sheet, which repeats the header.
    /// Excel's own limit by default; smaller only to see several sheets without a million rows (tests).
    /// </summary>
    [Range(3, ExcelMaxRows)]
    public int MaxRowsPerSheet { get; set; } = ExcelMaxRows;
}
