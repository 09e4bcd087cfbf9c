using MedPay.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedPay.Api.Console;

/// <summary>One order: MedPay's record beside the platform's answer now, the decision it allows, and its notifications.</summary>
public sealed class ReviewOrderModel(IGrainFactory grains, TimeProvider time, IAuthorizationService authorization) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string OrderId { get; set; } = "";

    public OrderView? Order { get; private set; }

    public ReviewCase? Case { get; private set; }

    public string? Problem { get; private set; }

    public bool CanAct { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Order is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostResolveAsync(string? decision, string? reason)
    {
        if (!await ActorAsync())
        {
            return Forbid(ConsoleAuth.CookieScheme);
        }

        if (WireNames.ParseReviewDecision(decision) is not { } chosen || string.IsNullOrWhiteSpace(reason) || reason.Length > 500)
        {
            Problem = "Choose settle or fail, and give a reason (1 to 500 characters).";
            await LoadAsync();
            return Page();
        }

        var outcome = await AdminApi.ResolveAuditedAsync(HttpContext, grains, time, OrderId, chosen, reason);
        if (outcome is Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult refused)
        {
            Problem = $"Not done: {refused.ProblemDetails.Detail}";
            await LoadAsync();
            return Page();
        }

        TempData["Flash"] = chosen == ReviewDecision.Settle ? $"Order {OrderId} is settled; the merchant is being notified." : $"Order {OrderId} has failed; the reservation went back to the voucher and the merchant is being notified.";
        return RedirectToPage(new { OrderId });
    }

    public async Task<IActionResult> OnPostResendAsync(string? reason)
    {
        if (!await ActorAsync())
        {
            return Forbid(ConsoleAuth.CookieScheme);
        }

        var outcome = await AdminApi.ResendAuditedAsync(HttpContext, grains, time, OrderId, reason);
        TempData["Flash"] = outcome is Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult refused
            ? $"Not sent: {refused.ProblemDetails.Detail}"
            : "The merchant's notifications were sent again.";
        return RedirectToPage(new { OrderId });
    }

    private async Task<bool> ActorAsync() => (await authorization.AuthorizeAsync(User, ConsoleAuth.Actors)).Succeeded;

    private async Task LoadAsync()
    {
        CanAct = await ActorAsync();
        if (!OrderIds.TryParse(OrderId, out _, out _))
        {
            return;
        }

        var order = grains.GetGrain<IMedicalOrderGrain>(OrderId);
        var view = await order.GetAsync();
        Order = view.IsOk ? view.Value : null;
        if (Order?.Status == OrderStatus.ManualReview)
        {
            var inspected = await order.InspectReviewAsync();
            Case = inspected.IsOk ? inspected.Value : null;
            Order = Case?.Order ?? Order;
        }
    }
}
