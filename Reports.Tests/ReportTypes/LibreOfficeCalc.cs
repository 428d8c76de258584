using System.Diagnostics;
using System.Text;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

/// <summary>
/// Opens an XLSX in headless LibreOffice Calc (<c>libreoffice-calc-nogui</c>, installed by <c>./reports test</c>) and
/// saves its first sheet as CSV with each cell as Calc shows it: a number or a date shows in its format there, a text
/// as it is. So the CSV tells whether Calc read numbers as numbers and dates as dates.
/// </summary>
internal static class LibreOfficeCalc
{
    public static async Task<List<string[]>> AsShownAsync(byte[] xlsx)
    {
        var folder = Directory.CreateTempSubdirectory("report-calc-");
        try
        {
            var input = Path.Combine(folder.FullName, "report.xlsx");
            await File.WriteAllBytesAsync(input, xlsx);
            // Comma, double quote, UTF-8, from line 1, US English, cells as shown.
            using var process = Process.Start(new ProcessStartInfo("soffice",
            [
                $"-env:UserInstallation=file://{folder.FullName}/profile", "--headless", "--norestore",
                "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,false,true", "--outdir", folder.FullName, input,
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("LibreOffice did not convert the file in 3 minutes.");
            }

            var csv = Path.Combine(folder.FullName, "report.csv");
            Assert.True(process.ExitCode == 0 && File.Exists(csv), $"soffice failed ({process.ExitCode}): {await error} {await output}");
            return Csv.Parse(await File.ReadAllTextAsync(csv, new UTF8Encoding(false, throwOnInvalidBytes: true)), lineFeedRows: true);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
