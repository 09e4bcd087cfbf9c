using MedPay.Contracts;
using Orleans.Runtime;

namespace MedPay.ClusterTests;

/// <summary>Guessing ids costs the silo nothing lasting: a look-up that finds nothing leaves no activation behind.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UnknownLookupTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Look_ups_of_unknown_vouchers_orders_and_merchants_leave_no_activation()
    {
        var grains = fixture.Medpay.Grains;
        var run = TestWorld.Unique("guess");
        var users = Enumerable.Range(0, 300).Select(i => $"{run}-u{i}").ToList();
        var orders = Enumerable.Range(0, 300).Select(i => $"{run}-o{i}").ToList();
        var merchants = Enumerable.Range(0, 100).Select(i => $"{run}-m{i}").ToList();

        foreach (var batch in users.Chunk(50))
        {
            var found = await Task.WhenAll(batch.Select(u => grains.GetGrain<IEVoucherGrain>(u).GetAsync()));
            Assert.All(found, r => Assert.Equal(ErrorCodes.VoucherNotFound, r.Error!.Code));
        }

        foreach (var batch in orders.Chunk(50))
        {
            var found = await Task.WhenAll(batch.Select(o => grains.GetGrain<IMedicalOrderGrain>(o).GetAsync()));
            Assert.All(found, r => Assert.Equal(ErrorCodes.OrderNotFound, r.Error!.Code));
        }

        Assert.All(await Task.WhenAll(merchants.Select(m => grains.GetGrain<IMerchantGrain>(m).VerifyAsync("guessed-key"))), Assert.False);

        var guessed = users.Concat(orders).Concat(merchants).ToHashSet(StringComparer.Ordinal);
        var management = grains.GetGrain<IManagementGrain>(0);
        var left = -1;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var active = await management.GetDetailedGrainStatistics();
            left = active.Count(s => guessed.Contains(s.GrainId.Key.ToString()!));
            if (left == 0)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(left == 0, $"{left} of {guessed.Count} activations of unknown ids are still in memory");
    }
}
