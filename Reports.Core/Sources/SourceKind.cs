namespace Reports.Core.Sources;

/// <summary>The kinds of database a report can read from.</summary>
public enum SourceKind
{
    /// <summary>PostgreSQL, through Npgsql.</summary>
    PostgreSql,

    /// <summary>MySQL or MariaDB, through MySqlConnector.</summary>
    MySql,
}
