using Reports.Bench.Measurement;

namespace Reports.Tests.Bench;

public sealed class ProcFilesTests
{
    [Fact]
    public void ProcStat_ReadsParentAndCpuTicks()
    {
        const string line = "4242 (postgres) S 4200 4200 4200 0 -1 4194560 1234 0 0 0 150 25 7 3 20 0 1 0 5000 123456789 2048 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

        var stat = ProcStat.Parse(line);

        Assert.Equal(new ProcStat(4242, 4200, 150, 25, 7, 3), stat);
        Assert.Equal(185, stat!.Value.TreeTicks);
    }

    [Fact]
    public void ProcStat_CountsFieldsFromTheLastParenthesis_WhenTheCommandHasSpacesAndParentheses()
    {
        const string line = "77 (node (azurite) x) R 1 77 77 0 -1 0 0 0 0 0 11 22 33 44 20 0 1 0 5000 0 0";

        Assert.Equal(new ProcStat(77, 1, 11, 22, 33, 44), ProcStat.Parse(line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12 (short) S 1 2 3")]
    public void ProcStat_IsNull_ForWhatIsNotAStatLine(string line)
    {
        Assert.Null(ProcStat.Parse(line));
    }

    [Fact]
    public void ProcStatus_ReadsRssAndItsPeakInBytes()
    {
        const string text = "Name:\tdotnet\nVmPeak:\t 3000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t24\n";

        Assert.Equal(new ProcStatus(100L * 1024 * 1024, 200L * 1024 * 1024), ProcStatus.Parse(text));
        Assert.Null(ProcStatus.Parse("Name:\tkthreadd\n")); // kernel threads have no memory lines
    }

    [Fact]
    public void ProcStatus_OfThisProcess_IsReadable()
    {
        var status = ProcStatus.Read(Environment.ProcessId);

        Assert.NotNull(status);
        Assert.True(status.Value.RssBytes > 0 && status.Value.PeakRssBytes >= status.Value.RssBytes);
    }

    [Fact]
    public void TreeTicks_SumsTheRootAndEveryDescendant_AndNothingElse()
    {
        ProcStat[] all =
        [
            new(1, 0, 1000, 0, 0, 0),          // init: not in the tree
            new(10, 1, 5, 5, 100, 0),          // root, with reaped children's time
            new(11, 10, 20, 0, 0, 0),          // backend
            new(12, 10, 30, 0, 0, 0),          // backend
            new(13, 12, 1, 1, 0, 0),           // grandchild
            new(20, 1, 999, 0, 0, 0),          // unrelated
        ];

        Assert.Equal(5 + 5 + 100 + 20 + 30 + 2, ProcessTreeCpu.TreeTicks(10, all));
        Assert.Equal(0, ProcessTreeCpu.TreeTicks(99, all));
    }

    [Fact]
    public void MachineLoad_CountsIdleAndIowaitAsNotBusy()
    {
        var (busy, total) = MachineLoad.ParseCpuLine("cpu  100 5 50 800 40 3 2 0 0 0");

        Assert.Equal(1000, total);
        Assert.Equal(160, busy);
    }
}
