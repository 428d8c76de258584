using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Reports.Tests.Deploy;

public sealed partial class SystemdUnitTests
{
    public static TheoryData<string> Units() => [.. DeployFiles.Units().Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_file_is_well_formed_with_a_description_and_a_known_layout(string file)
    {
        var unit = Load(file);

        Assert.NotNull(unit.Get("Unit", "Description"));
        Assert.All(unit.Sections, s => Assert.Contains(s, new[] { "Unit", "Service", "Install" }));
        if (file.EndsWith(".service", StringComparison.Ordinal))
        {
            Assert.Matches(@"^/usr/bin/dotnet /opt/reports/(api|worker)/Reports\.(Api|Worker)\.dll\b", unit.Get("Service", "ExecStart"));
            Assert.Equal("reports", unit.Get("Service", "User"));
            Assert.Contains("/etc/reports/reports.env", unit.All("Service", "EnvironmentFile"));
        }
    }

    [Theory]
    [InlineData("reports-api.service")]
    [InlineData("reports-worker@.service")]
    public void Long_running_unit_restarts_and_stops_with_SIGTERM_after_the_shutdown_deadline(string file)
    {
        var unit = Load(file);

        Assert.Equal("always", unit.Get("Service", "Restart"));
        Assert.Equal("SIGTERM", unit.Get("Service", "KillSignal"));
        var stop = UnitFile.ParseSeconds(unit.Get("Service", "TimeoutStopSec")!);
        Assert.True(stop > ServiceSettings.WorkerShutdownTimeout() + TimeSpan.FromSeconds(5), $"{file}: TimeoutStopSec {stop} leaves no margin");
        Assert.Contains(Environment(unit), e => e.Key == "ASPNETCORE_URLS");
    }

    [Fact]
    public void Worker_template_gives_each_instance_its_own_health_port_and_consumer_name()
    {
        var unit = Load("reports-worker@.service");
        var environment = Environment(unit).ToDictionary(e => e.Key, e => e.Value);

        Assert.Equal("http://127.0.0.1:%i", environment["ASPNETCORE_URLS"]);
        Assert.Equal("%H-%i", environment["Reports__Worker__Id"]);
        Assert.All(Reports.LocalServers.WorkerRuntime.Environment, setting => Assert.Equal(setting.Value, environment[setting.Key]));
        Assert.Contains("Reports.Worker.dll --Reports:Worker:Queues:", unit.Get("Service", "ExecStart"), StringComparison.Ordinal);
        Assert.Equal("reports-workers.target", unit.Get("Unit", "PartOf"));
        Assert.Equal("reports-workers.target", unit.Get("Install", "WantedBy"));
    }

    [Fact]
    public void Migration_unit_is_a_one_shot_of_the_migrate_verb()
    {
        var unit = Load("reports-migrate.service");

        Assert.Equal("oneshot", unit.Get("Service", "Type"));
        Assert.EndsWith("Reports.Worker.dll migrate", unit.Get("Service", "ExecStart"), StringComparison.Ordinal);
        Assert.True(UnitFile.ParseSeconds(unit.Get("Service", "TimeoutStartSec")!) > TimeSpan.FromMinutes(30), "migrate gives up after 30 minutes itself");
    }

    [Fact]
    public void Every_setting_in_the_units_and_the_environment_file_is_one_the_services_read_and_is_valid()
    {
        var settings = DeployFiles.Units().Select(f => Load(Path.GetFileName(f)))
            .SelectMany(u => Environment(u).Concat(Arguments(u.Get("Service", "ExecStart"))))
            .Concat(EnvironmentFile())
            .ToList();

        Assert.All(settings, s => Assert.True(ServiceSettings.IsRead(s.Key), $"{s.Key} is read by no service"));
        // systemd accepts only letters, digits and '_' in variable names: a '-' must go in as an argument instead.
        Assert.All(Environment(Load("reports-worker@.service")).Concat(EnvironmentFile()), s => Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", s.Key));
        Assert.Empty(ServiceSettings.Validate(settings.Where(s => !s.Value.Contains('%', StringComparison.Ordinal))));
    }

    [Fact]
    public void Environment_file_example_holds_every_connection_string()
    {
        var names = EnvironmentFile().Select(e => e.Key.Replace("__", ":", StringComparison.Ordinal)).ToList();

        Assert.All(ServiceSettings.ConnectionStrings, c => Assert.Contains(c, names));
    }

    [Fact]
    public void Systemd_accepts_the_units_where_systemd_analyze_is_installed()
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null)
        {
            return; // Nothing to ask here; the parsing tests above still hold.
        }

        var folder = Directory.CreateTempSubdirectory("reports-units-");
        try
        {
            foreach (var file in DeployFiles.Units())
            {
                File.Copy(file, Path.Combine(folder.FullName, Path.GetFileName(file)));
            }

            var start = new ProcessStartInfo(analyze) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = folder.FullName };
            foreach (var argument in new[] { "verify", "--man=no", "./reports-api.service", "./reports-worker@5091.service", "./reports-migrate.service", "./reports-workers.target" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            // Only what the units say is judged, not whether this machine has the .NET runtime at /usr/bin/dotnet.
            var relevant = errors.Split('\n').Where(l => l.Length > 0 && !l.Contains("is not executable", StringComparison.Ordinal));
            Assert.Empty(relevant);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static UnitFile Load(string file) => UnitFile.Parse(File.ReadAllText(Path.Combine(DeployFiles.Systemd, file)), file);

    private static IEnumerable<KeyValuePair<string, string>> Environment(UnitFile unit) => unit.Environment();

    private static IEnumerable<KeyValuePair<string, string>> Arguments(string? execStart) =>
        (execStart ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => ConfigArgument().Match(a)).Where(m => m.Success)
            .Select(m => KeyValuePair.Create(m.Groups["key"].Value, m.Groups["value"].Value));

    private static IEnumerable<KeyValuePair<string, string>> EnvironmentFile() =>
        File.ReadAllLines(Path.Combine(DeployFiles.Systemd, "reports.env.example"))
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0], p[1]));

    [GeneratedRegex("^--(?<key>[A-Za-z][A-Za-z0-9:_-]*)=(?<value>.*)$")]
    private static partial Regex ConfigArgument();
}
