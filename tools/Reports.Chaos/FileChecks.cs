using System.Text.Json;

namespace Reports.Chaos;

/// <summary>
/// Checks each succeeded report's file as soon as the run sees it succeed: downloaded through the API's signed link, its
/// SHA-256 must be the stored one (and, for CSVs, the reference run's). A file that storage no longer has is counted
/// apart when its report had succeeded before a storage wipe (the wipe took it; no engine can prevent that), and as a
/// mismatch otherwise.
/// </summary>
internal sealed class FileChecks(JobClient client, IReadOnlyDictionary<string, string> reference, Faults faults)
{
    private readonly HashSet<string> _checked = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    public int Mismatched { get; private set; }

    public int LostToWipes { get; private set; }

    public IReadOnlyList<string> Problems => _problems;

    public bool IsChecked(string id) => _checked.Contains(id);

    public async Task CheckAsync(string id, JobSpec spec, JsonElement report, CancellationToken cancellationToken)
    {
        if (!_checked.Add(id))
        {
            return;
        }

        var stored = report.GetProperty("file").GetProperty("sha256").GetString();
        var download = await client.DownloadAsync(id, cancellationToken);
        if (download.Sha256 is { } downloaded)
        {
            if (downloaded != stored || (spec.Deterministic && stored != reference[spec.Name]))
            {
                Mismatched++;
                _problems.Add($"mismatch: {id} ({spec.Name}) stored {stored}, downloaded {downloaded}, reference {reference[spec.Name]}");
            }
        }
        else if (download.IsGone && faults.SucceededBeforeAWipe(Guid.Parse(id)))
        {
            LostToWipes++;
        }
        else
        {
            Mismatched++;
            _problems.Add($"mismatch: {id} ({spec.Name}) stored {stored}, but the file is {(download.IsGone ? "missing" : "unreadable")}");
        }
    }
}
