using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Reports.Core;
using Reports.Core.Queue;
using YamlDotNet.RepresentationModel;

namespace Reports.Tests.Deploy;

public sealed partial class KubernetesManifestTests
{
    public static TheoryData<string> Manifests() => [.. DeployFiles.Manifests().Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Manifest_is_well_formed_yaml_and_every_object_has_apiVersion_kind_and_name(string file)
    {
        var documents = DeployFiles.LoadYaml(Path.Combine(DeployFiles.Kubernetes, file));

        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            Assert.Matches(@"^[a-z0-9.]+(/v[0-9a-z]+)?$|^v1$", document.Str("apiVersion"));
            Assert.Matches("^[A-Z][A-Za-z]+$", document.Str("kind"));
            if (document.Str("kind") != "Kustomization")
            {
                Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", document.Map("metadata").Str("name"));
            }
        }
    }

    [Fact]
    public void Kustomization_lists_every_manifest_but_the_secret_example_and_the_per_release_migration_job()
    {
        var kustomization = DeployFiles.LoadYaml(Path.Combine(DeployFiles.Kubernetes, "kustomization.yaml")).Single();
        var expected = DeployFiles.Manifests().Select(Path.GetFileName)
            .Except(["kustomization.yaml", "secret.example.yaml", "migrate-job.yaml"]).Order(StringComparer.Ordinal);

        Assert.Equal(expected, kustomization.Strings("resources").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("reports-api")]
    [InlineData("reports-worker")]
    public void Deployment_probes_endpoints_that_the_services_map_on_the_port_they_listen_on(string name)
    {
        var pod = DeployFiles.Single("Deployment", name).Map("spec").Map("template").Map("spec");
        var container = pod.Items("containers").Single();
        var port = container.Items("ports").Single();
        var listening = DeployFiles.Single("ConfigMap", "reports-settings").Map("data").Str("ASPNETCORE_HTTP_PORTS");

        Assert.Equal(listening, port.Str("containerPort"));
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            var get = container.Map(probe).Map("httpGet");
            Assert.Contains(get.Str("path"), MappedHealthEndpoints());
            Assert.Equal(port.Str("name"), get.Str("port"));
        }

        Assert.Equal(Extensions.AlivePath, container.Map("livenessProbe").Map("httpGet").Str("path"));
        Assert.Equal(Extensions.HealthPath, container.Map("startupProbe").Map("httpGet").Str("path"));
    }

    [Theory]
    [InlineData("reports-api")]
    [InlineData("reports-worker")]
    public void Deployment_has_requests_limits_and_a_grace_period_longer_than_the_shutdown_deadline(string name)
    {
        var pod = DeployFiles.Single("Deployment", name).Map("spec").Map("template").Map("spec");
        var resources = pod.Items("containers").Single().Map("resources");

        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.NotNull(resources.Map(kind).OptStr("cpu"));
            Assert.NotNull(resources.Map(kind).OptStr("memory"));
        }

