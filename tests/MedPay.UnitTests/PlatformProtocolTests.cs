using System.Net;
using System.Text;
using System.Text.Json;
using MedPay.Contracts;
using MedPay.Platform;
using MedPay.Platform.Protocol;
using MedPay.Platform.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace MedPay.UnitTests;

/// <summary>The signed envelope of the platform interface, and the networked adapter's handling of every bad answer.</summary>
public sealed class PlatformProtocolTests
{
    private static readonly Sm2Key MedPayKey = Sm2Key.FromPrivateKey(RemotePlatformOptions.DevelopmentKeys.MedPaySigningKey);
    private static readonly Sm2Key SandboxKey = Sm2Key.FromPrivateKey(RemotePlatformOptions.DevelopmentKeys.SandboxSigningKey);

    [Fact]
    public void The_development_key_pairs_match_their_published_public_keys()
    {
        Assert.Equal(RemotePlatformOptions.DevelopmentKeys.MedPayPublicKey, MedPayKey.PublicKeyHex);
        Assert.Equal(RemotePlatformOptions.DevelopmentKeys.SandboxPublicKey, SandboxKey.PublicKeyHex);
    }

    [Fact]
    public void An_SM2_signature_verifies_with_the_signers_public_key_only_and_only_for_the_signed_text()
    {
        var signature = MedPayKey.Sign("infno=6202&input={}");
        Assert.True(Sm2Key.FromPublicKey(MedPayKey.PublicKeyHex).Verify("infno=6202&input={}", signature));
        Assert.False(Sm2Key.FromPublicKey(MedPayKey.PublicKeyHex).Verify("infno=6202&input={ }", signature));
        Assert.False(Sm2Key.FromPublicKey(SandboxKey.PublicKeyHex).Verify("infno=6202&input={}", signature));
        Assert.False(MedPayKey.Verify("infno=6202&input={}", "not base64!"));
        Assert.False(MedPayKey.Verify("infno=6202&input={}", Convert.ToBase64String(new byte[70])));
        Assert.False(MedPayKey.Verify("infno=6202&input={}", null));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("zz", true)]
    [InlineData("00", true)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", true)]
    [InlineData("04", false)]
    [InlineData("0400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false)]
    public void Malformed_or_out_of_range_keys_are_refused(string hex, bool isPrivate)
    {
        Assert.False(Sm2Key.TryParse(hex, isPrivate, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_request_envelope_carries_its_input_as_signed_and_any_change_breaks_the_signature()
    {
        var body = MipEnvelope.WriteRequest(Infno.Settle, "MSG1", "H33010600001", "330100", DateTimeOffset.UtcNow, new SettleInput("S1", "O1", "m1", "V1", 1_200, 300), MedPayKey);
        var request = JsonSerializer.Deserialize<MipRequest>(body, MipEnvelope.Json)!;
        var client = Sm2Key.FromPublicKey(MedPayKey.PublicKeyHex);
        Assert.True(client.Verify(request.SignedText(), request.Signature));
        Assert.Equal(1_200, request.Input.Deserialize<SettleInput>(MipEnvelope.Json)!.FundFen);

        var tampered = JsonSerializer.Deserialize<MipRequest>(Encoding.UTF8.GetString(body).Replace("1200", "9200"), MipEnvelope.Json)!;
        Assert.False(client.Verify(tampered.SignedText(), tampered.Signature));
        Assert.False(client.Verify((request with { InsuredRegion = "310100" }).SignedText(), request.Signature));
        Assert.False(client.Verify((request with { Infno = Infno.Refund }).SignedText(), request.Signature));
    }

    [Fact]
    public void Times_are_written_in_China_Standard_Time_and_read_back()
    {
        var at = new DateTimeOffset(2026, 12, 2, 16, 30, 5, TimeSpan.Zero);
        Assert.Equal("2026-12-03 00:30:05", MipEnvelope.FormatTime(at));
        Assert.True(MipEnvelope.TryParseTime("2026-12-03 00:30:05", out var back));
        Assert.Equal(at, back);
        Assert.False(MipEnvelope.TryParseTime("2026-12-03T00:30:05Z", out _));
    }

    // ---- the adapter against a scripted counterpart ----

    private sealed class Counterpart(Func<MipRequest, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public int Calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            var envelope = JsonSerializer.Deserialize<MipRequest>(await request.Content!.ReadAsByteArrayAsync(cancellationToken), MipEnvelope.Json)!;
            Assert.True(Sm2Key.FromPublicKey(MedPayKey.PublicKeyHex).Verify(envelope.SignedText(), envelope.Signature));
            return answer(envelope);
        }
    }

    private static HttpResponseMessage Signed(MipRequest request, object output, Sm2Key? key = null, string? refMsgId = null, int infCode = 0) => new(HttpStatusCode.OK)
    {
        Content = new ByteArrayContent(MipEnvelope.WriteResponse(infCode, refMsgId ?? request.MsgId, DateTimeOffset.UtcNow, infCode == 0 ? null : "refused", output, key ?? SandboxKey)),
    };

    private static (IInsurancePlatform Platform, Counterpart Counterpart) Adapter(Func<MipRequest, HttpResponseMessage> answer)
    {
        var counterpart = new Counterpart(answer);
        var services = new ServiceCollection().AddLogging();
        services.AddRemotePlatform(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MedPay:Platform:BaseAddress"] = "http://platform.test/",
            ["MedPay:Platform:InstitutionCode"] = "H33010600001",
            ["MedPay:Platform:SigningKey"] = RemotePlatformOptions.DevelopmentKeys.MedPaySigningKey,
            ["MedPay:Platform:PlatformPublicKey"] = RemotePlatformOptions.DevelopmentKeys.SandboxPublicKey,
        }).Build());
        services.ConfigureAll<HttpClientFactoryOptions>(o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = counterpart));
        return (services.BuildServiceProvider().GetRequiredService<IInsurancePlatform>(), counterpart);
    }

    private static readonly PlatformSettleRequest Settle = new("S1", "O1", "m1", "V1", "330100", 1_200, 300);

    private static OrderStateOutput Settled => new("S1", OrderStatusCode.Settled, "PS1", 1_200, 300, 0, null);

    [Fact]
    public async Task A_signed_answer_to_the_request_is_taken()
    {
        var (platform, _) = Adapter(r => Signed(r, Settled));
        Assert.Equal(new PlatformReply(PlatformOutcome.Succeeded, "PS1", 1_200, 300, null), await platform.SettleAsync(Settle, CancellationToken.None));
    }

    public static TheoryData<string> BadAnswers => ["signed by another key", "answers another message", "refused envelope", "HTTP 500", "not JSON", "unknown status", "no connection"];

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task Any_answer_that_cannot_be_trusted_leaves_the_outcome_unknown_and_is_not_sent_again(string bad)
    {
        var (platform, counterpart) = Adapter(r => bad switch
        {
            "signed by another key" => Signed(r, Settled, key: MedPayKey),
            "answers another message" => Signed(r, Settled, refMsgId: "OTHER"),
            "refused envelope" => Signed(r, new { }, infCode: -1),
            "HTTP 500" => new HttpResponseMessage(HttpStatusCode.InternalServerError),
            "not JSON" => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>") },
            "unknown status" => Signed(r, Settled with { Status = "maybe" }),
            _ => throw new HttpRequestException("connection refused"),
        });

        await Assert.ThrowsAsync<OutcomeUnknownException>(() => platform.SettleAsync(Settle, CancellationToken.None));
        Assert.Equal(1, counterpart.Calls);
    }

    [Fact]
    public async Task A_person_query_maps_the_platforms_insurance_type_codes()
    {
        var (platform, _) = Adapter(r => Signed(r, new PersonQueryOutput(true, "330100", InsuranceTypeCode.Resident, 0)));
        Assert.Equal(new PlatformPerson("330100", InsuranceType.Resident, 0), await platform.FindPersonAsync("330106199003079870", CancellationToken.None));
        var (nobody, _) = Adapter(r => Signed(r, new PersonQueryOutput(false, null, null, 0)));
        Assert.Null(await nobody.FindPersonAsync("330106199003079870", CancellationToken.None));
    }

    [Fact]
    public async Task A_statement_whose_totals_do_not_add_up_to_its_lines_is_not_trusted()
    {
        var line = new StatementLineOutput("S1", false, "O1", "m1", null, false, 1_200, 300, DateTimeOffset.UtcNow);
        var (platform, _) = Adapter(r => Signed(r, new StatementOutput("2026-12-02", 1, 1_200, 300, 0, 0, 0, [line])));
        Assert.Single((await platform.GetStatementAsync(new DateOnly(2026, 12, 2), CancellationToken.None)).Lines);
        var (lying, _) = Adapter(r => Signed(r, new StatementOutput("2026-12-02", 1, 1_000, 300, 0, 0, 0, [line])));
        await Assert.ThrowsAsync<OutcomeUnknownException>(() => lying.GetStatementAsync(new DateOnly(2026, 12, 2), CancellationToken.None));
    }
}
