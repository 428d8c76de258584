using System.Text.Json.Nodes;
using Reports.Bench.Measurement;

namespace Reports.Bench.Results;

/// <summary>One line of the Markdown table: a figure with its runs, and what it is compared with.</summary>
internal sealed record TableRow(string Scenario, string Figure, string Value, string Note);

/// <summary>Everything one benchmark run found: raw figures per scenario, the ratios, and the rows of the Markdown table.</summary>
internal sealed class BenchReport
{
    public JsonObject Machine { get; } = [];
    public JsonObject Settings { get; } = [];
    public JsonObject Scenarios { get; } = [];
    public JsonObject Ratios { get; } = [];
    public List<TableRow> Rows { get; } = [];
    public List<string> Notes { get; } = [];
    public List<string> Errors { get; } = [];

    public void Row(string scenario, string figure, Summary summary, int decimals, string note = "") =>
        Rows.Add(new TableRow(scenario, figure, summary.Format(decimals), note));

    public void Ratio(string name, double value) => Ratios[name] = Summary.Json(value);

    public JsonObject ToJson() => new()
    {
        ["machine"] = Machine.DeepClone(),
        ["settings"] = Settings.DeepClone(),
        ["ratios"] = Ratios.DeepClone(),
        ["scenarios"] = Scenarios.DeepClone(),
        ["notes"] = new JsonArray(Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
        ["errors"] = new JsonArray(Errors.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
    };
}
