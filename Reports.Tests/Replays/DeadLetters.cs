using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reports.Tests.Engine;

namespace Reports.Tests.Replays;

/// <summary>Dead letters written straight into PostgreSQL (as an outage leaves them), and replays followed through the admin API.</summary>
internal static class DeadLetters
{
    /// <summary>
    /// <paramref name="count"/> failed no-op reports of <paramref name="owner"/> with <paramref name="errorCode"/>, failed one
    /// millisecond apart from <paramref name="firstFailure"/>; their ids in the order they failed.
    /// </summary>
    public static async Task<Guid[]> InsertAsync(
        NpgsqlDataSource db, string owner, string errorCode, DateTimeOffset firstFailure, int count, string queue = "reports")
    {
        await using var command = db.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, attempt, max_attempts,
                                      error, error_code, created_at, updated_at, finished_at)
            SELECT gen_random_uuid(), $1, 'noop', 'none', '{}', 'replay-test', $2, 'failed', 1, 1, 'The downstream was down.', $3,
                   $4 + g * interval '1 millisecond', $4 + g * interval '1 millisecond', $4 + g * interval '1 millisecond'
            FROM generate_series(0, $5 - 1) AS g
            RETURNING id, finished_at
            """);
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(queue);
        command.Parameters.AddWithValue(errorCode);
        command.Parameters.AddWithValue(firstFailure);
        command.Parameters.AddWithValue(count);
        var rows = new List<(Guid Id, DateTimeOffset At)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return [.. rows.OrderBy(r => r.At).Select(r => r.Id)];
    }

    /// <summary>Every job made from these dead letters: (original, copy, status, attempt, attempts recorded as succeeded).</summary>
    public static async Task<IReadOnlyList<(Guid Original, Guid Copy, string Status, int Attempt, long Succeeded)>> CopiesAsync(NpgsqlDataSource db, Guid[] originals)
    {
        await using var command = db.CreateCommand("""
            SELECT c.replay_of, c.id, c.status, c.attempt,
                   (SELECT count(*) FROM reports.job_attempts AS a WHERE a.job_id = c.id AND a.outcome = 'succeeded')
            FROM reports.jobs AS c WHERE c.replay_of = ANY($1)
            """);
        command.Parameters.AddWithValue(originals);
        var copies = new List<(Guid, Guid, string, int, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            copies.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4)));
        }

        return copies;
    }

    /// <summary>The step timestamps of a replay's members, in member order.</summary>
    public static async Task<IReadOnlyList<(int Position, string? Outcome, DateTimeOffset? DoneAt)>> ItemsAsync(NpgsqlDataSource db, Guid replay)
    {
        await using var command = db.CreateCommand("SELECT position, outcome, done_at FROM reports.replay_items WHERE replay_id = $1 ORDER BY position");
        command.Parameters.AddWithValue(replay);
        var items = new List<(int, string?, DateTimeOffset?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            items.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return items;
    }

    public static async Task<T?> ReplayValueAsync<T>(NpgsqlDataSource db, Guid replay, string column)
    {
        await using var command = db.CreateCommand($"SELECT {column} FROM reports.replays WHERE id = $1");
        command.Parameters.AddWithValue(replay);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    /// <summary>Starts a replay through the admin API (201) and returns its id.</summary>
    public static async Task<Guid> StartAsync(HttpClient admin, string path, object filter)
    {
        using var response = await admin.PostAsJsonAsync(new Uri(path, UriKind.Relative), filter);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var replay = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/admin/replays/{replay.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return replay.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetAsync(HttpClient admin, Guid replay) =>
        await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/admin/replays/{replay}", UriKind.Relative));

    /// <summary>Polls the replay until <paramref name="condition"/> holds; returns it as it was then.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient admin, Guid replay, Func<JsonElement, bool> condition, string what)
    {
        JsonElement last = default;
        await FaultSystem.EventuallyAsync(async () => condition(last = await GetAsync(admin, replay)), what, TimeSpan.FromMinutes(3));
        return last;
    }

    /// <summary>
    /// Waits until each dead letter's one copy has succeeded, then checks it succeeded once (and, unless a worker was
    /// killed under it, in one attempt).
    /// </summary>
    public static async Task AssertEachRanOnceAsync(NpgsqlDataSource db, Guid[] originals, bool oneAttempt = true, TimeSpan? deadline = null)
    {
        IReadOnlyList<(Guid Original, Guid Copy, string Status, int Attempt, long Succeeded)> copies = [];
        await FaultSystem.EventuallyAsync(async () =>
        {
            copies = await CopiesAsync(db, originals);
            return copies.Count == originals.Length && copies.All(c => c.Status == "succeeded");
        }, $"the {originals.Length} replayed jobs succeed", deadline ?? TimeSpan.FromMinutes(3));
        Assert.Equal(originals.Order(), copies.Select(c => c.Original).Order());
        Assert.All(copies, c => Assert.Equal(1L, c.Succeeded));
        if (oneAttempt)
        {
            Assert.All(copies, c => Assert.Equal(1, c.Attempt));
        }
    }

    /// <summary>Pauses, resumes or cancels a replay, expecting <paramref name="expected"/>; the answer's body.</summary>
    public static async Task<JsonElement> ActAsync(HttpClient admin, Guid replay, string action, HttpStatusCode expected)
    {
        using var response = await admin.PostAsync(new Uri($"/api/admin/replays/{replay}/{action}", UriKind.Relative), null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static int Count(this JsonElement replay, string name) => replay.GetProperty(name).GetInt32();

    public static string Status(this JsonElement replay) => replay.GetProperty("status").GetString()!;
}
