using Microsoft.Extensions.Configuration;
using Reports.Core.Catalog;

namespace Reports.Tests.Catalog;

public sealed class CatalogOverridesTests
{
    [Fact]
    public void Configured_limits_replace_the_defaults_of_that_report_only()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Catalog:orders:TimeLimit"] = "00:02:00",
            ["Reports:Catalog:orders:MaxRows"] = "1000",
            ["Reports:Catalog:orders:MaxAttempts"] = "2",
        }).Build();

        var catalog = CatalogOverrides.Apply(BuiltInReports.Catalog, configuration);

        Assert.Equal(TimeSpan.FromMinutes(2), catalog.Find("orders")!.Limits.TimeLimit);
        Assert.Equal(1000, catalog.Find("orders")!.Limits.MaxRows);
        Assert.Equal(2, catalog.Find("orders")!.MaxAttempts);
        Assert.Equal(BuiltInReports.Catalog.Find("daily-sales")!.Limits, catalog.Find("daily-sales")!.Limits);
    }

    [Fact]
    public void The_diagnostics_switch_adds_the_noop_report_whose_limits_can_be_set_like_any_other()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Catalog:Diagnostics"] = "true",
            ["Reports:Catalog:noop:MaxAttempts"] = "2",
        }).Build();

        var catalog = CatalogOverrides.Apply(BuiltInReports.Catalog, configuration);

        var noop = catalog.Find("noop");
        Assert.NotNull(noop);
        Assert.Equal(["none"], noop.Formats);
        Assert.Empty(noop.Parameters);
        Assert.Equal(2, noop.MaxAttempts);
        Assert.Null(CatalogOverrides.Apply(BuiltInReports.Catalog, new ConfigurationBuilder().Build()).Find("noop"));
    }

    [Fact]
    public void An_unknown_report_name_in_the_configuration_is_an_error_that_names_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Catalog:order:TimeLimit"] = "00:02:00",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => CatalogOverrides.Apply(BuiltInReports.Catalog, configuration));

        Assert.Contains("order", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Reports:Catalog:orders:MaxRows", "0")]
    [InlineData("Reports:Catalog:orders:MaxRows", "-5")]
    [InlineData("Reports:Catalog:orders:MaxRows", "lots")]
    [InlineData("Reports:Catalog:orders:MaxPdfPages", "0")]
    [InlineData("Reports:Catalog:orders:TimeLimit", "00:00:00")]
    [InlineData("Reports:Catalog:orders:TimeLimit", "-00:05:00")]
    [InlineData("Reports:Catalog:orders:TimeLimit", "2.00:00:00")]
    [InlineData("Reports:Catalog:orders:MaxAttempts", "0")]
    [InlineData("Reports:Catalog:orders:MaxAttempts", "1000")]
    [InlineData("Reports:Catalog:orders:MaxRow", "100")]
    public void A_limit_out_of_range_or_an_unknown_setting_is_an_error_that_names_the_setting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => CatalogOverrides.Apply(BuiltInReports.Catalog, configuration));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
