using System.Net;
using System.Text;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// Hundreds of hostile requests: every answer must be a 4xx problem document, never a 500 or a hang, and the API
/// must still serve a normal request afterwards.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class HostileInputTests(Infrastructure infrastructure)
{
    private static readonly string[] Fragments =
    [
        "' OR 1=1 --", "\"; DROP TABLE reports.jobs; --", "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%00", "<script>alert(1)</script>",
        "${jndi:ldap://x}", "{{7*7}}", "\u0000", "\uFFFF", "😀", new string('z', 10_000), "-1", "1e309", "NaN", "null", "[]", "{}",
    ];

    [Fact]
    public async Task Every_hostile_request_is_answered_with_a_4xx_problem_and_the_api_keeps_working()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var requests = HostileRequests().ToList();
        Assert.True(requests.Count >= 200, $"only {requests.Count} hostile requests");

        var failures = new List<string>();
        foreach (var (name, build) in requests)
        {
            using var request = build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (status is < 400 or >= 500 || mediaType != "application/problem+json")
            {
                failures.Add($"{name}: {status} {mediaType} {Shorten(await response.Content.ReadAsStringAsync(timeout.Token))}");
                continue;
            }

            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement;
            if (problem.GetProperty("status").GetInt32() != status || !problem.TryGetProperty("type", out _) || !problem.TryGetProperty("traceId", out _))
            {
                failures.Add($"{name}: problem document incomplete: {Shorten(problem.ToString())}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(30)));
        var normal = await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } });
        var done = await ReportsClient.WaitForFinalAsync(client, normal.GetProperty("id").GetString()!, TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
    }

    private static IEnumerable<(string Name, Func<HttpRequestMessage> Build)> HostileRequests()
    {
        // Malformed, truncated and otherwise broken bodies.
        string[] bodies =
        [
            "", "{", "}", "[", "{\"type\":", "{\"type\":\"orders\"", "{\"type\":\"orders\",}", "{'type':'orders'}", "null", "true", "42", "\"orders\"",
            "[]", "[{\"type\":\"orders\"}]", "{\"type\":\"orders\",\"parameters\":}", "{\"type\":\"orders\" \"format\":\"csv\"}",
            "{\"type\":\"orders\",\"parameters\":{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\"}", "\u0000\u0001\u0002", "{\"a\":1e999999}",
            "{\"type\":\"orders\",\"type\":\"orders\",\"parameters\":[]}", new string('[', 5_000) + new string(']', 5_000),
            "{\"type\":" + new string('[', 300) + new string(']', 300) + "}", "{\"parameters\":" + Nested(200) + ",\"type\":\"orders\"}",
        ];
        foreach (var (body, i) in bodies.Select((b, i) => (b, i)))
        {
            yield return ($"malformed body #{i}", () => Post(body));
        }

        // Wrong types in every field.
        string[] wrongValues = ["1", "-1", "1.5", "true", "false", "[]", "{}", "[1,2]", "\"\"", "99999999999999999999999999999999999", "1e308", "-0"];
        foreach (var field in new[] { "type", "format", "parameters", "webhookUrl" })
        {
            foreach (var value in wrongValues)
            {
                yield return ($"{field}={value}", () => Post($"{{\"type\":\"orders\",\"{field}\":{value}}}".Replace("\"type\":\"orders\",\"type\"", "\"type\"", StringComparison.Ordinal)));
            }
        }

        // Hostile strings in every string field and parameter.
        foreach (var fragment in Fragments)
        {
            foreach (var field in new[] { "type", "format", "webhookUrl" })
            {
                yield return ($"{field} fragment {Shorten(fragment)}", () => Post(Json(new Dictionary<string, object?>
                {
                    ["type"] = field == "type" ? fragment : "orders",
                    ["format"] = field == "format" ? fragment : "csv",
                    ["webhookUrl"] = field == "webhookUrl" ? fragment : null,
                    ["parameters"] = new { from = "2024-01-01", to = "2024-01-02" },
                })));
            }

            foreach (var parameter in new[] { "from", "to", "status", "countries", "minAmount", "customerId", "unknownField" })
            {
                yield return ($"parameter {parameter} fragment {Shorten(fragment)}", () => Post(Json(new Dictionary<string, object?>
                {
                    ["type"] = parameter == "customerId" ? "customer-statement" : "orders",
                    ["parameters"] = new Dictionary<string, object?>
                    {
                        ["from"] = parameter == "from" ? fragment : "2024-01-01",
                        ["to"] = parameter == "to" ? fragment : "2024-01-02",
                        [parameter] = parameter == "countries" ? new[] { fragment } : fragment,
                    },
                })));
            }
        }

        // Numbers and ranges out of bounds, reversed and negative date ranges.
        string[] parameterSets =
        [
            "{\"from\":\"2024-02-01\",\"to\":\"2024-01-01\"}", "{\"from\":\"0001-01-01\",\"to\":\"9999-12-31\"}", "{\"from\":\"2024-02-30\",\"to\":\"2024-03-01\"}",
            "{\"from\":\"-2024-01-01\",\"to\":\"2024-01-02\"}", "{\"from\":\"2024-01-01T00:00:00Z\",\"to\":\"2024-01-02\"}", "{\"from\":20240101,\"to\":20240102}",
            "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"minAmount\":-5}", "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"minAmount\":1e400}",
            "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"minAmount\":\"10\"}", "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"countries\":\"DE\"}",
            "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"countries\":[1,2]}", "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"status\":\"COMPLETED\"}",
            "{\"from\":null,\"to\":null}", "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"pageSize\":\"A4\"}",
        ];
        foreach (var (parameters, i) in parameterSets.Select((p, i) => (p, i)))
        {
            yield return ($"parameters #{i}", () => Post($"{{\"type\":\"orders\",\"parameters\":{parameters}}}"));
        }

        yield return ("customer that does not exist", () => Post("{\"type\":\"customer-statement\",\"parameters\":{\"customerId\":2147483647,\"from\":\"2024-01-01\",\"to\":\"2024-01-02\"}}"));
        yield return ("customer id too large", () => Post("{\"type\":\"customer-statement\",\"parameters\":{\"customerId\":99999999999999999999,\"from\":\"2024-01-01\",\"to\":\"2024-01-02\"}}"));

        // Invalid UTF-8, wrong content types, oversized bodies.
        yield return ("invalid utf-8", () => PostBytes([0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0xFF, 0xFE, 0x22, 0x7D], "application/json"));
        yield return ("overlong utf-8", () => PostBytes([0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D], "application/json"));
        foreach (var contentType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "image/png" })
        {
            yield return ($"content type {contentType}", () => PostBytes(Encoding.UTF8.GetBytes("{\"type\":\"orders\"}"), contentType));
        }

        yield return ("no content type", () => new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"type\":\"orders\"}")) });
        yield return ("oversized body", () => Post("{\"type\":\"orders\",\"pad\":\"" + new string('x', 1_000_000) + "\"}"));
        yield return ("huge string parameter", () => Post("{\"type\":\"orders\",\"parameters\":{\"status\":\"" + new string('x', 50_000) + "\"}}"));

        // Forged and malformed ids, cursors, filters and idempotency keys.
        foreach (var id in new[] { "0", "-1", "abc", "00000000-0000-0000-0000-00000000000g", "%27%20OR%201%3D1", "..%2F..%2Fadmin", new string('1', 500) })
        {
            yield return ($"get id {id[..Math.Min(id.Length, 20)]}", () => new HttpRequestMessage(HttpMethod.Get, $"/api/reports/{id}"));
            yield return ($"download id {id[..Math.Min(id.Length, 20)]}", () => new HttpRequestMessage(HttpMethod.Get, $"/api/reports/{id}/download"));
            yield return ($"cancel id {id[..Math.Min(id.Length, 20)]}", () => new HttpRequestMessage(HttpMethod.Post, $"/api/reports/{id}/cancel"));
        }

        foreach (var missing in new[] { Guid.Empty, Guid.NewGuid(), Guid.CreateVersion7() })
        {
            yield return ($"unknown report {missing}", () => new HttpRequestMessage(HttpMethod.Get, $"/api/reports/{missing}"));
            yield return ($"unknown download {missing}", () => new HttpRequestMessage(HttpMethod.Get, $"/api/reports/{missing}/download"));
        }

        foreach (var query in new[] { "cursor=abc", "cursor=%00", "cursor=" + new string('A', 2000), "limit=0", "limit=-1", "limit=100000", "limit=abc",
                     "status=done", "status=' OR 1=1 --", "createdAfter=yesterday", "createdAfter=2024-13-45", "limit=1e10" })
        {
            yield return ($"list {Shorten(query)}", () => new HttpRequestMessage(HttpMethod.Get, $"/api/reports?{query}"));
        }

        foreach (var key in new[] { "   ", new string('k', 201), "line\u0001break" })
        {
            yield return ($"idempotency key {Shorten(key)}", () =>
            {
                var request = Post("{\"type\":\"orders\",\"parameters\":{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\"}}");
                request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
                return request;
            });
        }

        // Wrong methods and unknown routes.
        yield return ("delete reports", () => new HttpRequestMessage(HttpMethod.Delete, "/api/reports"));
        yield return ("put report", () => new HttpRequestMessage(HttpMethod.Put, $"/api/reports/{Guid.NewGuid()}"));
        yield return ("unknown route", () => new HttpRequestMessage(HttpMethod.Get, "/api/nothing-here"));
        yield return ("unknown report type schema", () => new HttpRequestMessage(HttpMethod.Get, "/api/report-types/%2e%2e%2fsecrets"));
    }

    private static HttpRequestMessage Post(string json) =>
        new(HttpMethod.Post, "/api/reports") { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage PostBytes(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = content };
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string Nested(int depth) => depth == 0 ? "1" : "{\"a\":" + Nested(depth - 1) + "}";

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
