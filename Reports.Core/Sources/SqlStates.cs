namespace Reports.Core.Sources;

/// <summary>What an SQLSTATE says of an error, the same way for PostgreSQL, MySQL and MariaDB.</summary>
public static class SqlStates
{
    /// <summary>
    /// An error the server gives about the statement itself (classes 42 syntax or access, 22 data, 21 cardinality, 0A not
    /// supported, 23 a constraint), as opposed to one about the connection or the server's state (or no state at all:
    /// the client's own error, such as a server that cannot be reached).
    /// </summary>
    public static bool IsAboutTheStatement(string? sqlState) =>
        sqlState is { Length: 5 } && sqlState[..2] is "42" or "22" or "21" or "0A" or "23";
}
