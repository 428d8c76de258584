using System.Globalization;
using Reports.Bench.Results;

namespace Reports.Tests.Deploy;

/// <summary>The systemd units and the Kubernetes manifests give each process the limits the sizing table plans with.</summary>
public sealed class HostLimitsTests
{
    public static TheoryData<string, string, string> Processes() => new()
    {
        { "reports-worker@.service", "reports-worker", "worker" },
        { "reports-api.service", "reports-api", "api" },
    };

    [Theory]
    [MemberData(nameof(Processes))]
    public void Systemd_unit_limits_memory_and_cpu_as_the_sizing_plans(string unitFile, string deployment, string process)
    {
        var budget = Budget(process);
        var unit = UnitFile.Parse(File.ReadAllText(Path.Combine(DeployFiles.Systemd, unitFile)), unitFile);

        Assert.Equal(budget.MemoryHighMiB, SystemdMiB(unit.Get("Service", "MemoryHigh")));
        Assert.Equal(budget.MemoryLimitMiB, SystemdMiB(unit.Get("Service", "MemoryMax")));
        Assert.Equal($"{budget.CpuLimitCores * 100}%", unit.Get("Service", "CPUQuota"));
        Assert.True(budget.MemoryHighMiB < budget.MemoryLimitMiB, $"{deployment}: MemoryHigh must leave room under MemoryMax");
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Kubernetes_limits_equal_the_systemd_ones_and_requests_stay_below_them(string unitFile, string deployment, string process)
    {
        var budget = Budget(process);
        var resources = DeployFiles.Single("Deployment", deployment).Map("spec").Map("template").Map("spec")
            .Items("containers").Single().Map("resources");

        Assert.Equal(budget.MemoryLimitMiB, KubernetesMiB(resources.Map("limits").Str("memory")));
        Assert.Equal(budget.CpuLimitCores, KubernetesCores(resources.Map("limits").Str("cpu")));
        Assert.True(KubernetesMiB(resources.Map("requests").Str("memory")) <= budget.MemoryHighMiB, $"{unitFile}: the memory request is above MemoryHigh");
        Assert.True(KubernetesCores(resources.Map("requests").Str("cpu")) <= budget.PlannedCores, $"{unitFile}: the CPU request is above the planned cores");
    }

    private static ProcessBudget Budget(string process) => process == "worker" ? ProcessBudget.Worker : ProcessBudget.Api;

    private static int SystemdMiB(string? value)
    {
        Assert.NotNull(value);
        var number = int.Parse(value[..^1], CultureInfo.InvariantCulture);
        return value[^1] switch
        {
            'M' => number,
            'G' => number * 1024,
            _ => throw new FormatException($"'{value}': expected a size in M or G"),
        };
    }

    private static int KubernetesMiB(string value) => value.EndsWith("Gi", StringComparison.Ordinal)
        ? int.Parse(value[..^2], CultureInfo.InvariantCulture) * 1024
        : value.EndsWith("Mi", StringComparison.Ordinal) ? int.Parse(value[..^2], CultureInfo.InvariantCulture) : throw new FormatException($"'{value}': expected Mi or Gi");

    private static double KubernetesCores(string value) => value.EndsWith('m')
        ? double.Parse(value[..^1], CultureInfo.InvariantCulture) / 1000
        : double.Parse(value, CultureInfo.InvariantCulture);
}
