using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reports.Core.Resources;

/// <summary>
/// The status resource as JSON outside ASP.NET's result writers (webhook bodies, event-stream data): the web defaults
/// the API serves with (camelCase, nulls written), source-generated.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReportResource))]
public sealed partial class ReportResourceJson : JsonSerializerContext;
