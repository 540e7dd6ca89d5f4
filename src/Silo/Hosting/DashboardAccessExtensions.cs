using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Puts <see cref="DashboardAccess"/> in front of the dashboard's path.</summary>
public static class DashboardAccessExtensions
{
    /// <summary>
    /// Requests under <paramref name="pathPrefix"/> need the token when <see cref="DashboardAccess.Token"/> is set:
    /// <c>Authorization: Bearer &lt;token&gt;</c>, or the <see cref="DashboardAccess.CookieName"/> cookie. A browser
    /// opens <c>&lt;prefix&gt;?token=&lt;token&gt;</c> once: it gets the cookie (HttpOnly, SameSite=Strict) and a
    /// redirect to the same page without the token in its address. Anything else is 401.
    /// </summary>
    public static IApplicationBuilder UseDashboardAccess(this IApplicationBuilder app, DashboardAccess access, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(access);
        if (access.Token is null) return app;
        var prefix = new PathString(pathPrefix);
        return app.UseWhen(context => context.Request.Path.StartsWithSegments(prefix), branch => branch.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Query.TryGetValue("token", out var query))
            {
                if (!access.Accepts(query.ToString()))
                {
                    Refuse(context);
                    return;
                }

                context.Response.Cookies.Append(DashboardAccess.CookieName, query.ToString(), new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = request.IsHttps,
                    Path = prefix.Value,
                });
                context.Response.Redirect($"{request.PathBase}{request.Path}");
                return;
            }

            string? bearer = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? header["Bearer ".Length..].Trim()
                : null;
            if ((bearer is not null && access.Accepts(bearer))
                || (request.Cookies.TryGetValue(DashboardAccess.CookieName, out var cookie) && access.Accepts(cookie)))
            {
                await next(context);
                return;
            }

            Refuse(context);
        }));
    }

    private static void Refuse(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"autograd-dashboard\"";
    }
}
