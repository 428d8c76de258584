namespace Reports.Core;

/// <summary>The AppHost's resource names, which are also the connection string names the services read.</summary>
public static class ResourceNames
{
    public const string Redis = "redis";
    public const string Database = "reportsdb";
    public const string Blobs = "blobs";
}
