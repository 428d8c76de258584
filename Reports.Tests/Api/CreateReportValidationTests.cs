using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

[Collection(IntegrationGroup.Name)]
public sealed class CreateReportValidationTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Wrong_parameters_are_named_one_by_one_in_a_validation_problem()
    {
        var problem = await PostAsync(new
        {
            type = "orders",
            parameters = new { from = "2024-13-01", countries = new[] { "germany" }, minAmount = -1, colour = "red" },
        });

        var errors = problem.GetProperty("errors");
        Assert.Equal("Must be a date as yyyy-MM-dd.", errors.GetProperty("parameters.from")[0].GetString());
        Assert.Equal("Required.", errors.GetProperty("parameters.to")[0].GetString());
        Assert.Contains("does not match", errors.GetProperty("parameters.countries")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("Must be at least 0.", errors.GetProperty("parameters.minAmount")[0].GetString());
        Assert.Contains("Unknown parameter", errors.GetProperty("parameters.colour")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_type_and_format_are_reported_with_the_allowed_values()
    {
        var problem = await PostAsync(new { type = "invoices", format = "xlsx" });

        Assert.Contains("orders", problem.GetProperty("errors").GetProperty("type")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_diagnostics_report_is_unknown_unless_the_diagnostics_setting_is_on()
    {
        var problem = await PostAsync(new { type = "noop" });

        Assert.Contains("Unknown report type 'noop'", problem.GetProperty("errors").GetProperty("type")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_date_span_over_the_limit_is_refused()
    {
        var problem = await PostAsync(new { type = "orders", parameters = new { from = "2000-01-01", to = "2025-12-31" } });

        Assert.Contains("at most", problem.GetProperty("errors").GetProperty("parameters.to")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_not_a_500()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var content = new StringContent("{\"type\": \"orders\", ", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_report_and_other_parameters_conflict()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var key = Guid.NewGuid().ToString();
        var request = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-31" } };

        var first = await ReportsClient.CreateAsync(client, request, key);
        var second = await ReportsClient.CreateAsync(client, request, key);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/reports")
        {
            Content = JsonContent.Create(new { type = "orders", parameters = new { from = "2024-02-01", to = "2024-02-28" } }),
        };
        message.Headers.Add("Idempotency-Key", key);
        using var conflict = await client.SendAsync(message);

        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, conflict.StatusCode);
    }

    private async Task<JsonElement> PostAsync(object body)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var response = await client.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }
}
