using MedPay.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedPay.Api.Console;

/// <summary>The merchant registry: register, rotate credentials (shown once), change the callback address; all audited.</summary>
public sealed class MerchantsModel(IGrainFactory grains, TimeProvider time, IAuthorizationService authorization) : PageModel
{
    public List<MerchantView> Merchants { get; private set; } = [];

    public MerchantCredentials? Credentials { get; private set; }

    public string? Problem { get; private set; }

    public bool CanAct { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostRegisterAsync(string? merchantId, string? name, string? institutionCode, string? callbackUrl, string? reason)
    {
        if (!await ActorAsync())
        {
            return Forbid(ConsoleAuth.CookieScheme);
        }

        if (!Ids.IsValid(merchantId))
        {
            Problem = "The merchant id must be 1 to 64 letters, digits, '_' or '-'.";
            await LoadAsync();
            return Page();
        }

        await ActAsync("merchant.register", merchantId!, $"register \"{name}\" ({institutionCode})", reason, async () =>
        {
            var result = await grains.GetGrain<IMerchantGrain>(merchantId!).RegisterAsync(new(name ?? "", institutionCode ?? "", string.IsNullOrWhiteSpace(callbackUrl) ? null : callbackUrl.Trim()));
            return Shown(result);
        });
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(string? merchantId)
    {
        if (!await ActorAsync())
        {
            return Forbid(ConsoleAuth.CookieScheme);
        }

        await ActAsync("merchant.rotate_credentials", merchantId ?? "", "new API key and webhook secret", "rotated from the console", async () =>
            Shown(await grains.GetGrain<IMerchantGrain>(merchantId ?? "").RotateCredentialsAsync()));
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostCallbackAsync(string? merchantId, string? callbackUrl)
    {
        if (!await ActorAsync())
        {
            return Forbid(ConsoleAuth.CookieScheme);
        }

        var url = string.IsNullOrWhiteSpace(callbackUrl) ? null : callbackUrl.Trim();
        await ActAsync("merchant.callback", merchantId ?? "", $"callback → {url ?? "(none)"}", "changed from the console", async () =>
        {
            var result = await grains.GetGrain<IMerchantGrain>(merchantId ?? "").SetCallbackAsync(url);
            return result.IsOk ? Results.Ok() : Problems.For(result.Error!);
        });
        await LoadAsync();
        return Page();
    }

    private IResult Shown(Result<MerchantCredentials> result)
    {
        if (!result.IsOk)
        {
            return Problems.For(result.Error!);
        }

        Credentials = result.Value;
        return Results.Ok();
    }

    private async Task ActAsync(string action, string merchantId, string change, string? reason, Func<Task<IResult>> act)
    {
        if (!Ids.IsValid(merchantId))
        {
            Problem = "No such merchant.";
            return;
        }

        var outcome = await OperatorActions.AuditedAsync(HttpContext, grains, time, action, $"merchant {merchantId}", change, reason, act);
        if (outcome is Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult refused)
        {
            Problem = $"Not done: {refused.ProblemDetails.Detail}";
        }
    }

    private async Task<bool> ActorAsync() => (await authorization.AuthorizeAsync(User, ConsoleAuth.Actors)).Succeeded;

    private async Task LoadAsync()
    {
        CanAct = await ActorAsync();
        var ids = await grains.GetGrain<IMerchantRegistryGrain>(0).ListAsync();
        var views = await Task.WhenAll(ids.Take(500).Select(id => grains.GetGrain<IMerchantGrain>(id).GetAsync()));
        Merchants = [.. views.Where(v => v.IsOk).Select(v => v.Value!).OrderByDescending(m => m.RegisteredAt)];
    }
}
