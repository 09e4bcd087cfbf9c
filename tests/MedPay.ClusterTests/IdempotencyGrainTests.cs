using System.Text;
using MedPay.Contracts;
using MedPay.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace MedPay.ClusterTests;

/// <summary>
/// Two silos on Azure Table membership (either may be killed) with a clock of their own, so that moving it a day on
/// touches no other test.
/// </summary>
public sealed class IdempotencyClusterFixture : IAsyncLifetime
{
    public MedPayCluster Medpay { get; private set; } = null!;

    public async Task InitializeAsync() => Medpay = await MedPayCluster.StartAsync(silos: 2, azureClustering: true);

    public async Task DisposeAsync() => await Medpay.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class IdempotencyClusterCollection : ICollectionFixture<IdempotencyClusterFixture>
{
    public const string Name = "idempotency-cluster";
}

/// <summary>The idempotency grain as the API drives it: Begin, then Complete or Abandon, with one attempt id per request.</summary>
[Collection(IdempotencyClusterCollection.Name)]
public sealed class IdempotencyGrainTests(IdempotencyClusterFixture fixture)
{
    private const string Fingerprint = "request-fingerprint";

    private TestCluster Cluster => fixture.Medpay.Cluster;

    private IManagementGrain Management => fixture.Medpay.Grains.GetGrain<IManagementGrain>(0);

    private static IIdempotencyGrain NewKey(IGrainFactory grains) => grains.GetGrain<IIdempotencyGrain>("idem-" + Guid.NewGuid().ToString("N"));

    private static StoredResponse Response(string text) => new(200, "application/json", null, Encoding.UTF8.GetBytes(text), BodyProtected: true);

    private static string Text(IdempotencyDecision decision) => Encoding.UTF8.GetString(decision.Response!.Body);

    /// <summary>The grain's record as it is in storage, read by a live silo through the grain storage itself.</summary>
    private async Task<IdempotencyState?> StoredAsync(IIdempotencyGrain grain)
    {
        var silo = Cluster.Silos.OfType<InProcessSiloHandle>().First();
        var storage = silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(MedPayGrainServices.StorageName);
        var state = new GrainState<IdempotencyState>(new IdempotencyState());
        await storage.ReadStateAsync("idempotency", grain.GetGrainId(), state);
        return state.State;
    }

    [Fact]
    public async Task A_claim_dies_with_its_silo_the_retry_is_run_and_the_lost_attempt_never_overwrites_its_answer()
    {
        var grain = NewKey(fixture.Medpay.Grains);
        var lost = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, lost, null)).Outcome);
        Assert.Equal(IdempotencyOutcome.InProgress, (await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)).Outcome);
        // Nothing durable for a claim.
        Assert.Null((await StoredAsync(grain))?.Fingerprint);

        var host = await Management.GetActivationAddress(grain);
        var victim = Cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await Cluster.KillSiloAsync(victim);
        // Once the cluster has declared the silo dead, the key gets a new activation (a call that writes nothing finds it).
        await Eventually.HoldsAsync(async () => !(await Management.GetHosts(onlyActive: true)).ContainsKey(victim.SiloAddress));
        await Eventually.HoldsAsync(async () =>
        {
            await grain.AbandonAsync(Guid.NewGuid()).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        });

        // The client's retry with its key is run, not refused as in use.
        var retry = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, retry, null)).Outcome);
        Assert.NotEqual(host, await Management.GetActivationAddress(grain));

        // The first attempt's request may still finish (its API lived): it is unknown here and stores nothing, before
        // the retry's answer or after it.
        await grain.CompleteAsync(lost, Response("lost"));
        Assert.Equal(IdempotencyOutcome.InProgress, (await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)).Outcome);
        await grain.CompleteAsync(retry, Response("retry"));
        await grain.CompleteAsync(lost, Response("lost"));

        var replay = await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null);
        Assert.Equal(IdempotencyOutcome.Replay, replay.Outcome);
        Assert.Equal("retry", Text(replay));
        Assert.Equal("retry", Encoding.UTF8.GetString((await StoredAsync(grain))!.Response!.Body));
    }

    [Fact]
    public async Task A_claim_dies_with_its_activation_and_a_late_complete_of_the_lost_attempt_changes_nothing()
    {
        var grain = NewKey(fixture.Medpay.Grains);
        var lost = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, lost, null)).Outcome);

        await Management.DeactivateGrain(grain.GetGrainId());

        var retry = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, retry, null)).Outcome);
        await grain.CompleteAsync(lost, Response("lost"));
        Assert.Equal(IdempotencyOutcome.InProgress, (await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)).Outcome);
        await grain.CompleteAsync(retry, Response("retry"));
        await grain.CompleteAsync(lost, Response("lost"));
        Assert.Equal("retry", Text(await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)));

        // The completed answer is durable: a new activation replays it, and still refuses another body.
        await Management.DeactivateGrain(grain.GetGrainId());
        var replay = await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null);
        Assert.Equal((IdempotencyOutcome.Replay, "retry"), (replay.Outcome, Text(replay)));
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.BeginAsync("another body", Guid.NewGuid(), null)).Outcome);
    }

    [Fact]
    public async Task An_abandoned_claim_writes_nothing_and_frees_the_key()
    {
        var grain = NewKey(fixture.Medpay.Grains);
        var refused = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, refused, null)).Outcome);
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.BeginAsync("another body", Guid.NewGuid(), null)).Outcome);

        await grain.AbandonAsync(refused);

        Assert.Null((await StoredAsync(grain))?.Fingerprint);
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync("another body", Guid.NewGuid(), null)).Outcome);
    }

    [Fact]
    public async Task A_claim_whose_api_never_comes_back_lapses_after_the_lease()
    {
        var grain = NewKey(fixture.Medpay.Grains);
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)).Outcome);
        Assert.Equal(IdempotencyOutcome.InProgress, (await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)).Outcome);

        fixture.Medpay.Clock.Advance(new IdempotencyOptions().ClaimLease + TimeSpan.FromSeconds(1));

        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)).Outcome);
    }

    [Fact]
    public async Task A_record_past_its_retention_no_longer_replays_its_body_is_dropped_and_the_key_is_used_afresh()
    {
        var grain = NewKey(fixture.Medpay.Grains);
        var first = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync(Fingerprint, first, null)).Outcome);
        await grain.CompleteAsync(first, Response("first"));
        fixture.Medpay.Clock.Advance(new IdempotencyOptions().Retention - TimeSpan.FromMinutes(1));
        Assert.Equal("first", Text(await grain.BeginAsync(Fingerprint, Guid.NewGuid(), null)));
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.BeginAsync("another body", Guid.NewGuid(), null)).Outcome);

        fixture.Medpay.Clock.Advance(TimeSpan.FromMinutes(2));

        // Past its retention the key is free, for another body too, and the stored body is gone at once (not only
        // replaced when the new request completes).
        var second = Guid.NewGuid();
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.BeginAsync("another body", second, null)).Outcome);
        var cleared = await StoredAsync(grain);
        Assert.Null(cleared?.Response);
        Assert.Null(cleared?.Fingerprint);
        await grain.CompleteAsync(second, Response("second"));
        var replay = await grain.BeginAsync("another body", Guid.NewGuid(), null);
        Assert.Equal((IdempotencyOutcome.Replay, "second"), (replay.Outcome, Text(replay)));
    }
}
