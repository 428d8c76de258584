using System.Buffers;
using Microsoft.Extensions.Options;

namespace Reports.Api.Problems;

/// <summary>
/// One check of every text a request brings (query names and values, route values, headers, the JSON body) before any
/// endpoint runs: text PostgreSQL cannot store is a 400 problem naming the field, never a data error from the database
/// (which no handler should have to tell apart from an outage). Bad bytes and NULs in the path or headers are refused by
/// Kestrel itself, before the application runs.
/// </summary>
internal static class TextInputs
{
    public static IApplicationBuilder UseStorableTextOnly(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (await FirstUnstorableAsync(context) is { } field)
        {
            await TypedResults.ValidationProblem(
                new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [StorableText.Refusal] },
                title: "The request contains text that cannot be stored.", type: ProblemTypes.Validation).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private static async Task<string?> FirstUnstorableAsync(HttpContext context)
    {
        var request = context.Request;
        foreach (var (name, values) in request.Query)
        {
            if (!StorableText.IsStorable(name) || values.Any(v => v is not null && !StorableText.IsStorable(v)))
            {
                return StorableText.Printable(name);
            }
        }

        foreach (var (name, value) in request.RouteValues)
        {
            if (value is string text && !StorableText.IsStorable(text))
            {
                return name;
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            if (values.Any(v => v is not null && !StorableText.IsStorable(v)))
            {
                return name;
            }
        }

        return IsJson(request) ? await FirstUnstorableInBodyAsync(context) : null;
    }

    /// <summary>
    /// Reads the JSON body into memory, at most <see cref="ApiOptions.MaxRequestBodyBytes"/> (Kestrel enforces the same
    /// limit; this bounds any other server too), and gives the endpoint the same bytes to read again.
    /// </summary>
    private static async Task<string?> FirstUnstorableInBodyAsync(HttpContext context)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        var body = new MemoryStream((int)Math.Min(context.Request.ContentLength ?? 4096, limit));
        context.Response.RegisterForDispose(body);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (body.Length + read > limit)
                {
                    throw new BadHttpRequestException($"The body is larger than the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
                }

                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        body.Position = 0;
        context.Request.Body = body;
        return JsonTextScan.FirstUnstorable(body.GetBuffer().AsSpan(0, (int)body.Length));
    }

    private static bool IsJson(HttpRequest request) =>
        (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        && request.HasJsonContentType();
}
