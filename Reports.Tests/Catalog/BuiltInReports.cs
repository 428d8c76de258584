using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;

namespace Reports.Tests.Catalog;

/// <summary>The built-in reports, read from the repository's catalog/ files as the services read them (copied beside the binaries).</summary>
internal static class BuiltInReports
{
    public static ReportCatalog Catalog { get; } = CatalogFiles.Load(CatalogFolder.Default);

    public static ReportDefinition Orders => Catalog.Find("orders")!;

    public static ReportDefinition DailySales => Catalog.Find("daily-sales")!;

    public static ReportDefinition CustomerStatement => Catalog.Find("customer-statement")!;
}
