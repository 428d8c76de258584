using Reports.AppHost.Processes;

namespace Reports.AppHost.Hosting;

/// <summary>Azure Storage, run as its emulator: Azurite's blob service with its files in <see cref="DataDirectory"/>.</summary>
internal sealed class AzureStorageResource(string name, int port, string dataDirectory) : Resource(name)
{
    private readonly List<AzureBlobStorageResource> _blobs = [];

    public override string Type => "AzureStorage";

    public int Port { get; } = port;

    public string DataDirectory { get; } = dataDirectory;

    public IReadOnlyList<AzureBlobStorageResource> Blobs => _blobs;

    /// <summary>Not started when every blob service it holds was given a connection string.</summary>
    public bool IsNeeded => _blobs.Count == 0 || _blobs.Any(b => !b.IsGiven);

    public void AddBlobs(AzureBlobStorageResource blobs) => _blobs.Add(blobs);
}

/// <summary>The blob service of an <see cref="AzureStorageResource"/>.</summary>
internal sealed class AzureBlobStorageResource(string name, AzureStorageResource parent, string? givenConnectionString)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    public override string Type => "Blobs";

    public AzureStorageResource Storage { get; } = parent;

    public Resource Parent => Storage;

    public string? GivenConnectionString { get; } = givenConnectionString;

    public bool IsGiven => GivenConnectionString is not null;

    public string GetConnectionString() => GivenConnectionString
        ?? $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteServer.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:{Storage.Port}/devstoreaccount1;";
}

internal static class AzureStorageBuilderExtensions
{
    public static IResourceBuilder<AzureStorageResource> AddAzureStorage(this DistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new AzureStorageResource(name, FreePort.Next(), Path.Combine(builder.Options.DataDirectory, "azurite")));
    }

    public static IResourceBuilder<AzureBlobStorageResource> AddBlobs(this IResourceBuilder<AzureStorageResource> storage, string name)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var builder = storage.ApplicationBuilder;
        var blobs = new AzureBlobStorageResource(name, storage.Resource, builder.Options.GivenConnectionString(name));
        storage.Resource.AddBlobs(blobs);
        return builder.AddResource(blobs);
    }
}
