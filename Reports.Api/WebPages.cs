using Microsoft.AspNetCore.Rewrite;
using Microsoft.AspNetCore.StaticFiles;

namespace Reports.Api;

/// <summary>
/// The web pages: <c>/</c> (reports) and <c>/ops</c> (operations), plain files from wwwroot that need no key to load;
/// every figure they show comes from <c>/api</c> with the key the person signs in with.
/// </summary>
internal static class WebPages
{
    /// <summary>Pages may only talk to this origin and run their own files: a script injected into a report's text cannot run.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static WebApplication UseWebPages(this WebApplication app)
    {
        app.UseRewriter(new RewriteOptions().AddRewrite("^ops/?$", "ops.html", skipRemainingRules: true));
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                if (context.File.Name.EndsWith(".html", StringComparison.Ordinal))
                {
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    headers.CacheControl = "no-cache";
                    headers["Referrer-Policy"] = "no-referrer";
                }
            },
        });
        return app;
    }
}
