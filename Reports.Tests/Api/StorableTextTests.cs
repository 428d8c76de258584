using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using Reports.Api.Problems;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// Text PostgreSQL cannot store (NUL, unpaired surrogates) in any input is a 400 problem naming the field, whatever the
/// endpoint: one check before every endpoint, not a data error from the database answered as an outage.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class StorableTextTests(Infrastructure infrastructure)
{
    private const string Day = "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\"}";

    public static TheoryData<string, string, string, string?, string> UserRequests => new()
    {
        // method, path, JSON body, Idempotency-Key, the field the problem must name
        { "GET", "/api/reports?type=%00", "", null, "type" },
        { "GET", "/api/reports?status=succeeded&type=orders%00x", "", null, "type" },
        { "GET", "/api/reports?%00=1", "", null, "\\u0000" },
        { "GET", "/api/notifications?unread=true&x=%00", "", null, "x" },
        { "POST", "/api/reports", "{\"type\":\"orders\",\"parameters\":" + Day + "}", "key\u0000", "Idempotency-Key" },
        { "POST", "/api/reports", "{\"type\":\"orders\",\"parameters\":" + Day + ",\"webhookUrl\":\"https://example.com/\\u0000\"}", null, "webhookUrl" },
        { "POST", "/api/reports", "{\"type\":\"orders\",\"parameters\":{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"countries\":[\"DE\",\"F\\u0000R\"]}}", null, "parameters.countries[1]" },
        { "POST", "/api/reports", "{\"type\":\"orders\",\"parameters\":" + Day + ",\"emailRecipients\":[\"a\\u0000@example.com\"]}", null, "emailRecipients[0]" },
        { "POST", "/api/schedules", "{\"name\":\"nightly\\u0000\",\"type\":\"orders\",\"cron\":\"0 6 * * *\",\"parameters\":{\"from\":\"-1 days\",\"to\":\"today\"}}", null, "name" },
        { "POST", "/api/schedules", "{\"name\":\"nightly\",\"type\":\"orders\",\"cron\":\"0 6 * * *\",\"parameters\":{\"from\":\"-1 days\",\"to\":\"today\",\"x\\u0000\":1}}", null, "parameters.x\\u0000" },
        { "POST", "/api/schedules", "{\"name\":\"\\ud800\",\"type\":\"orders\",\"cron\":\"0 6 * * *\"}", null, "name" },
    };

    public static TheoryData<string, string, string, string> AdminRequests => new()
    {
        { "GET", "/api/admin/api-keys?owner=%00", "", "owner" },
        { "POST", "/api/admin/api-keys", "{\"owner\":\"someone\",\"name\":\"laptop\\u0000\"}", "name" },
    };

    [Theory]
    [MemberData(nameof(UserRequests))]
    public async Task Unstorable_text_in_any_input_is_a_400_problem_naming_the_field(string method, string path, string body, string? idempotencyKey, string field)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var request = Request(method, path, body);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);

        await AssertNamesAsync(response, field);
    }

    [Theory]
    [MemberData(nameof(AdminRequests))]
    public async Task Unstorable_text_in_an_admin_request_is_a_400_problem_naming_the_field(string method, string path, string body, string field)
    {
        var system = await infrastructure.SystemAsync();
        using var admin = system.CreateAdminClient();
        using var request = Request(method, path, body);

        using var response = await admin.SendAsync(request);

        await AssertNamesAsync(response, field);
    }

    [Fact]
    public async Task Through_Kestrel_a_NUL_in_the_query_is_a_400_problem_and_one_in_the_path_is_refused_before_the_app()
    {
        var api = await infrastructure.ApiProcessAsync();
        using var admin = api.CreateClient(TestSettings.AdminKey);

        using var response = await admin.GetAsync(new Uri("/api/reports?type=%00", UriKind.Relative));
        await AssertNamesAsync(response, "type");

        // Kestrel answers these itself, before any middleware: a 400 with an empty body that no application can shape.
        Assert.StartsWith("HTTP/1.1 400 ", await RawAsync(api.BaseAddress, "GET /api/reports/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), StringComparison.Ordinal);

        // Bytes that are not UTF-8 in the path do reach the application: a problem document, like every answer of it.
        using var notUtf8 = await admin.GetAsync(new Uri("/api/reports/%ff%fe", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, notUtf8.StatusCode);
        Assert.Equal("application/problem+json", notUtf8.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_mariadb_source_that_cannot_be_reached_is_an_outage_but_a_statement_it_refuses_is_not()
    {
        var system = await infrastructure.SystemAsync();
        await using var reachable = new MySqlConnector.MySqlDataSource(system.SalesMariaDb["ConnectionStrings:sales-mariadb"]);
        await using var wrong = reachable.CreateCommand("SELECT no_such_column FROM orders");
        var refused = await Assert.ThrowsAsync<MySqlConnector.MySqlException>(() => wrong.ExecuteScalarAsync());
        await using var unreachable = new MySqlConnector.MySqlDataSource(
            $"Server=127.0.0.1;Port={Reports.LocalServers.FreePort.Next()};User ID=nobody;Connection Timeout=2");
        await using var command = unreachable.CreateCommand("SELECT 1");
        var down = await Assert.ThrowsAsync<MySqlConnector.MySqlException>(() => command.ExecuteScalarAsync());

        Assert.False(UnavailableExceptionHandler.IsUnavailable(refused), refused.ToString());
        Assert.True(UnavailableExceptionHandler.IsUnavailable(down), down.ToString());
    }

    [Fact]
    public async Task A_data_error_from_PostgreSQL_is_not_an_outage_but_a_terminated_connection_is()
    {
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = dataSource.CreateCommand("SELECT $1::text");
        command.Parameters.AddWithValue("a\0b");
        var dataError = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        await using var jsonb = dataSource.CreateCommand("SELECT '{\"a\":\"\\u0000\"}'::jsonb");
        var jsonbError = await Assert.ThrowsAsync<PostgresException>(() => jsonb.ExecuteScalarAsync());

        await using var victim = await dataSource.OpenConnectionAsync();
        await using (var pid = new NpgsqlCommand("SELECT pg_backend_pid()", victim))
        await using (var terminate = dataSource.CreateCommand("SELECT pg_terminate_backend($1)"))
        {
            terminate.Parameters.AddWithValue((int)(await pid.ExecuteScalarAsync())!);
            await terminate.ExecuteScalarAsync();
        }

        await using var afterTermination = new NpgsqlCommand("SELECT 1", victim);
        var outage = await Assert.ThrowsAnyAsync<NpgsqlException>(() => afterTermination.ExecuteScalarAsync());

        Assert.Equal(("22021", "22P05"), (dataError.SqlState, jsonbError.SqlState));
        Assert.False(UnavailableExceptionHandler.IsUnavailable(dataError));
        Assert.False(UnavailableExceptionHandler.IsUnavailable(jsonbError));
        Assert.True(UnavailableExceptionHandler.IsUnavailable(outage), outage.ToString());
    }

    private static HttpRequestMessage Request(string method, string path, string body) =>
        new(new HttpMethod(method), path) { Content = body.Length == 0 ? null : new StringContent(body, Encoding.UTF8, "application/json") };

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal("https://reports.example/problems/validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), text);
        Assert.Contains("cannot be stored", messages[0].GetString(), StringComparison.Ordinal);
    }

    private static async Task<string> RawAsync(Uri server, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadToEndAsync(timeout.Token);
    }
}
