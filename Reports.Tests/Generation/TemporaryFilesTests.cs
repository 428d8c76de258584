using Reports.Core.Generation;

namespace Reports.Tests.Generation;

public sealed class TemporaryFilesTests
{
    [Fact]
    public async Task A_scratch_file_has_no_name_while_open_so_a_killed_worker_leaves_none_behind()
    {
        var prefix = "reports-scratch-test-" + Guid.NewGuid().ToString("N")[..8];

        await using (var file = TemporaryFiles.Create(prefix, "xlsx"))
        {
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), prefix + "*"));

            await file.WriteAsync("still readable"u8.ToArray());
            file.Position = 0;
            var back = new byte[14];
            await file.ReadExactlyAsync(back);
            Assert.Equal("still readable"u8.ToArray(), back);
        }

        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), prefix + "*"));
    }
}
