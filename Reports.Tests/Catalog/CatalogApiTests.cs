using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Catalog;

[Collection(IntegrationGroup.Name)]
public sealed class CatalogApiTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task The_catalog_lists_every_report_with_a_json_schema_of_its_parameters_and_its_columns()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        var catalog = await client.GetFromJsonAsync<JsonElement>("/api/report-types");

        var types = catalog.GetProperty("types").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(
            ["customer-statement", "customer-statement-mariadb", "daily-sales", "daily-sales-mariadb", "orders", "orders-mariadb"],
            types.Keys.Order(StringComparer.Ordinal));
        var orders = types["orders"];
        Assert.Equal(["csv", "xlsx", "ndjson", "pdf"], orders.GetProperty("formats").EnumerateArray().Select(f => f.GetString()));
        var schema = orders.GetProperty("parameters");
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.GetProperty("$schema").GetString());
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["from", "to"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        var properties = schema.GetProperty("properties");
        Assert.Equal("date", properties.GetProperty("from").GetProperty("format").GetString());
        Assert.Equal("^[A-Z]{2}$", properties.GetProperty("countries").GetProperty("items").GetProperty("pattern").GetString());
        Assert.Equal(["completed", "refunded", "cancelled", "pending"], properties.GetProperty("status").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, properties.GetProperty("minAmount").GetProperty("minimum").GetDecimal());
        Assert.Equal("landscape", properties.GetProperty("orientation").GetProperty("default").GetString());
        Assert.Equal(["csv", "ndjson"], properties.GetProperty("compression").GetProperty("x-formats").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1830, schema.GetProperty("x-maxDateSpanDays").GetInt32());
        var amount = orders.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "amount");
        Assert.Equal(("decimal", "right"), (amount.GetProperty("type").GetString(), amount.GetProperty("alignment").GetString()));
        Assert.True(orders.GetProperty("limits").GetProperty("maxPdfPages").GetInt32() >= 20_000);
        Assert.Equal("customer", types["customer-statement"].GetProperty("parameters").GetProperty("properties").GetProperty("customerId").GetProperty("x-mustExist").GetString());
    }

    [Fact]
    public async Task One_report_type_by_name_and_an_unknown_one_is_a_404_problem()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        var daily = await client.GetFromJsonAsync<JsonElement>("/api/report-types/daily-sales");
        using var unknown = await client.GetAsync(new Uri("/api/report-types/invoices", UriKind.Relative));

        Assert.Equal("Daily sales by country", daily.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }
}
