using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.ClusterTests;

/// <summary>The sandbox process over its signed interface, as the silos reach it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SandboxProcessTests(ClusterFixture fixture)
{
    private readonly ClusterFixture _fixture = fixture;

    [Fact]
    public async Task The_platform_answers_person_queries_settlements_queries_and_its_statement_over_signed_envelopes()
    {
        var platform = TestWorld.Platform;
        var nationalId = TestWorld.NationalIdWithSequence(42);
        Assert.Equal(new PlatformPerson("330100", InsuranceType.Employee, 42_000), await platform.FindPersonAsync(nationalId, CancellationToken.None));

        var orderId = TestWorld.Unique("m") + "~no-1";
        var settlementId = orderId + "~1";
        var settled = await platform.SettleAsync(new(settlementId, orderId, "m-1", "V-1", "330100", 1_200, 300), CancellationToken.None);
        Assert.Equal((PlatformOutcome.Succeeded, 1_200L, 300L), (settled.Outcome, settled.FundFen, settled.PersonalAccountFen));
        Assert.Equal(settled, await platform.QueryAsync(settlementId, CancellationToken.None));
        Assert.Equal(PlatformOutcome.NotFound, (await platform.QueryAsync(settlementId + "x", CancellationToken.None)).Outcome);

        var statement = await platform.GetStatementAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Contains(statement.Lines, l => l.Id == settlementId && l.FundFen == 1_200 && l.MerchantId == "m-1");
    }
}
