using MedPay.Contracts;
using MedPay.Platform;
using MedPay.Platform.Protocol;

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

        var reversedId = orderId + "~2";
        await platform.SettleAsync(new(reversedId, orderId, "m-1", "V-1", "330100", 500, 0), CancellationToken.None);
        Assert.Equal(PlatformOutcome.Reversed, (await platform.ReverseAsync(reversedId, CancellationToken.None)).Outcome);
        Assert.Equal(PlatformOutcome.Reversed, (await platform.QueryAsync(reversedId, CancellationToken.None)).Outcome);

        var statement = await platform.GetStatementAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Contains(statement.Lines, l => l.Id == settlementId && l.FundFen == 1_200 && l.MerchantId == "m-1" && !l.Reversed);
        Assert.Contains(statement.Lines, l => l.Id == reversedId && l.Reversed);
    }

    [Fact]
    public async Task The_platform_refuses_a_request_not_signed_by_MedPays_key_and_records_nothing()
    {
        var impostor = TestWorld.SandboxProcess.Platform(new Dictionary<string, string?> { ["MedPay:Platform:SigningKey"] = Sm2Key.Generate().PrivateKeyHex });
        var orderId = TestWorld.Unique("m") + "~no-1";

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => impostor.SettleAsync(new(orderId + "~1", orderId, "m-1", "V-1", "330100", 1_200, 300), CancellationToken.None));

        Assert.Null(await TestWorld.Sandbox.RecordAsync(PlatformRecordKind.Settlement, orderId + "~1"));
        Assert.Equal(0, await TestWorld.Sandbox.RequestsAsync(PlatformRecordKind.Settlement, orderId + "~1"));
    }

    [Fact]
    public async Task The_admin_endpoint_wants_its_key()
    {
        using var anonymous = new HttpClient { BaseAddress = TestWorld.SandboxProcess.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("admin/records")).StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "sandbox-development-admin-kez");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("admin/records")).StatusCode);
    }
}
