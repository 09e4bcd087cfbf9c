using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MedPay.Contracts;

namespace MedPay.Platform;

/// <summary>The sandbox process's admin endpoint: its routes and bodies, shared by the process and its client.</summary>
public static class SandboxAdmin
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A scripted answer: <c>fault</c> one of decline, delay, timeout, lose-reply, misreport-amounts, succeed-late.</summary>
    public sealed record RuleBody(SandboxFault Fault, long DelayMs = 0, string? Reason = null, int? Times = null)
    {
        public SandboxRule ToRule() => new(Fault, TimeSpan.FromMilliseconds(DelayMs), Reason, Times ?? int.MaxValue);

        public static RuleBody From(SandboxRule rule) =>
            new(rule.Fault, (long)rule.Delay.TotalMilliseconds, rule.Reason, rule.Times == int.MaxValue ? null : rule.Times);
    }

    public sealed record PersonBody(InsuranceType? InsuranceType = null, string? InsuredRegion = null, bool Insured = true, long DelayMs = 0)
    {
        public SandboxPerson ToPerson() => new(InsuranceType, InsuredRegion, Insured, TimeSpan.FromMilliseconds(DelayMs));

        public static PersonBody From(SandboxPerson person) => new(person.InsuranceType, person.InsuredRegion, person.Insured, (long)person.Delay.TotalMilliseconds);
    }

    public sealed record CountBody(int Count);

    public static string Target(SandboxTarget target) => target switch
    {
        SandboxTarget.Platform => "platform",
        SandboxTarget.Cash => "cash",
        SandboxTarget.PlatformRefund => "platform-refund",
        SandboxTarget.CashRefund => "cash-refund",
        SandboxTarget.PlatformQuery => "platform-query",
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    public static SandboxTarget? ParseTarget(string text) => text switch
    {
        "platform" => SandboxTarget.Platform,
        "cash" => SandboxTarget.Cash,
        "platform-refund" => SandboxTarget.PlatformRefund,
        "cash-refund" => SandboxTarget.CashRefund,
        "platform-query" => SandboxTarget.PlatformQuery,
        _ => null,
    };
}

/// <summary>Scripts the sandbox process and reads its records over its admin endpoint (bearer admin key).</summary>
public sealed class SandboxAdminClient(HttpClient http) : ISandboxControl
{
    public static SandboxAdminClient For(Uri sandbox, string adminKey)
    {
        var http = new HttpClient { BaseAddress = sandbox, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return new SandboxAdminClient(http);
    }

    public async Task ScriptAsync(string orderId, SandboxTarget target, SandboxRule rule, CancellationToken cancellationToken = default) =>
        (await http.PutAsJsonAsync($"admin/orders/{Uri.EscapeDataString(orderId)}/{SandboxAdmin.Target(target)}", SandboxAdmin.RuleBody.From(rule), SandboxAdmin.Json, cancellationToken)).EnsureSuccessStatusCode();

    public async Task PersonAsync(string nationalId, SandboxPerson person, CancellationToken cancellationToken = default) =>
        (await http.PutAsJsonAsync($"admin/people/{Uri.EscapeDataString(nationalId)}", SandboxAdmin.PersonBody.From(person), SandboxAdmin.Json, cancellationToken)).EnsureSuccessStatusCode();

    public async Task<int> RequestsAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken = default) =>
        (await http.GetFromJsonAsync<SandboxAdmin.CountBody>($"admin/requests/{kind}/{Uri.EscapeDataString(id)}", SandboxAdmin.Json, cancellationToken))!.Count;

    public async Task<PlatformRecord?> RecordAsync(PlatformRecordKind kind, string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"admin/records/{kind}/{Uri.EscapeDataString(id)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<PlatformRecord>(SandboxAdmin.Json, cancellationToken);
    }

    public async Task<IReadOnlyList<PlatformRecord>> RecordsAsync(string? orderId = null, CancellationToken cancellationToken = default) =>
        (await http.GetFromJsonAsync<List<PlatformRecord>>(orderId is null ? "admin/records" : $"admin/records?orderId={Uri.EscapeDataString(orderId)}", SandboxAdmin.Json, cancellationToken))!;
}
