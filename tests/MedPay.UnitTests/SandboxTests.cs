using MedPay.Contracts;
using MedPay.Platform;

namespace MedPay.UnitTests;

public sealed class SandboxTests
{
    private const string OrderId = "pharmacy_01~2025.06.01-0001";
    private const string OtherOrderId = "pharmacy_01~2025.06.01-0002";

    private readonly SandboxScript _script = new();
    private readonly MemoryLedger _ledger = new();
    private readonly SandboxInsurancePlatform _platform;
    private readonly SandboxCashChannel _cash;

    public SandboxTests()
    {
        _platform = new SandboxInsurancePlatform(_script, _ledger, TimeProvider.System);
        _cash = new SandboxCashChannel(_script, _ledger, TimeProvider.System);
    }

    /// <summary>The settlements the platform holds (standing or reversed).</summary>
    private List<PlatformRecord> Settlements => [.. _ledger.Records.Where(r => r is { Kind: PlatformRecordKind.Settlement, Outcome: PlatformOutcome.Succeeded or PlatformOutcome.Reversed })];

    private List<PlatformRecord> Charges => [.. _ledger.Records.Where(r => r is { Kind: PlatformRecordKind.CashCharge, Outcome: PlatformOutcome.Succeeded })];

    private static PlatformSettleRequest Request(string settlementId = "S-1", string orderId = OrderId, long fund = 59_500, long personal = 40_500) =>
        new(settlementId, orderId, "pharmacy_01", "V-0001", "330100", fund, personal);

    private Task<PlatformReply> Settle(PlatformSettleRequest request) => _platform.SettleAsync(request, CancellationToken.None);

    private Task<PlatformReply> Query(string settlementId) => _platform.QueryAsync(settlementId, CancellationToken.None);

    private Task<CashReply> Charge(string settlementId = "S-1", string orderId = OrderId, long amount = 12_345) =>
        _cash.ChargeAsync(settlementId, orderId, amount, CancellationToken.None);

    // ---- insurance platform ----

    [Fact]
    public async Task Unscripted_settlement_succeeds_with_the_requested_amounts()
    {
        var reply = await Settle(Request());

        Assert.Equal(PlatformOutcome.Succeeded, reply.Outcome);
        Assert.False(string.IsNullOrEmpty(reply.Reference));
        Assert.Equal(59_500, reply.FundFen);
        Assert.Equal(40_500, reply.PersonalAccountFen);
        Assert.Null(reply.Reason);
    }

    [Fact]
    public async Task Settle_is_idempotent_per_settlement_id()
    {
        var first = await Settle(Request());
        var second = await Settle(Request());
        var changed = await Settle(Request(fund: 1, personal: 2));

        Assert.Equal(first, second);
        Assert.Equal(first, changed);
        Assert.Single(Settlements);
        Assert.Equal(3, await _ledger.RequestsAsync(PlatformRecordKind.Settlement, "S-1", CancellationToken.None));
    }

    [Theory]
    [InlineData(SandboxFault.Decline)]
    [InlineData(SandboxFault.Timeout)]
    [InlineData(SandboxFault.LoseReply)]
    public async Task A_repeat_of_a_recorded_settlement_returns_the_first_outcome_whatever_is_scripted_later(SandboxFault fault)
    {
        var first = await Settle(Request());
        _script.Platform(OrderId, new SandboxRule(fault));

        var repeat = await Settle(Request());

        Assert.Equal(first, repeat);
    }

    [Fact]
    public async Task Different_settlement_ids_settle_separately_with_different_references()
    {
        var first = await Settle(Request("S-1"));
        var second = await Settle(Request("S-2"));

        Assert.NotEqual(first.Reference, second.Reference);
        Assert.Equal(2, Settlements.Count);
    }

