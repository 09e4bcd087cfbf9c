using System.Text.Json;
using MedPay.Contracts;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace MedPay.Api;

/// <summary>
/// Reads a JSON request body, turning every way it can be wrong into a problem with a stable code. Every endpoint that
/// takes a body reads it here, with the API's JSON options, which refuse a property given twice (AllowDuplicateProperties).
/// </summary>
public static class JsonBody
{
    /// <summary>Whether the request carries a body at all (a length, or chunks of one).</summary>
    public static bool IsPresent(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.For(ErrorCodes.UnsupportedMediaType, "Send the body as application/json."));
        }

        try
        {
            var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, Problems.For(ErrorCodes.MalformedJson, "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            // The path says where; the message never echoes what was sent.
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
            return (null, Problems.For(ErrorCodes.MalformedJson, $"The body is not valid JSON for this request{where}."));
        }
    }
}
