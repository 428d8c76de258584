using System.Text;
using Reports.Core.Generation.Pdf;

namespace Reports.Tests.Generation;

public sealed class PdfCrossReferenceTableTests
{
    [Fact]
    public void Numbers_no_run_holds_are_free_each_naming_the_next_and_the_last_naming_zero()
    {
        PdfObjectRun[] runs = [new(1, [100, 200, 300], 0), new(5, [10, 20], 1000), new(9, [5000], 0)];
        using var output = new MemoryStream();

        PdfCrossReferenceTable.Write(output, runs);

        var lines = Encoding.ASCII.GetString(output.ToArray()).Split('\n');
        Assert.Equal(["xref", "0 10"], lines[..2]);
        Assert.Equal(
        [
            "0000000004 65535 f ", // the first free number
            "0000000100 00000 n ", "0000000200 00000 n ", "0000000300 00000 n ",
            "0000000007 00001 f ",
            "0000001010 00000 n ", "0000001020 00000 n ",
            "0000000008 00001 f ", "0000000000 00001 f ", // the last free one names 0
            "0000005000 00000 n ",
        ], lines[2..12]);
        Assert.Equal(10, PdfCrossReferenceTable.Size(runs));
    }

    [Fact]
    public void Runs_that_overlap_are_refused()
    {
        PdfObjectRun[] runs = [new(1, [1, 2, 3], 0), new(3, [4], 0)];

        Assert.Throws<ArgumentException>(() => PdfCrossReferenceTable.Write(new MemoryStream(), runs));
    }
}
