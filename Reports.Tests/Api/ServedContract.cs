using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Reports.Tests.Api;

/// <summary>
/// The OpenAPI document a running API serves, as a contract to hold real responses to: each response's status must be
/// documented for its operation, with its media type, a body valid against the documented schema (JSON Schema 2020-12,
/// as OpenAPI 3.1 uses it), every documented required header (integers as integers), and no header a client acts on
/// (Location, Retry-After, Idempotent-Replayed, WWW-Authenticate) that the document does not list for that answer.
/// </summary>
public sealed class ServedContract(JsonNode document)
{
    private const int MaxDepth = 32;

    public static async Task<ServedContract> FetchAsync(Uri baseAddress)
    {
        using var anonymous = new HttpClient { BaseAddress = baseAddress };
        return await FetchAsync(anonymous);
    }

    /// <summary>The document as <paramref name="client"/>'s API serves it (an in-process API's client, say).</summary>
    public static async Task<ServedContract> FetchAsync(HttpClient client) =>
        new(JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!);

    /// <summary>Asserts <paramref name="response"/> is what the document says <paramref name="method"/> <paramref name="path"/> answers.</summary>
    public async Task AssertConformsAsync(HttpResponseMessage response, string method, string path)
    {
        var operation = document["paths"]?[path]?[method.ToLowerInvariant()];
        Assert.True(operation is not null, $"{method} {path} is not in the document.");
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var documented = operation!["responses"]?[status];
        Assert.True(documented is not null, $"{method} {path} answered {status}, which the document does not list.");

        var headers = documented!["headers"]?.AsObject() ?? [];
        foreach (var (name, header) in headers)
        {
            var values = HeaderValues(response, name);
            if (header?["required"]?.GetValue<bool>() == true)
            {
                Assert.True(values.Count > 0, $"{method} {path} {status}: the documented header {name} is missing.");
            }

            if (header?["schema"]?["type"]?.GetValue<string>() == "integer")
            {
                Assert.All(values, v => Assert.True(long.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _),
                    $"{method} {path} {status}: the header {name} is documented as an integer, the API sent '{v}'."));
            }
        }

        // The headers a client acts on must be documented where the API sends them, or a generated client never reads them.
        foreach (var name in ContractHeaders)
        {
            Assert.True(HeaderValues(response, name).Count == 0 || headers.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)),
                $"{method} {path} {status}: the API sent the header {name}, which the document does not list for this answer.");
        }

        var body = await response.Content.ReadAsStringAsync();
        if (documented["content"] is not JsonObject content)
        {
            Assert.True(body.Length == 0, $"{method} {path} {status}: the document says no body, the API sent: {body}");
            return;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        Assert.True(mediaType is not null && content.ContainsKey(mediaType),
            $"{method} {path} {status}: sent as {mediaType}, documented as {string.Join(", ", content.Select(c => c.Key))}.");
        var schema = JsonSchema.FromText(Inline(content[mediaType!]!["schema"]!, 0).ToJsonString());
        var results = schema.Evaluate(JsonDocument.Parse(body).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, $"{method} {path} {status}: the body does not match the documented schema.\nBody: {body}\n"
            + $"Errors: {JsonSerializer.Serialize(results)}");
    }

    private static readonly string[] ContractHeaders = ["Location", "Retry-After", "Idempotent-Replayed", "WWW-Authenticate"];

    private static List<string> HeaderValues(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? [.. values] : [];

    /// <summary>A copy of the schema with every <c>#/components/schemas/…</c> reference replaced by the schema it names.</summary>
    private JsonNode Inline(JsonNode node, int depth)
    {
        Assert.True(depth < MaxDepth, "The document's schemas nest deeper than expected (a reference cycle?).");
        switch (node)
        {
            case JsonObject o when o["$ref"]?.GetValue<string>() is { } reference:
                const string prefix = "#/components/schemas/";
                Assert.StartsWith(prefix, reference, StringComparison.Ordinal);
                var target = document["components"]?["schemas"]?[reference[prefix.Length..]];
                Assert.True(target is not null, $"The document references {reference}, which it does not define.");
                return Inline(target!, depth + 1);
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (name, value) in o)
                {
                    copy[name] = value is null ? null : Inline(value, depth + 1);
                }

                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(item => item is null ? null : Inline(item, depth + 1))]);
            default:
                return node.DeepClone();
        }
    }
}