    [Fact]
    public async Task A_decline_settles_nothing_and_is_the_final_answer_for_its_settlement_id()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Decline, Reason: "insured person suspended", Times: 1));

        var reply = await Settle(Request());

        Assert.Equal(PlatformOutcome.Declined, reply.Outcome);
        Assert.Equal("insured person suspended", reply.Reason);
        Assert.Null(reply.Reference);
        Assert.Equal(0, reply.FundFen);
        Assert.Equal(0, reply.PersonalAccountFen);
        Assert.Empty(Settlements);
        Assert.Equal(reply, await Query("S-1"));
        // The rule is spent, but a repeat of the same settlement gets the first answer.
        Assert.Equal(reply, await Settle(Request()));
        Assert.Empty(Settlements);
    }

    [Fact]
    public async Task A_decline_rule_without_a_reason_still_gives_one()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Decline));

        var reply = await Settle(Request());

        Assert.Equal(PlatformOutcome.Declined, reply.Outcome);
        Assert.False(string.IsNullOrWhiteSpace(reply.Reason));
    }

    [Fact]
    public async Task A_rule_only_applies_to_its_own_order()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Decline));

        var reply = await Settle(Request("S-9", OtherOrderId));

        Assert.Equal(PlatformOutcome.Succeeded, reply.Outcome);
    }

    [Fact]
    public async Task A_rule_without_a_count_applies_to_every_call()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Decline));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(PlatformOutcome.Declined, (await Settle(Request($"S-{i}"))).Outcome);
        }
    }

    [Fact]
    public async Task Timeout_throws_OutcomeUnknownException_and_records_nothing()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Timeout));

        var thrown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => Settle(Request()));

        Assert.IsAssignableFrom<TimeoutException>(thrown);
        Assert.Empty(Settlements);
        Assert.Equal(PlatformOutcome.NotFound, (await Query("S-1")).Outcome);
    }

    [Fact]
    public async Task LoseReply_throws_but_the_settlement_took_effect_and_a_query_says_succeeded()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.LoseReply));

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => Settle(Request()));
        var queried = await Query("S-1");

        Assert.Equal(PlatformOutcome.Succeeded, queried.Outcome);
        Assert.False(string.IsNullOrEmpty(queried.Reference));
        Assert.Equal(59_500, queried.FundFen);
        Assert.Equal(40_500, queried.PersonalAccountFen);
    }

    [Fact]
    public async Task After_a_lost_reply_a_repeat_returns_the_recorded_settlement()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.LoseReply, Times: 1));

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => Settle(Request()));
        var repeat = await Settle(Request());

        Assert.Equal(PlatformOutcome.Succeeded, repeat.Outcome);
        Assert.Equal((await Query("S-1")).Reference, repeat.Reference);
        Assert.Single(Settlements);
    }

    [Fact]
    public async Task A_rule_with_Times_1_applies_once_then_the_platform_behaves_normally()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Timeout, Times: 1));

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => Settle(Request()));
        var retry = await Settle(Request());

        Assert.Equal(PlatformOutcome.Succeeded, retry.Outcome);
        Assert.Equal(PlatformOutcome.Succeeded, (await Query("S-1")).Outcome);
    }

    [Fact]
    public async Task A_rule_with_Times_0_never_applies()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Decline, Times: 0));

        Assert.Equal(PlatformOutcome.Succeeded, (await Settle(Request("S-1"))).Outcome);
    }

    [Fact]
    public async Task A_rule_with_Times_2_applies_twice()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Decline, Times: 2));

        Assert.Equal(PlatformOutcome.Declined, (await Settle(Request("S-1"))).Outcome);
        Assert.Equal(PlatformOutcome.Declined, (await Settle(Request("S-2"))).Outcome);
        Assert.Equal(PlatformOutcome.Succeeded, (await Settle(Request("S-3"))).Outcome);
    }

    [Fact]
    public async Task A_delay_rule_answers_normally_after_the_delay()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.Delay, Delay: TimeSpan.FromMilliseconds(20), Times: 1));

        var reply = await Settle(Request());

        Assert.Equal(PlatformOutcome.Succeeded, reply.Outcome);
    }

    [Fact]
    public async Task MisreportAmounts_records_the_settlement_with_other_amounts_than_asked()
    {
        _script.Platform(OrderId, new SandboxRule(SandboxFault.MisreportAmounts));

        var reply = await Settle(Request());

        Assert.Equal(PlatformOutcome.Succeeded, reply.Outcome);
        Assert.NotEqual((59_500L, 40_500L), (reply.FundFen, reply.PersonalAccountFen));
        Assert.Equal(reply, await Query("S-1"));
    }

    [Fact]
    public async Task Reversing_an_unknown_settlement_says_not_found()
    {
        var reply = await _platform.ReverseAsync("S-unknown", CancellationToken.None);

        Assert.Equal(PlatformOutcome.NotFound, reply.Outcome);
        Assert.Empty(Settlements);
    }

    [Fact]
    public async Task Reversing_a_settlement_marks_it_reversed_for_later_queries_and_repeats()
    {
        var settled = await Settle(Request());

        var reversed = await _platform.ReverseAsync("S-1", CancellationToken.None);

        Assert.Equal(PlatformOutcome.Reversed, reversed.Outcome);
        Assert.Equal(settled.Reference, reversed.Reference);
        Assert.Equal(PlatformOutcome.Reversed, (await Query("S-1")).Outcome);
        Assert.Equal(PlatformOutcome.Reversed, (await Settle(Request())).Outcome);
        Assert.Equal(PlatformOutcome.Reversed, (await _platform.ReverseAsync("S-1", CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Querying_an_unknown_settlement_says_not_found()
    {
        var reply = await Query("S-never");

        Assert.Equal(PlatformOutcome.NotFound, reply.Outcome);
        Assert.Null(reply.Reference);
    }

    // ---- personal account balances ----

    [Theory]
    [InlineData("11010519491231002X", InsuranceType.Employee, 2_000)]
    [InlineData("330106199003079870", InsuranceType.Employee, 987_000)]
    [InlineData("330106199003070009", InsuranceType.Employee, 0)]
    [InlineData("11010519491231002X", InsuranceType.Resident, 0)]
    [InlineData("330106199003079870", InsuranceType.Resident, 0)]
    public void BalanceFor_is_the_sequence_number_times_1000_for_employees_and_0_for_residents(string nationalId, InsuranceType type, long expected)
    {
        Assert.Equal(expected, SandboxInsurancePlatform.BalanceFor(nationalId, type));
    }

    [Fact]
    public async Task The_person_query_gives_the_city_of_the_id_an_employee_and_BalanceFor_unless_scripted()
    {
        var beijing = await _platform.FindPersonAsync("11010519491231002X", CancellationToken.None);
        Assert.Equal(new PlatformPerson("110100", InsuranceType.Employee, 2_000), beijing);
        Assert.Equal(new PlatformPerson("330100", InsuranceType.Employee, 987_000), await _platform.FindPersonAsync("330106199003079870", CancellationToken.None));

        _script.Person("330106199003079870", new(InsuranceType.Resident));
        Assert.Equal(new PlatformPerson("330100", InsuranceType.Resident, 0), await _platform.FindPersonAsync("330106199003079870", CancellationToken.None));
        _script.Person("11010519491231002X", new(Insured: false));
        Assert.Null(await _platform.FindPersonAsync("11010519491231002x", CancellationToken.None));
    }

    // ---- cash channel ----

    [Fact]
    public async Task Unscripted_charge_succeeds_for_the_amount_asked()
    {
        var reply = await Charge(amount: 45_000);

        Assert.Equal(CashOutcome.Succeeded, reply.Outcome);
        Assert.Equal(45_000, reply.AmountFen);
        Assert.False(string.IsNullOrEmpty(reply.Reference));
    }

    [Fact]
    public async Task Charge_is_idempotent_per_settlement_id()
    {
        var first = await Charge(amount: 45_000);
        var second = await Charge(amount: 99_999);

        Assert.Equal(first, second);
        Assert.Single(Charges);
        Assert.NotEqual(first.Reference, (await Charge("S-2")).Reference);
    }

    [Theory]
    [InlineData(SandboxFault.Decline)]
    [InlineData(SandboxFault.Timeout)]
    [InlineData(SandboxFault.LoseReply)]
    public async Task A_repeat_of_a_recorded_charge_returns_the_first_outcome_whatever_is_scripted_later(SandboxFault fault)
    {
        var first = await Charge();
        _script.Cash(OrderId, new SandboxRule(fault));

        Assert.Equal(first, await Charge());
    }

    [Fact]
    public async Task A_cash_decline_charges_nothing_and_is_the_final_answer_for_its_settlement_id()
    {
        _script.Cash(OrderId, new SandboxRule(SandboxFault.Decline, Reason: "card blocked", Times: 1));

        var reply = await Charge();

        Assert.Equal(CashOutcome.Declined, reply.Outcome);
        Assert.Equal("card blocked", reply.Reason);
        Assert.Equal(0, reply.AmountFen);
        Assert.Null(reply.Reference);
        Assert.Equal(reply, await _cash.QueryAsync("S-1", CancellationToken.None));
        Assert.Equal(reply, await Charge());
    }

    [Fact]
    public async Task A_cash_timeout_throws_and_records_nothing()
    {
        _script.Cash(OrderId, new SandboxRule(SandboxFault.Timeout));

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => Charge());

        Assert.Equal(CashOutcome.NotFound, (await _cash.QueryAsync("S-1", CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task A_lost_cash_reply_throws_but_a_query_says_succeeded()
    {
        _script.Cash(OrderId, new SandboxRule(SandboxFault.LoseReply, Times: 1));

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => Charge(amount: 777));
        var queried = await _cash.QueryAsync("S-1", CancellationToken.None);

        Assert.Equal(CashOutcome.Succeeded, queried.Outcome);
        Assert.Equal(777, queried.AmountFen);
        Assert.Equal(queried, await Charge(amount: 777));
    }

    [Fact]
    public async Task A_cash_rule_with_Times_1_applies_once()
    {
        _script.Cash(OrderId, new SandboxRule(SandboxFault.Decline, Times: 1));

        Assert.Equal(CashOutcome.Declined, (await Charge("S-1")).Outcome);
        Assert.Equal(CashOutcome.Succeeded, (await Charge("S-2")).Outcome);
    }

    [Fact]
    public async Task Platform_and_cash_rules_are_scripted_separately()
    {
        _script.Cash(OrderId, new SandboxRule(SandboxFault.Decline));

        Assert.Equal(PlatformOutcome.Succeeded, (await Settle(Request())).Outcome);
        Assert.Equal(CashOutcome.Declined, (await Charge()).Outcome);
    }
}
