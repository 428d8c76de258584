using System.Globalization;
using System.Text.Json.Nodes;

namespace Reports.Bench.Measurement;

/// <summary>Min, median and max of a few runs of one figure: what every table cell shows.</summary>
internal sealed record Summary(double Min, double Median, double Max, int Count)
{
    public static Summary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Summary(double.NaN, double.NaN, double.NaN, 0);
        }

        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Summary(sorted[0], median, sorted[^1], sorted.Length);
    }

    /// <summary>
    /// The nearest-rank percentile (<paramref name="percent"/> from 0 to 100) of <paramref name="sorted"/>, ascending:
    /// the smallest value that at least that share of the samples does not exceed.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>"min / median / max" with <paramref name="decimals"/> decimals, or the one value when all runs agree.</summary>
    public string Format(int decimals)
    {
        if (Count == 0)
        {
            return "n/a";
        }

        var format = "N" + decimals.ToString(CultureInfo.InvariantCulture);
        string Text(double value) => value.ToString(format, CultureInfo.InvariantCulture);
        return Min == Max ? Text(Median) : $"{Text(Min)} / **{Text(Median)}** / {Text(Max)}";
    }

    public JsonObject ToJson() => new()
    {
        ["min"] = Json(Min),
        ["median"] = Json(Median),
        ["max"] = Json(Max),
        ["runs"] = Count,
    };

    /// <summary>JSON has no NaN: a figure that could not be measured is null.</summary>
    public static JsonNode? Json(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 4)) : null;
}
