using Reports.Bench.Results;

namespace Reports.Tests.Bench;

public sealed class SizingTests
{
    // Round figures: 1 worker CPU-s and 2 PostgreSQL CPU-s per million rows, 1 ms per PDF page, 10 ms per tiny job.
    private static readonly ScaleCosts Costs = new(
        WorkerCpuSPerMRows: 1, PostgresCpuSPerMRows: 2, StorageCpuSPerMRows: 1, BytesPerRow: 70, WorkerCpuSPerPage: 0.001,
        WorkerCpuSPerJob: 0.003, PostgresCpuSPerJob: 0.003, ApiCpuSPerJob: 0.002, OtherCpuSPerJob: 0.002,
        WorkerPeakRssMiB: 230, CsvRowsPerSecondPerJob: 200_000, SecondsPerTinyJob: 0.02);

    [Fact]
    public void Peak_load_follows_from_the_mix()
    {
        var row = Sizing.For(Costs, 864_000);

        Assert.Equal(30, row.PeakReportsPerSecond, 6); // 10/s on average, 3x at peak
        var csvRowsPerReport = (0.90 * 1_000) + (0.09 * 100_000) + (0.001 * 2_000_000);
        Assert.Equal(30 * csvRowsPerReport, row.CsvRowsPerSecond, 6);
        Assert.Equal(30 * 0.009 * 100, row.PdfPagesPerSecond, 6);
        Assert.Equal(row.CsvRowsPerSecond * 70 / 1e6, row.StorageMBps, 6);
    }

    [Fact]
    public void Jobs_in_flight_are_arrivals_times_the_time_each_holds_a_slot()
    {
        var row = Sizing.For(Costs, 864_000);
        var secondsPerReport = Sizing.Mix.Sum(k => k.Share * (0.02 + (k.Pages > 0 ? k.Pages * 0.001 : k.Rows / 200_000)));

        Assert.Equal(30 * secondsPerReport, row.JobsInFlight, 6);
    }

    [Fact]
    public void Small_volumes_still_get_two_of_every_process_and_no_replica()
    {
        var row = Sizing.For(Costs, 10_000);

        Assert.Equal(2, row.WorkerProcesses);
        Assert.Equal(2, row.ApiReplicas);
        Assert.Equal(2, row.Machines);
        Assert.Equal(0, row.ReadReplicas);
    }

    [Fact]
    public void More_reports_never_need_less_of_anything_and_large_volumes_need_replicas()
    {
        var rows = new[] { 10_000d, 100_000, 1_000_000, 10_000_000, 100_000_000 }.Select(v => Sizing.For(Costs, v)).ToList();

        foreach (var (smaller, larger) in rows.Zip(rows.Skip(1)))
        {
            Assert.True(larger.WorkerProcesses >= smaller.WorkerProcesses);
            Assert.True(larger.ApiReplicas >= smaller.ApiReplicas);
            Assert.True(larger.Machines >= smaller.Machines);
            Assert.True(larger.MemoryGiB >= smaller.MemoryGiB);
            Assert.True(larger.ReadReplicas >= smaller.ReadReplicas);
        }

        var largest = rows[^1];
        Assert.True(largest.ReadReplicas > 0);
        // Enough workers for both their CPU and the jobs in flight.
        Assert.True(largest.WorkerProcesses * ProcessBudget.Worker.PlannedCores >= largest.WorkerCores);
        Assert.True(largest.WorkerProcesses * ProcessBudget.Worker.Slots >= largest.JobsInFlight);
        Assert.Equal((largest.WorkerProcesses * 1024 + largest.ApiReplicas * 512) / 1024.0, largest.MemoryGiB, 6);
    }
}
