using Reports.Bench;

namespace Reports.Tests.Bench;

public sealed class BenchSettingsTests
{
    [Fact]
    public void Parse_GivesTheFullRun_ByDefault()
    {
        var (settings, error) = BenchSettings.Parse([], "/repo");

        Assert.Null(error);
        Assert.False(settings!.Quick);
        Assert.Equal(2_000_000, settings.CsvRows);
        Assert.Equal(6_000_000, settings.CsvLargeRows);
        // The orders are seeded over six years; the orders report spans at most five of them, from 2021.
        Assert.True(settings.CsvLargeRows < settings.DatasetOrders * 5 / 6, $"{settings.CsvLargeRows:N0} of {settings.DatasetOrders:N0}");
        Assert.Equal([10_000L, 1_000_000L, 5_000_000L], settings.MemoryCsvRows);
        Assert.Equal([10_000L, 1_000_000L, 5_000_000L], settings.FormatRows);
        Assert.Equal(20_000, settings.PdfPages);
        Assert.Equal([1, 2, 4], settings.QueueWorkers);
        Assert.Equal(20_000, settings.PeerJobs);
        Assert.Null(settings.Only);
        Assert.All(BenchSettings.ScenarioNames, name => Assert.True(settings.Includes(name)));
    }

    [Fact]
    public void Parse_Only_RunsJustTheNamedScenarios()
    {
        var (settings, error) = BenchSettings.Parse(["--quick", "--only", "peers, queue"], "/repo");

        Assert.Null(error);
        Assert.Equal(["peers", "queue"], settings!.Only!.Order(StringComparer.Ordinal));
        Assert.True(settings.Includes("peers") && settings.Includes("queue"));
        Assert.False(settings.Includes("csv") || settings.Includes("api"));
        Assert.Equal(2_000, settings.PeerJobs);
    }

    [Fact]
    public void Parse_Quick_ShrinksEveryScenario_AndKeepsRunsOverride()
    {
        var (settings, _) = BenchSettings.Parse(["--quick", "--runs", "2"], "/repo");

        Assert.True(settings!.Quick);
        Assert.Equal(2, settings.Runs);
        Assert.True(settings.CsvRows < 2_000_000 && settings.PdfPages < 20_000);
        Assert.True(settings.MemoryCsvRows[^1] < settings.DatasetOrders);
    }

    [Fact]
    public void Parse_Only_RunsTheNamedScenarios_IntoFilesOfTheirOwn()
    {
        var (settings, _) = BenchSettings.Parse(["--quick", "--only", "queue"], "/repo");

        Assert.True(settings!.Includes("queue"));
        Assert.False(settings.Includes("csv"));
        Assert.Equal("only-queue", settings.ResultsName);
        Assert.Equal("only-formats", BenchSettings.Parse(["--only", "formats"], "/repo").Settings!.ResultsName);
        Assert.Equal("latest", BenchSettings.Parse([], "/repo").Settings!.ResultsName);
    }

    [Fact]
    public void Parse_Only_TellsTheMariaDbCsvApartFromThePostgresOne()
    {
        var (settings, error) = BenchSettings.Parse(["--only", "csv-mariadb"], "/repo");

        Assert.Null(error);
        Assert.True(settings!.Includes("csv-mariadb"));
        Assert.False(settings.Includes("csv"));
        Assert.Equal("only-csv-mariadb", settings.ResultsName);
        Assert.False(BenchSettings.Parse(["--only", "csv"], "/repo").Settings!.Includes("csv-mariadb"));
    }

    [Theory]
    [InlineData("--runs", "0")]
    [InlineData("--only", "everything")]
    [InlineData("--runs", "x")]
    [InlineData("--fast", "")]
    [InlineData("--only", "peers,fast")]
    [InlineData("--only", ",")]
    [InlineData("--only", "")]
    public void Parse_RefusesBadArguments(string name, string value)
    {
        var (settings, error) = BenchSettings.Parse(value.Length > 0 ? [name, value] : [name], "/repo");

        Assert.Null(settings);
        Assert.Contains(name, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Slots_GivesThePeersAndOurWorkersThatConcurrency_IntoFilesOfTheirOwn()
    {
        var (settings, error) = BenchSettings.Parse(["--only", "queue,peers", "--slots", "50"], "/repo");

        Assert.Null(error);
        Assert.Equal(50, settings!.PeerSlotsPerProcess);
        Assert.Equal("only-peers-queue-slots50", settings.ResultsName);
        Assert.Equal(BenchSettings.DefaultSlots, BenchSettings.Parse([], "/repo").Settings!.PeerSlotsPerProcess);
        Assert.NotNull(BenchSettings.Parse(["--slots", "0"], "/repo").Error);
    }

    [Fact]
    public void Queue_workers_name_the_worker_counts_of_the_queue_scenario_in_rising_order()
    {
        var (settings, error) = BenchSettings.Parse(["--only", "queue", "--queue-workers", "2"], "/repo");
        Assert.Null(error);
        Assert.Equal([2], settings!.QueueWorkers);
        Assert.Equal([1, 2, 4], BenchSettings.Parse([], "/repo").Settings!.QueueWorkers);

        Assert.NotNull(BenchSettings.Parse(["--queue-workers", "4,2"], "/repo").Error);
        Assert.NotNull(BenchSettings.Parse(["--queue-workers", "0"], "/repo").Error);
        Assert.NotNull(BenchSettings.Parse(["--queue-workers", "2,x"], "/repo").Error);
    }
}
