namespace Reports.Core;

/// <summary>The AppHost's resource names, which are also the connection string names the services read.</summary>
public static class ResourceNames
{
    public const string Redis = "redis";
    public const string Database = "reportsdb";
    public const string Blobs = "blobs";

    /// <summary>The MariaDB copy of the demo sales dataset (a MySqlConnector connection string of an account that may write it).</summary>
    public const string SalesMariaDb = "sales-mariadb";
}
