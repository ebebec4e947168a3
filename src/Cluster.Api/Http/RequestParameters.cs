using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Cluster.Api.Http;

/// <summary>
/// Path and query parameters are bound as strings and parsed here, so that a bad one is
/// always our 400 INVALID_REQUEST and never ASP.NET's own error page.
/// </summary>
public static class RequestParameters
{
    public static string Route(HttpContext context, string name) =>
        context.Request.RouteValues.TryGetValue(name, out var value) && value is string s
            ? s
            : throw ApiException.BadRequest($"The path parameter '{name}' is missing");

    public static int RouteInt32(HttpContext context, string name) =>
        ParseInt32(Route(context, name), $"The path parameter '{name}'");

    /// <summary>The query parameter's value; null when absent; 400 when given more than once.</summary>
    public static string? Query(HttpContext context, string name)
    {
        if (!context.Request.Query.TryGetValue(name, out var values) || values.Count == 0) return null;
        if (values.Count > 1) throw ApiException.BadRequest($"The query parameter '{name}' is given {values.Count} times");
        return values[0];
    }

    public static long QueryInt64(HttpContext context, string name, long defaultValue, long min, long max)
    {
        var text = Query(context, name);
        if (text is null) return defaultValue;
        var value = ParseInt64(text, $"The query parameter '{name}'");
        if (value < min || value > max)
            throw ApiException.BadRequest($"The query parameter '{name}' is {value}; it must be between {min} and {max}");
        return value;
    }

    public static int QueryInt32(HttpContext context, string name, int defaultValue, int min, int max) =>
        (int)QueryInt64(context, name, defaultValue, min, max);

    /// <summary>One of <paramref name="allowed"/> (compared ignoring case), or the default when absent.</summary>
    public static string QueryChoice(HttpContext context, string name, string defaultValue, params string[] allowed)
    {
        var text = Query(context, name);
        if (text is null) return defaultValue;
        foreach (var choice in allowed)
            if (string.Equals(choice, text, StringComparison.OrdinalIgnoreCase)) return choice;
        throw ApiException.BadRequest($"The query parameter '{name}' is '{text}'; it must be one of {string.Join(", ", allowed)}");
    }

    public static int ParseInt32(string text, string what)
    {
        var value = ParseInt64(text, what);
        if (value is < int.MinValue or > int.MaxValue) throw ApiException.BadRequest($"{what} is '{text}', which is not a 32-bit integer");
        return (int)value;
    }

    public static long ParseInt64(string text, string what) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiException.BadRequest($"{what} is '{text}', which is not an integer");
}
