namespace Reports.Core;

/// <summary>The AppHost's resource names, which are also the connection string names the services read.</summary>
public static class ResourceNames
{
    public const string Redis = "redis";
    public const string Database = "reportsdb";
    public const string Blobs = "blobs";

    /// <summary>
    /// The demo sales dataset's own PostgreSQL database, which the built-in reports' source (<c>sales</c>) reads; without
    /// it, <c>migrate</c> seeds the dataset into the job store's database and the source reads it there.
    /// </summary>
    public const string Sales = "sales";

    /// <summary>The MariaDB copy of the demo sales dataset (a MySqlConnector connection string of an account that may write it).</summary>
    public const string SalesMariaDb = "sales-mariadb";
}
