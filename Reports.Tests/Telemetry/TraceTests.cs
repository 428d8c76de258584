using System.Diagnostics;
using Reports.Core.Telemetry;
using Reports.Tests.Integration;

namespace Reports.Tests.Telemetry;

[Collection(IntegrationGroup.Name)]
public sealed class TraceTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task One_trace_runs_from_the_api_request_through_the_queue_into_the_workers_job_pages_and_blocks()
    {
        await using var system = await TracedSystem.StartAsync(infrastructure);
        using var client = await system.CreateClientAsync();
        var created = await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-12-31" } });
        var id = created.GetProperty("id").GetString()!;
        var final = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(1));
        Assert.Equal("succeeded", final.GetProperty("status").GetString());

        static bool Named(Activity span, string name) => span.Source.Name == ReportsActivities.Source.Name && span.OperationName == name;
        var trace = await system.WaitForTraceAsync(
            span => Named(span, ReportsActivities.Job) && Equals(span.GetTagItem(ReportsActivities.JobIdTag)?.ToString(), id),
            spans => spans.Any(s => s.Kind == ActivityKind.Server) && spans.Any(s => Named(s, ReportsActivities.Complete)),
            TimeSpan.FromSeconds(30));

        var request = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.DisplayName.StartsWith("POST /api/reports", StringComparison.Ordinal));
        Assert.Null(request.Parent); // the root: the worker continued the request's trace, it did not start one
        var job = Assert.Single(trace, s => Named(s, ReportsActivities.Job));
        Assert.Equal(ActivityKind.Consumer, job.Kind);
        Assert.Equal("orders", job.GetTagItem(ReportsActivities.ReportTypeTag));
        Assert.Equal(1, job.GetTagItem(ReportsActivities.AttemptTag));
        Assert.Equal(JobTelemetry.Succeeded, job.GetTagItem(ReportsActivities.OutcomeTag));
        Assert.Contains(trace, s => Named(s, ReportsActivities.Publish) && s.Kind == ActivityKind.Producer);
        Assert.Contains(trace, s => Named(s, ReportsActivities.Claim) && s.ParentSpanId == job.SpanId);

        // 30,000 orders in pages of 5,000: several pages, each with its rows and its own SQL below it.
        var pages = trace.Where(s => Named(s, ReportsActivities.Page)).ToList();
        Assert.True(pages.Count >= 2, $"expected several page spans, got {pages.Count}");
        Assert.All(pages, p => Assert.Equal(job.SpanId, p.ParentSpanId));
        Assert.Contains(trace, s => s.Source.Name == "Npgsql" && pages.Any(p => p.SpanId == s.ParentSpanId));
        Assert.Contains(trace, s => s.Source.Name == "Npgsql" && s.ParentSpanId == request.SpanId); // the INSERT of the job

        var blocks = trace.Where(s => Named(s, ReportsActivities.Block)).ToList();
        Assert.NotEmpty(blocks);
        Assert.All(blocks, b => Assert.True((int)b.GetTagItem(ReportsActivities.BytesTag)! > 0));
        Assert.Contains(trace, s => s.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) && blocks.Any(b => b.SpanId == s.ParentSpanId));
        Assert.Contains(trace, s => Named(s, ReportsActivities.Acknowledge));
    }
}
