using System.Globalization;
using System.Text;

namespace Reports.Bench.Results;

/// <summary>The committed table (<c>bench/results/latest.md</c>) that the README links: machine, date, commit, every figure.</summary>
internal static class MarkdownWriter
{
    public static string Write(BenchReport report, BenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(settings);
        var m = report.Machine;
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine("# Benchmark results");
        text.AppendLine();
        text.AppendLine("<!-- Written by ./reports bench (bench/Reports.Bench); the raw figures are in latest.json next to this file. -->");
        text.AppendLine(invariant, $"`./reports bench{(settings.Quick ? " --quick" : "")}` on {m["date"]} at commit `{m["commit"]}`: {m["cpu"]}, {m["cores"]} cores, {m["memoryGiB"]} GiB, Linux {m["kernel"]}, .NET {m["dotnet"]}.");
        text.AppendLine(invariant, $"Everything on loopback, started by the AppHost (Release). Each cell is min / **median** / max of {settings.Runs} runs.");
        text.AppendLine(invariant, $"Load average at start {m["loadAverageAtStart"]}, at end {m["loadAverageAtEnd"]}: other engineers' test suites share these 2 cores, so the figures are noisy (each scenario's CPU busy share is in latest.json).");
        text.AppendLine();
        text.AppendLine("| scenario | figure | min / **median** / max | compared with, target |");
        text.AppendLine("|---|---|---|---|");
        foreach (var row in report.Rows.OrderBy(r => r.Scenario[0])) // by scenario number, stable within one
        {
            text.AppendLine(invariant, $"| {row.Scenario} | {row.Figure} | {row.Value} | {row.Note} |");
        }

        text.AppendLine();
        text.AppendLine("**Ratios** (`ratios` in latest.json): " + string.Join(", ", report.Ratios.Select(r => $"`{r.Key}` = {r.Value?.ToJsonString() ?? "n/a"}")) + ".");
        foreach (var section in report.Notes)
        {
            text.AppendLine();
            text.AppendLine(section);
        }

        if (report.Errors.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("**Not measured in this run:**");
            foreach (var error in report.Errors)
            {
                text.AppendLine(invariant, $"- {error}");
            }
        }

        return text.ToString();
    }
}
