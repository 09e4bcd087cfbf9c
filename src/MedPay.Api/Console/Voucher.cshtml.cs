using MedPay.Contracts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedPay.Api.Console;

/// <summary>A user's e-voucher (masked personal data only) and their latest orders.</summary>
public sealed class VoucherModel(IGrainFactory grains) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? UserId { get; set; }

    public VoucherView? Voucher { get; private set; }

    public IReadOnlyList<OrderSummary> Orders { get; private set; } = [];

    public async Task OnGetAsync()
    {
        if (!Ids.IsValid(UserId))
        {
            UserId = null;
            return;
        }

        var voucher = await grains.GetGrain<IEVoucherGrain>(UserId!).GetAsync();
        Voucher = voucher.IsOk ? voucher.Value : null;
        if (Voucher is not null)
        {
            Orders = (await grains.GetGrain<IOrderQueryGrain>(0).ListForUserAsync(UserId!, null, null, 20)).Orders;
        }
    }
}
