using System.Security.Cryptography;
using System.Text;
using MedPay.Platform;
using Microsoft.Extensions.Options;

namespace MedPay.Sandbox;

/// <summary>
/// Scripting and records, for tests and demos: <c>/admin/…</c> with <c>Authorization: Bearer {Sandbox:AdminKey}</c>.
/// Scripts and records are both durable, in the sandbox's tables.
/// </summary>
public static class AdminEndpoints
{
    public static void MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var key = context.HttpContext.RequestServices.GetRequiredService<IOptions<SandboxOptions>>().Value.AdminKey;
            var given = context.HttpContext.Request.Headers.Authorization.ToString();
            return given.StartsWith("Bearer ", StringComparison.Ordinal)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given["Bearer ".Length..]), Encoding.UTF8.GetBytes(key))
                ? await next(context)
                : Results.Problem(statusCode: 401, title: "The admin key is missing or wrong.");
        });

        admin.MapPut("/orders/{orderId}/{target}", async (string orderId, string target, SandboxAdmin.RuleBody body, ISandboxScript script, CancellationToken ct) =>
        {
            if (SandboxAdmin.ParseTarget(target) is not { } parsed)
            {
                return Results.Problem(statusCode: 404, title: "target is one of platform, cash, platform-refund, cash-refund, platform-query.");
            }

            await script.SetAsync(orderId, parsed, body.ToRule(), ct);
            return Results.NoContent();
        });

        admin.MapPut("/people/{nationalId}", async (string nationalId, SandboxAdmin.PersonBody body, ISandboxScript script, CancellationToken ct) =>
        {
            await script.SetPersonAsync(nationalId, body.ToPerson(), ct);
            return Results.NoContent();
        });

        admin.MapGet("/records", async (string? orderId, TableLedger ledger, CancellationToken ct) =>
        {
            var records = new List<PlatformRecord>();
            await foreach (var record in orderId is null ? ledger.ListAsync(null, ct) : ledger.OfOrderAsync(orderId, ct))
            {
                records.Add(record);
            }

            return Results.Json(records, SandboxAdmin.Json);
        });

        admin.MapGet("/records/{kind}/{id}", async (PlatformRecordKind kind, string id, TableLedger ledger, CancellationToken ct) =>
            await ledger.FindAsync(kind, id, ct) is { } record ? Results.Json(record, SandboxAdmin.Json) : Results.NotFound());

        admin.MapGet("/requests/{kind}/{id}", async (PlatformRecordKind kind, string id, TableLedger ledger, CancellationToken ct) =>
            Results.Json(new SandboxAdmin.CountBody(await ledger.RequestsAsync(kind, id, ct)), SandboxAdmin.Json));
    }
}