        var grace = TimeSpan.FromSeconds(int.Parse(pod.Str("terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(grace > ServiceSettings.WorkerShutdownTimeout() + TimeSpan.FromSeconds(5), $"{name}: {grace} leaves no margin");
    }

    [Theory]
    [InlineData("reports-api")]
    [InlineData("reports-worker")]
    public void Deployment_has_a_disruption_budget_selecting_its_pods(string name)
    {
        var labels = DeployFiles.Single("Deployment", name).Map("spec").Map("template").Map("metadata").Pairs("labels").ToList();
        var selector = DeployFiles.Single("PodDisruptionBudget", name).Map("spec").Map("selector").Pairs("matchLabels");

        Assert.All(selector, label => Assert.Contains(label, labels));
    }

    [Fact]
    public void Service_and_ingress_reach_the_api_pods()
    {
        var service = DeployFiles.Single("Service", "reports-api").Map("spec");
        var labels = DeployFiles.Single("Deployment", "reports-api").Map("spec").Map("template").Map("metadata").Pairs("labels").ToList();
        var containerPort = DeployFiles.Single("Deployment", "reports-api").Map("spec").Map("template").Map("spec")
            .Items("containers").Single().Items("ports").Single().Str("name");
        var backend = DeployFiles.Single("Ingress", "reports-api").Map("spec").Items("rules").Single().Map("http").Items("paths")
            .Single().Map("backend").Map("service");

        Assert.All(service.Pairs("selector"), label => Assert.Contains(label, labels));
        Assert.Equal(containerPort, service.Items("ports").Single().Str("targetPort"));
        Assert.Equal("reports-api", backend.Str("name"));
        Assert.Equal(service.Items("ports").Single().Str("name"), backend.Map("port").Str("name"));
    }

    [Fact]
    public void Every_setting_in_the_manifests_is_one_the_services_read_and_is_valid()
    {
        var settings = Settings().ToList();

        Assert.All(settings, s => Assert.True(ServiceSettings.IsRead(s.Key), $"{s.Key} is read by no service"));
        Assert.Empty(ServiceSettings.Validate(settings));
    }

    [Fact]
    public void Secret_example_holds_every_connection_string_and_every_key_the_manifests_refer_to()
    {
        var secret = DeployFiles.LoadYaml(Path.Combine(DeployFiles.Kubernetes, "secret.example.yaml")).Single();
        var keys = secret.Pairs("stringData").Select(p => p.Key).ToList();
        var name = secret.Map("metadata").Str("name");
        var referenced = Containers().SelectMany(c => c.Items("env")).Select(e => e.Find("valueFrom")?.Find("secretKeyRef"))
            .OfType<YamlMappingNode>()
            .Concat(DeployFiles.Single("TriggerAuthentication", "reports-redis").Map("spec").Items("secretTargetRef"))
            .ToList();

        Assert.Contains($"ConnectionStrings__{ResourceNames.Redis}", keys);
        Assert.Contains($"ConnectionStrings__{ResourceNames.Database}", keys);
        Assert.Contains($"ConnectionStrings__{ResourceNames.Blobs}", keys);
        Assert.All(referenced, r => Assert.Equal(name, r.Str("name")));
        Assert.All(referenced, r => Assert.Contains(r.Str("key"), keys));
    }

    [Fact]
    public void Scaled_object_scales_the_workers_on_every_queue_stream_with_targets_equal_to_their_concurrency()
    {
        var spec = DeployFiles.Single("ScaledObject", "reports-worker").Map("spec");
        var triggers = spec.Items("triggers").ToList();
        var concurrency = Containers("reports-worker").Single().Strings("args")
            .Select(a => QueueArgument().Match(a)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["queue"].Value, m => m.Groups["n"].Value);

        Assert.Equal("reports-worker", spec.Map("scaleTargetRef").Str("name"));
        Assert.True(int.Parse(spec.Str("minReplicaCount"), System.Globalization.CultureInfo.InvariantCulture) >= 1,
            "workers also relay the outbox and sweep leases: never scale them to zero");
        Assert.All(triggers, t => Assert.Equal("redis-streams", t.Str("type")));
        Assert.All(triggers, t => Assert.Equal(QueueNames.ConsumerGroup, t.Map("metadata").Str("consumerGroup")));
        Assert.All(triggers, t => Assert.Equal("reports-redis", t.Map("authenticationRef").Str("name")));
        foreach (var queue in QueueNames.All)
        {
            var mine = triggers.Select(t => t.Map("metadata")).Where(m => m.Str("stream") == QueueNames.Stream(queue)).ToList();
            Assert.Equal(concurrency[queue], Assert.Single(mine, m => m.Find("pendingEntriesCount") is not null).Str("pendingEntriesCount"));
            Assert.Equal(concurrency[queue], Assert.Single(mine, m => m.Find("lagCount") is not null).Str("lagCount"));
        }
    }

    [Fact]
    public void Workers_run_with_the_runtime_settings_the_AppHost_gives_them()
    {
        var env = Containers("reports-worker").Single().Items("env").ToList();
        var image = System.Xml.Linq.XDocument.Load(Path.Combine(DeployFiles.Root, "Reports.Worker", "Reports.Worker.csproj"))
            .Descendants("ContainerEnvironmentVariable")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string?)e.Attribute("Value"));

        foreach (var (name, value) in Reports.LocalServers.WorkerRuntime.Environment)
        {
            Assert.Contains(env, e => e.Str("name") == name && e.Str("value") == value);
            Assert.Equal(value, image[name]);
        }
    }

    [Fact]
    public void Migration_job_runs_the_worker_image_with_the_migrate_verb_and_the_database_connection()
    {
        var job = DeployFiles.Single("Job", "reports-migrate").Map("spec");
        var container = job.Map("template").Map("spec").Items("containers").Single();
        var workerImage = Containers("reports-worker").Single().Str("image");

        Assert.Equal(["migrate"], container.Strings("args"));
        Assert.Equal(workerImage, container.Str("image"));
        Assert.Equal("Never", job.Map("template").Map("spec").Str("restartPolicy"));
        Assert.Contains(container.Items("env"), e => e.Str("name") == $"ConnectionStrings__{ResourceNames.Database}");
    }

    /// <summary>The paths MapDefaultEndpoints maps, which both services call (see their Program.cs).</summary>
    internal static IReadOnlyList<string> MappedHealthEndpoints()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddDefaultHealthChecks();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))];
    }

    private static IEnumerable<YamlMappingNode> Containers(string? deployment = null) =>
        DeployFiles.Objects().Select(o => o.Object)
            .Where(o => o.Str("kind") is "Deployment" or "Job" && (deployment is null || o.Map("metadata").Str("name") == deployment))
            .SelectMany(o => o.Map("spec").Map("template").Map("spec").Items("containers"));

    /// <summary>
    /// Every setting a container gets: the ConfigMap, env values (literal, or the example Secret's; not the helpers that
    /// only feed <c>$(NAME)</c> substitutions), and <c>--Key=Value</c> arguments.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> Settings()
    {
        var secrets = DeployFiles.LoadYaml(Path.Combine(DeployFiles.Kubernetes, "secret.example.yaml")).Single()
            .Pairs("stringData").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var pair in DeployFiles.Single("ConfigMap", "reports-settings").Pairs("data"))
        {
            yield return pair;
        }

        foreach (var container in Containers())
        {
            var env = container.Items("env").ToList();
            foreach (var variable in env)
            {
                var name = variable.Str("name");
                var isHelper = env.Any(e => e.OptStr("value")?.Contains($"$({name})", StringComparison.Ordinal) == true);
                if (!isHelper)
                {
                    var secretKey = variable.Find("valueFrom")?.Find("secretKeyRef")?.OptStr("key");
                    yield return KeyValuePair.Create(name, variable.OptStr("value") ?? secrets.GetValueOrDefault(secretKey ?? "", ""));
                }
            }

            foreach (var argument in container.Strings("args").Where(a => a.StartsWith("--", StringComparison.Ordinal)))
            {
                var parts = argument[2..].Split('=', 2);
                yield return KeyValuePair.Create(parts[0], parts[1]);
            }
        }
    }

    [GeneratedRegex("^--Reports:Worker:Queues:(?<queue>[a-z-]+)=(?<n>[0-9]+)$")]
    private static partial Regex QueueArgument();
}
