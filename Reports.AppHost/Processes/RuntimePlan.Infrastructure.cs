using Reports.AppHost.Hosting;

namespace Reports.AppHost.Processes;

/// <summary>The servers: started and supervised by the AppHost, or given by connection string and only health-checked.</summary>
internal sealed partial class RuntimePlan
{
    private void AddRedis(RedisResource redis)
    {
        var connectionString = redis.GetConnectionString();
        if (redis.IsGiven)
        {
            AddGiven(redis, ConnectionProbes.DescribeRedis(connectionString), connectionString,
                ct => ConnectionProbes.RedisAnswersAsync(connectionString, ct));
            return;
        }

        Register(redis, redis.Name, $"127.0.0.1:{redis.Port}", connectionString);
        AddServer(redis, async ct =>
        {
            var server = await RedisServer.StartAsync(redis.DataDirectory, redis.Port, _logs.For(redis.Name), ct);
            return new RunningProcess(server.Process, server.StopAsync);
        }, TimeSpan.FromSeconds(10));
    }

    private void AddPostgres(PostgresServerResource postgres)
    {
        Register(postgres, postgres.Name, $"127.0.0.1:{postgres.Port}", connectionString: null);
        AddServer(postgres, async ct =>
        {
            var server = await PostgresServer.StartAsync(postgres.DataDirectory, postgres.Port, _logs.For(postgres.Name), ct);
            lock (_postgres)
            {
                _postgres[postgres] = server;
            }

            return new RunningProcess(server.Process, server.StopAsync);
        }, TimeSpan.FromSeconds(30));
    }

    private void AddDatabase(PostgresDatabaseResource database)
    {
        var connectionString = database.GetConnectionString();
        if (database.IsGiven)
        {
            AddGiven(database, ConnectionProbes.DescribePostgres(connectionString), connectionString,
                ct => ConnectionProbes.PostgresAnswersAsync(connectionString, ct));
            return;
        }

        Register(database, database.Name, $"127.0.0.1:{database.Server.Port}/{database.DatabaseName}", connectionString);
        AddUnit(database, new CheckedResource(database.Name, ct =>
        {
            PostgresServer server;
            lock (_postgres)
            {
                server = _postgres[database.Server];
            }

            return server.EnsureDatabaseAsync(database.DatabaseName, ct);
        }, _states));
    }

    private void AddStorage(AzureStorageResource storage)
    {
        Register(storage, storage.Name, $"http://127.0.0.1:{storage.Port}", connectionString: null);
        AddServer(storage, async ct =>
        {
            var server = await AzuriteServer.StartAsync(storage.DataDirectory, storage.Port, _logs.For(storage.Name), ct);
            return new RunningProcess(server.Process, server.StopAsync);
        }, TimeSpan.FromSeconds(10));
    }

    private void AddBlobs(AzureBlobStorageResource blobs)
    {
        var connectionString = blobs.GetConnectionString();
        if (blobs.IsGiven)
        {
            AddGiven(blobs, ConnectionProbes.DescribeBlobs(connectionString), connectionString,
                ct => ConnectionProbes.BlobsAnswerAsync(connectionString, ct));
            return;
        }

        // Ready with its storage account: the services create their containers.
        Register(blobs, blobs.Name, ConnectionProbes.DescribeBlobs(connectionString), connectionString);
        AddUnit(blobs, new CheckedResource(blobs.Name, _ => Task.CompletedTask, _states));
    }

    private void AddServer(Resource resource, ProcessLauncher launch, TimeSpan stopDeadline)
    {
        var policy = new SupervisionPolicy { FailOnFirstStartError = true, StopDeadline = stopDeadline };
        AddUnit(resource, new ProcessSupervisor(resource.Name, launch, policy, _states, _logs.For(ResourceLogs.AppHost), _time));
    }

    private void AddGiven(Resource resource, string endpoint, string connectionString, Func<CancellationToken, Task<bool>> probe)
    {
        Register(resource, resource.Name, endpoint + " (given)", connectionString);
        AddUnit(resource, new CheckedResource(resource.Name, CheckedResource.Reachable(resource.Name, probe, GivenServerDeadline), _states));
    }
}
