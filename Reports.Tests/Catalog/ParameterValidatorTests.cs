using System.Text.Json;
using Reports.Core.Catalog;

namespace Reports.Tests.Catalog;

public sealed class ParameterValidatorTests
{
    [Theory]
    [InlineData("""{"from":"2024-02-30","to":"2024-03-01"}""", "parameters.from", "Must be a date as yyyy-MM-dd.")]
    [InlineData("""{"from":20240101,"to":"2024-03-01"}""", "parameters.from", "Must be a date as yyyy-MM-dd.")]
    [InlineData("""{"to":"2024-03-01"}""", "parameters.from", "Required.")]
    [InlineData("""{"from":"2024-03-02","to":"2024-03-01"}""", "parameters.to", "Must not be before 'from'.")]
    [InlineData("""{"from":"2018-01-01","to":"2024-03-01"}""", "parameters.to", "The span from 'from' to 'to' must be at most 1830 days.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","status":"shipped"}""", "parameters.status", "'shipped' is not one of: completed, refunded, cancelled, pending.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","status":3}""", "parameters.status", "Must be a string.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","countries":"DE"}""", "parameters.countries", "Must be an array of strings.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","countries":["DE","fr"]}""", "parameters.countries", "'fr' does not match ^[A-Z]{2}$.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","minAmount":"ten"}""", "parameters.minAmount", "Must be a number.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","minAmount":-0.01}""", "parameters.minAmount", "Must be at least 0.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","colour":"red"}""", "parameters.colour", "Unknown parameter. 'orders' takes: from, to, countries, status, minAmount, pageSize, orientation, compression.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","orientation":"sideways"}""", "parameters.orientation", "'sideways' is not one of: portrait, landscape.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","pageSize":"A3"}""", "parameters.pageSize", "'A3' is not one of: A4, Letter.")]
    [InlineData("""{"from":"2024-01-01","to":"2024-03-01","compression":"gzip"}""", "parameters.compression", "Applies only to csv, ndjson.")]
    public void Orders_pdf_names_the_wrong_field_and_why(string json, string field, string message)
    {
        var result = ParameterValidator.Validate(BuiltInReports.Orders, JsonDocument.Parse(json).RootElement, ReportFormats.Pdf);

        Assert.False(result.IsValid);
        Assert.Equal([message], result.Errors[field]);
    }

    [Theory]
    [InlineData("""{"customerId":1.5}""", "parameters.customerId", "Must be an integer.")]
    [InlineData("""{"customerId":0}""", "parameters.customerId", "Must be at least 1.")]
    [InlineData("""{"customerId":3000000000}""", "parameters.customerId", "Must be at most 2147483647.")]
    [InlineData("""{}""", "parameters.customerId", "Required.")]
    [InlineData("""{"customerId":1,"orientation":"landscape"}""", "parameters.orientation", "Applies only to pdf.")]
    public void Customer_statement_csv_names_the_wrong_field_and_why(string json, string field, string message)
    {
        var result = ParameterValidator.Validate(BuiltInReports.CustomerStatement, JsonDocument.Parse(json).RootElement, ReportFormats.Csv);

        Assert.Equal([message], result.Errors[field]);
    }

    [Fact]
    public void Parameters_that_are_not_an_object_are_refused()
    {
        var result = ParameterValidator.Validate(BuiltInReports.DailySales, JsonDocument.Parse("[1]").RootElement, ReportFormats.Csv);

        Assert.Equal(["Must be a JSON object."], result.Errors["parameters"]);
    }

    [Fact]
    public void Defaults_fill_in_for_the_requested_format_only()
    {
        var json = JsonDocument.Parse("""{"customerId":42}""").RootElement;

        var pdf = ParameterValidator.Validate(BuiltInReports.CustomerStatement, json, ReportFormats.Pdf).Arguments!;
        var csv = ParameterValidator.Validate(BuiltInReports.CustomerStatement, json, ReportFormats.Csv).Arguments!;

        Assert.Equal(new DateOnly(2020, 1, 1), pdf.GetDate("from"));
        Assert.Equal("portrait", pdf.Get<string>("orientation"));
        Assert.Equal("A4", pdf.Get<string>("pageSize"));
        Assert.False(pdf.Values.ContainsKey("compression"));
        Assert.Equal("none", csv.Get<string>("compression"));
        Assert.False(csv.Values.ContainsKey("orientation"));
    }

    [Fact]
    public void Every_report_of_the_catalog_takes_every_file_format_and_has_limits()
    {
        foreach (var report in BuiltInReports.Catalog.All)
        {
            Assert.Equal(["csv", "xlsx", "ndjson", "pdf"], report.Formats);
            Assert.True(report.Limits.MaxRows > 0 && report.Limits.MaxPdfPages > 0, report.Name);
        }

        Assert.Equal(["customer-statement", "daily-sales", "orders"], BuiltInReports.Catalog.All.Select(r => r.Name));
    }
}
