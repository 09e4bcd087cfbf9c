using MedPay.Contracts;
using MedPay.Grains.Domain;
using S = MedPay.Grains.Domain.ReviewRules.Statuses;

namespace MedPay.UnitTests;

public sealed class ReviewRulesTests
{
    private static readonly Split Reserved = new(8_000, 2_000, 500);

    private static PlatformAnswer Answer(string platform, string cash, long fund = 8_000, long personal = 2_000) =>
        new("m~o~1", platform, platform == S.Settled ? fund : 0, platform == S.Settled ? personal : 0, platform == S.Settled ? "PS1" : null, cash, cash == S.Settled ? 500 : 0, cash == S.Settled ? "CS1" : null, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Settled_in_full_with_the_reserved_amounts_allows_settle_only()
    {
        var verdict = ReviewRules.Judge(Answer(S.Settled, S.Settled), Reserved);
        Assert.Equal(ReviewDecision.Settle, verdict.Allowed);
        Assert.Null(ReviewRules.Check(ReviewDecision.Settle, verdict));
        Assert.Equal(ErrorCodes.ResolutionContradictsPlatform, ReviewRules.Check(ReviewDecision.Fail, verdict)!.Code);
    }

    [Theory]
    [InlineData(S.NotFound, S.NotFound)]
    [InlineData(S.Reversed, S.NotFound)]
    [InlineData(S.Declined, S.Declined)]
    [InlineData(S.NotFound, S.NotNeeded)]
    public void Nothing_standing_allows_fail_only(string platform, string cash)
    {
        var verdict = ReviewRules.Judge(Answer(platform, cash), cash == S.NotNeeded ? Reserved with { CashFen = 0 } : Reserved);
        Assert.Equal(ReviewDecision.Fail, verdict.Allowed);
        Assert.Equal(ErrorCodes.ResolutionContradictsPlatform, ReviewRules.Check(ReviewDecision.Settle, verdict)!.Code);
    }

    [Theory]
    [InlineData(S.Unknown, S.Settled, ErrorCodes.PlatformUnavailable)]
    [InlineData(S.Settled, S.Unknown, ErrorCodes.PlatformUnavailable)]
    [InlineData(S.Settled, S.NotFound, ErrorCodes.ResolutionContradictsPlatform)]
    [InlineData(S.NotFound, S.Settled, ErrorCodes.ResolutionContradictsPlatform)]
    public void No_answer_or_half_settled_allows_no_decision(string platform, string cash, string code)
    {
        var verdict = ReviewRules.Judge(Answer(platform, cash), Reserved);
        Assert.Null(verdict.Allowed);
        Assert.Equal(code, ReviewRules.Check(ReviewDecision.Settle, verdict)!.Code);
        Assert.Equal(code, ReviewRules.Check(ReviewDecision.Fail, verdict)!.Code);
    }

    [Fact]
    public void Other_amounts_at_the_platform_allow_no_plain_settle()
    {
        var verdict = ReviewRules.Judge(Answer(S.Settled, S.Settled, fund: 7_000, personal: 3_000), Reserved);
        Assert.Null(verdict.Allowed);
        Assert.Equal(ErrorCodes.ResolutionAmountsDiffer, ReviewRules.Check(ReviewDecision.Settle, verdict)!.Code);
        Assert.Contains("7000", verdict.Explanation);
    }

    [Fact]
    public void An_order_without_cash_settled_at_the_platform_allows_settle()
    {
        Assert.Equal(ReviewDecision.Settle, ReviewRules.Judge(Answer(S.Settled, S.NotNeeded), Reserved with { CashFen = 0 }).Allowed);
    }
}
