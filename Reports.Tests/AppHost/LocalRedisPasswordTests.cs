using Reports.LocalServers;

namespace Reports.Tests.AppHost;

/// <summary>The local Redis's password file: made once, private, and only ever a password this made.</summary>
public sealed class LocalRedisPasswordTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("reports-redis-password-").FullName;

    [Fact]
    public void A_password_is_made_once_and_kept_with_its_config_readable_by_the_owner_only()
    {
        var (first, config) = RedisServer.PreparePassword(_folder);
        var (again, _) = RedisServer.PreparePassword(_folder);

        Assert.Equal(first, again);
        Assert.Matches("^[0-9a-f]{48}$", first);
        Assert.Equal($"requirepass {first}\n", File.ReadAllText(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "password")));
    }

    [Theory]
    [InlineData("a password with spaces that is long enough to pass")]
    [InlineData("0123456789abcdef0123456789abcdef,ssl=false")]
    [InlineData("\"0123456789abcdef0123456789abcdef")]
    public void A_kept_password_redis_conf_or_the_connection_string_would_misread_is_made_again(string kept)
    {
        File.WriteAllText(Path.Combine(_folder, "password"), kept + "\n");

        var (password, _) = RedisServer.PreparePassword(_folder);

        Assert.NotEqual(kept, password);
        Assert.Matches("^[0-9a-f]{48}$", password);
    }

    [Fact]
    public void A_leftover_temporary_file_others_could_read_does_not_make_the_secret_readable()
    {
        var leftover = Path.Combine(_folder, "redis.conf.tmp");
        File.WriteAllText(leftover, "stale");
        File.SetUnixFileMode(leftover, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (_, config) = RedisServer.PreparePassword(_folder);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
