using System.Security.Cryptography;

namespace Reports.LocalServers;

/// <summary>The passwords of a local MariaDB server's accounts: root (loopback only), the sales writer and the sales reader.</summary>
public sealed record MariaDbAccounts(string RootPassword, string WriterPassword, string ReaderPassword)
{
    /// <summary>The passwords kept in <paramref name="path"/> (one a line), made once so a kept server keeps them.</summary>
    public static MariaDbAccounts LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            PrivateFile.WriteAllText(path, string.Join('\n', NewPassword(), NewPassword(), NewPassword()) + "\n");
        }

        var lines = PrivateFile.ReadAllText(path).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 3 && lines.All(l => l.All(char.IsAsciiHexDigitLower))
            ? new MariaDbAccounts(lines[0], lines[1], lines[2])
            : throw new InvalidOperationException($"{path} does not hold three passwords (a write cut short?). Delete it: the next start makes new ones.");
    }

    /// <summary>
    /// The statements mariadbd runs at every start (--init-file) before it accepts connections: no root account but
    /// the password-protected loopback ones, <paramref name="database"/>, the writer with every right on it and the reader
    /// with SELECT only. Both from any host: the local server listens on loopback only, a container's on its own network.
    /// </summary>
    public string InitSql(string database, string collation) => $"""
        DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1'));
        DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1');
        FLUSH PRIVILEGES;
        CREATE OR REPLACE USER 'root'@'localhost' IDENTIFIED BY '{RootPassword}';
        CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{RootPassword}';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
        CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE {collation};
        CREATE OR REPLACE USER '{MariaDbServer.Writer}'@'%' IDENTIFIED BY '{WriterPassword}';
        GRANT ALL PRIVILEGES ON `{database}`.* TO '{MariaDbServer.Writer}'@'%';
        CREATE OR REPLACE USER '{MariaDbServer.Reader}'@'%' IDENTIFIED BY '{ReaderPassword}';
        GRANT SELECT ON `{database}`.* TO '{MariaDbServer.Reader}'@'%';
        FLUSH PRIVILEGES;

        """;

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
