using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

public sealed class ResourceModelTests : IDisposable
{
    private readonly TemporaryFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void References_give_a_project_Aspire_named_connection_strings_to_the_servers_the_AppHost_starts()
    {
        var model = new AppModel(_data.Path);
        var redisPort = model.Redis.Resource.Port;
        var postgresPort = model.Postgres.Resource.Port;
        var azuritePort = model.Storage.Resource.Port;

        var environment = ProjectEnvironment.For(model.Api.Resource, 0, new Uri("http://localhost:5080"), model.Builder.Options, parentPid: 4242);

        Assert.Equal($"127.0.0.1:{redisPort}", environment["ConnectionStrings__redis"]);
        var password = File.ReadAllText(Path.Combine(_data.Path, "postgres", "pw")).Trim();
        Assert.Equal($"Host=127.0.0.1;Port={postgresPort};Username=postgres;Password={password};Database=reportsdb", environment["ConnectionStrings__reportsdb"]);
        Assert.Equal(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteServer.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:{azuritePort}/devstoreaccount1;",
            environment["ConnectionStrings__blobs"]);
        Assert.Equal("4242", environment["REPORTS_PARENT_PID"]);
    }

    [Fact]
    public void A_project_is_given_only_the_connection_strings_it_references()
    {
        var model = new AppModel(_data.Path);

        var environment = ProjectEnvironment.For(model.Migrate.Resource, 0, url: null, model.Builder.Options, parentPid: 1);

        Assert.Equal(["ConnectionStrings__reportsdb"], environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)));
        Assert.False(environment.ContainsKey("ASPNETCORE_URLS"));
    }

    [Fact]
    public void Each_replica_is_named_for_telemetry_and_gets_its_own_url()
    {
        var model = new AppModel(_data.Path, new AppHostOptions { Workers = 3 });
        var worker = model.Worker.Resource;

        var second = ProjectEnvironment.For(worker, 1, new Uri("http://127.0.0.1:41234"), model.Builder.Options, parentPid: 1);

        Assert.Equal(["worker-0", "worker-1", "worker-2"], Enumerable.Range(0, 3).Select(worker.ReplicaName));
        Assert.Equal("api", model.Api.Resource.ReplicaName(0));
        Assert.Equal("worker", second["OTEL_SERVICE_NAME"]);
        Assert.Equal("service.instance.id=worker-1", second["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Equal("http://127.0.0.1:41234", second["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void Workers_get_the_worker_runtime_settings_unless_the_AppHost_environment_sets_them()
    {
        var model = new AppModel(_data.Path);
        const string Chosen = "DOTNET_GCgen0size";
        var chosen = model.Builder.Options with { EnvironmentVariable = name => name == Chosen ? "0x800000" : null };

        var worker = ProjectEnvironment.For(model.Worker.Resource, 0, null, model.Builder.Options with { EnvironmentVariable = _ => null }, 1);
        var api = ProjectEnvironment.For(model.Api.Resource, 0, null, model.Builder.Options with { EnvironmentVariable = _ => null }, 1);
        var inherited = ProjectEnvironment.For(model.Worker.Resource, 0, null, chosen, 1);

        Assert.Equal("0", worker["DOTNET_TieredCompilation"]);
        Assert.Equal("0x100000", worker[Chosen]);
        Assert.Equal("0x100000", worker["DOTNET_GCRegionSize"]);
        Assert.All(WorkerRuntime.Environment, setting => Assert.False(api.ContainsKey(setting.Key)));
        Assert.False(inherited.ContainsKey(Chosen));
        Assert.Equal("0", inherited["DOTNET_TieredCompilation"]);
    }

    [Fact]
    public void The_environment_is_Development_unless_the_AppHost_was_given_one()
    {
        var model = new AppModel(_data.Path);
        var production = model.Builder.Options with { EnvironmentVariable = name => name == "DOTNET_ENVIRONMENT" ? "Production" : null };

        var byDefault = ProjectEnvironment.For(model.Api.Resource, 0, null, model.Builder.Options with { EnvironmentVariable = _ => null }, 1);
        var chosen = ProjectEnvironment.For(model.Api.Resource, 0, null, production, 1);

        Assert.Equal("Development", byDefault["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("Development", byDefault["DOTNET_ENVIRONMENT"]);
        Assert.False(chosen.ContainsKey("ASPNETCORE_ENVIRONMENT"));
        Assert.False(chosen.ContainsKey("DOTNET_ENVIRONMENT"));
    }

    [Fact]
    public void Telemetry_goes_to_the_dashboard_unless_the_AppHost_is_given_an_OTLP_endpoint()
    {
        var without = new AppModel(_data.Path, new AppHostOptions { DashboardPort = 18999 });
        var with = new AppModel(_data.Path, new AppHostOptions { OtlpEndpoint = new Uri("http://localhost:4317") });

        var dashboard = ProjectEnvironment.For(without.Api.Resource, 0, null, without.Builder.Options, 1);
        Assert.Equal("http://localhost:18999", dashboard["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", dashboard["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        var given = ProjectEnvironment.For(with.Api.Resource, 0, null, with.Builder.Options, 1);
        Assert.Equal("http://localhost:4317", given["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.False(given.ContainsKey("OTEL_EXPORTER_OTLP_PROTOCOL"));
    }

    [Fact]
    public void Given_connection_strings_are_passed_on_as_given_and_their_servers_are_not_needed()
    {
        var options = new AppHostOptions
        {
            ConnectionStrings = new Dictionary<string, string>
            {
                ["redis"] = "cache.internal:6380,password=secret",
                ["reportsdb"] = "Host=db.internal;Port=5433;Username=app;Password=pw;Database=reports",
                ["blobs"] = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
            },
        };

        var model = new AppModel(_data.Path, options);
        var environment = ProjectEnvironment.For(model.Api.Resource, 0, null, model.Builder.Options, 1);

        Assert.True(model.Redis.Resource.IsGiven);
        Assert.False(model.Postgres.Resource.IsNeeded);
        Assert.False(model.Storage.Resource.IsNeeded);
        Assert.Equal("cache.internal:6380,password=secret", environment["ConnectionStrings__redis"]);
        Assert.Equal("Host=db.internal;Port=5433;Username=app;Password=pw;Database=reports", environment["ConnectionStrings__reportsdb"]);
        Assert.StartsWith("DefaultEndpointsProtocol=https;AccountName=acct", environment["ConnectionStrings__blobs"], StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_data.Path, "postgres", "pw")));
    }

    [Fact]
    public void A_server_is_still_needed_while_one_of_its_databases_has_no_given_connection_string()
    {
        var options = new AppHostOptions { ConnectionStrings = new Dictionary<string, string> { ["reportsdb"] = "Host=db;Database=reports" } };
        var model = new AppModel(_data.Path, options);

        model.Postgres.AddDatabase("otherdb");

        Assert.True(model.Postgres.Resource.IsNeeded);
    }

    [Fact]
    public void WaitFor_and_WaitForCompletion_are_recorded_in_order_and_the_awaited_project_becomes_a_one_shot()
    {
        var model = new AppModel(_data.Path);

        Assert.Equal(
            [("redis", WaitKind.Healthy), ("reportsdb", WaitKind.Healthy), ("blobs", WaitKind.Healthy), ("migrate", WaitKind.Completion)],
            model.Api.Resource.Waits.Select(w => (w.Resource.Name, w.Kind)));
        Assert.True(model.Migrate.Resource.RunsToCompletion);
        Assert.False(model.Api.Resource.RunsToCompletion);
    }

    [Fact]
    public void A_resource_name_can_be_added_only_once_and_cannot_wait_for_itself()
    {
        var builder = DistributedApplication.CreateBuilder(new AppHostOptions { DataDirectory = _data.Path });
        var redis = builder.AddRedis("redis");

        Assert.Throws<InvalidOperationException>(() => builder.AddRedis("Redis"));
        Assert.Throws<InvalidOperationException>(() => redis.WaitFor(redis));
        Assert.Throws<ArgumentException>(() => builder.AddRedis("bad name"));
    }

    [Fact]
    public void Servers_keep_their_data_in_their_own_folder_under_the_data_directory()
    {
        var model = new AppModel(_data.Path);

        Assert.Equal(Path.Combine(_data.Path, "redis"), model.Redis.Resource.DataDirectory);
        Assert.Equal(Path.Combine(_data.Path, "postgres"), model.Postgres.Resource.DataDirectory);
        Assert.Equal(Path.Combine(_data.Path, "azurite"), model.Storage.Resource.DataDirectory);
    }

    [Fact]
    public void The_build_configuration_is_read_from_the_output_folder()
    {
        Assert.Equal("Release", ProjectPaths.ConfigurationOf("/repo/Reports.AppHost/bin/Release/net10.0/"));
        Assert.Equal("Debug", ProjectPaths.ConfigurationOf("/repo/Reports.AppHost/bin/Debug/net10.0"));
        Assert.Equal(
            Path.Combine("/repo", "Reports.Api", "bin", "Release", "net10.0", "Reports.Api.dll"),
            ProjectPaths.AssemblyPath("/repo", "Reports.Api", "Release"));
    }
}
