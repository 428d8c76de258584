using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Reports.LocalServers;
using Reports.Core.Storage.Blobs;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>
/// Signed download links against real Azurite: limited to https (spr=https) where storage speaks https, with no protocol
/// limit on the http development emulator, where an https-only link could not work.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class DownloadLinkProtocolTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_link_to_https_storage_is_signed_for_https_only_and_downloads()
    {
        using var certificate = SelfSigned();
        var directory = Directory.CreateTempSubdirectory("reports-https-azurite-");
        var certPath = Path.Combine(directory.FullName, "cert.pem");
        var keyPath = Path.Combine(directory.FullName, "key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var port = FreePort.Next();
        await using var azurite = ChildProcess.Start(ToolPaths.AzuriteBlob,
            ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cert", certPath, "--key", keyPath,
             "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--inMemoryPersistence"], _ => { });
        try
        {
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint };
            var service = new BlobServiceClient(
                $"DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey={AzuriteServer.DevelopmentAccountKey};BlobEndpoint=https://127.0.0.1:{port}/devstoreaccount1;",
                new BlobClientOptions { Transport = new HttpClientTransport(handler) });
            var container = service.GetBlobContainerClient(BlobReportFiles.ContainerName);
            await Engine.FaultSystem.EventuallyAsync(() => FreePort.AcceptsAsync(port, CancellationToken.None), "Azurite listens");
            await container.CreateIfNotExistsAsync();
            await container.UploadBlobAsync("report.csv", BinaryData.FromString("a,b\r\n1,2\r\n"));

            var link = new BlobReportFiles(container).GetDownloadUri("report.csv", "report.csv", DateTimeOffset.UtcNow.AddMinutes(5));
            using var http = new HttpClient(handler, disposeHandler: false);
            using var download = await http.GetAsync(link);

            Assert.Equal(Uri.UriSchemeHttps, link.Scheme);
            Assert.Contains("spr=https&", link.Query + "&", StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("a,b\r\n1,2\r\n", await download.Content.ReadAsStringAsync());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_link_to_the_http_development_emulator_has_no_protocol_limit_and_downloads()
    {
        await infrastructure.SystemAsync();
        var container = new BlobServiceClient(infrastructure.BlobConnectionString).GetBlobContainerClient(BlobReportFiles.ContainerName);
        await container.CreateIfNotExistsAsync();
        var name = $"{Guid.NewGuid():N}.csv";
        await container.UploadBlobAsync(name, BinaryData.FromString("x\r\n"));

        var link = new BlobReportFiles(container).GetDownloadUri(name, "x.csv", DateTimeOffset.UtcNow.AddMinutes(5));
        using var http = new HttpClient();
        using var download = await http.GetAsync(link);

        Assert.DoesNotContain("spr=", link.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);
    }
}
