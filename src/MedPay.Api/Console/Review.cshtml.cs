using MedPay.Contracts;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedPay.Api.Console;

public sealed class ReviewModel(IGrainFactory grains, TimeProvider time) : PageModel
{
    public IReadOnlyList<ReviewEntry> Entries { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync()
    {
        Now = time.GetUtcNow();
        Entries = await grains.GetGrain<IReviewQueueGrain>(0).ListAsync(1000);
    }
}
