using System.Globalization;

namespace Reports.Chaos;

/// <summary><c>./reports chaos [--jobs N] [--workers N] [--minutes M] [--output FILE]</c>.</summary>
internal sealed record ChaosOptions
{
    public int Jobs { get; init; } = 200;
    public int Workers { get; init; } = 3;

    /// <summary>Longest time faults are injected; the run then waits for stragglers without faults.</summary>
    public TimeSpan ChaosWindow { get; init; } = TimeSpan.FromMinutes(6);

    public string Output { get; init; } = Path.Combine("bench", "results", "chaos.json");

    public static ChaosOptions? Parse(string[] args, TextWriter error)
    {
        var options = new ChaosOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            try
            {
                options = args[i] switch
                {
                    "--jobs" => options with { Jobs = Positive(Value(), 1, 5_000) },
                    "--workers" => options with { Workers = Positive(Value(), 1, 16) },
                    "--minutes" => options with { ChaosWindow = TimeSpan.FromMinutes(Positive(Value(), 1, 60)) },
                    "--output" => options with { Output = Value() },
                    _ => throw new FormatException($"Unknown option {args[i]}. Options: --jobs N, --workers N, --minutes M, --output FILE."),
                };
            }
            catch (FormatException e)
            {
                error.WriteLine(e.Message);
                return null;
            }
        }

        return options;
    }

    private static int Positive(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new FormatException($"'{value}' must be a whole number from {min} to {max}.");
}
