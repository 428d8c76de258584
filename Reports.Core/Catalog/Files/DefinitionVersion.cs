using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// A definition's version: 16 hex digits of the SHA-256 of its canonical form, the file's content as JSON with mapping
/// keys in order and every scalar as text. Comments, layout, quoting and key order do not change it; any value does.
/// </summary>
public static class DefinitionVersion
{
    public static string Of(string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];

    internal static string Of(YamlNode root)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, root);
        }

        return Of(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Write(Utf8JsonWriter json, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                json.WriteStartObject();
                foreach (var (key, value) in mapping.Children
                             .Select(c => (Key: (c.Key as YamlScalarNode)?.Value ?? c.Key.ToString(), c.Value))
                             .OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    json.WritePropertyName(key);
                    Write(json, value);
                }

                json.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                json.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(json, item);
                }

                json.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                json.WriteStringValue(scalar.Value);
                break;
            default:
                json.WriteNullValue();
                break;
        }
    }
}
