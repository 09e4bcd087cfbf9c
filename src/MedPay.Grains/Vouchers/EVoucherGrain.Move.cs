using System.Security.Cryptography;
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.Grains;

/// <summary>
/// Moving a person's one e-voucher between accounts, inside the cluster: the person verified on another account, and
/// that account's voucher grain takes the voucher over from the account that held it. Called only by
/// <see cref="EVoucherGrain"/> (the same grain class, another account's key).
/// </summary>
public interface IVoucherHandOverGrain : IGrainWithStringKey
{
    /// <summary>
    /// Hands the voucher of the person with <paramref name="nationalIdLookup"/> to <paramref name="targetUserId"/>. The
    /// hand-over is written here first (this account keeps nothing to spend), then returned for the target to adopt; a
    /// repeat by the same target returns the same hand-over. A voucher that already moved on is followed along its
    /// accounts. Fails with <see cref="ErrorCodes.VoucherNotFound"/> when this account holds no voucher of that person.
    /// </summary>
    Task<Result<VoucherHandOver>> HandOverAsync(string targetUserId, string nationalIdLookup, int hops);

    /// <summary>
    /// Adopts <paramref name="handOver"/> if it is newer than anything this account has held. True when this account
    /// now holds the person's voucher, or passed it on (and forwards to where it went); false when it holds another
    /// person's voucher, which a hand-over never overwrites.
    /// </summary>
    Task<bool> AdoptAsync(VoucherHandOver handOver);
}

/// <summary>A voucher on its way from one account to another: the state as it was handed over, with its new generation.</summary>
[GenerateSerializer, Immutable, Alias("medpay.VoucherHandOver")]
public sealed record VoucherHandOver(
    [property: Id(0)] string FromUserId,
    [property: Id(1)] VoucherState State);

public sealed partial class EVoucherGrain
{
    /// <summary>
    /// How many accounts a hand-over follows before it gives up (a person rarely has many; accounts of one person opening
    /// at once each add one until the person's holder catches up).
    /// </summary>
    private const int MaxHops = 32;

    /// <summary>
    /// Takes the person's voucher over from <paramref name="source"/>, the account that holds it (or held it last), for
    /// the person the identity provider just verified on this account. Recorded in the operators' audit trail with both
    /// accounts, before it is carried out. The old account loses the voucher in the same write that hands it over: its
    /// reads answer 404 at once, and its consent codes, signed with the old account's key, no longer verify anywhere.
    /// </summary>
    private async Task<Result<OpenVoucherResult>?> TakeOverAsync(string source, string lookup, string fullName)
    {
        var now = time.GetUtcNow();
        var audit = GrainFactory.GetGrain<IOperatorAuditGrain>(IOperatorAuditGrain.DayKey(now));
        var sequence = await audit.RecordAsync(new AuditEntry(
            now, UserId, "(the voucher's holder)", "voucher.moved", $"voucher {UserId}", $"account {source} → account {UserId}",
            "the holder verified on another account"));
        var handOver = await GrainFactory.GetGrain<IVoucherHandOverGrain>(source).HandOverAsync(UserId, lookup, 0);
        if (!handOver.IsOk)
        {
            var refused = handOver.Error!;
            await audit.CompleteAsync(sequence, refused.Code == ErrorCodes.VoucherNotFound ? "nothing to move" : refused.Code);
            if (refused.Code == ErrorCodes.VoucherNotFound)
            {
                // Nothing to move: the person's earlier account never finished opening. This account opens it afresh.
                return null;
            }

            return refused;
        }

        await AdoptCoreAsync(handOver.Value!, fullName);
        await GrainFactory.GetGrain<IPersonGrain>(lookup).MoveAsync(UserId);
        await audit.CompleteAsync(sequence, "ok");
        LogMoved(logger, handOver.Value!.FromUserId, UserId, state.State.Generation);
        return new OpenVoucherResult(View(state.State), Opened: true);
    }

    public Task<Result<VoucherHandOver>> HandOverAsync(string targetUserId, string nationalIdLookup, int hops) => state.DecideAsync(async () =>
    {
        var current = state.State;
        if (!current.Opened || current.NationalIdLookup != nationalIdLookup || targetUserId == UserId)
        {
            return (Result<VoucherHandOver>)Contracts.NotFound.Voucher;
        }

        if (current.MovedTo is null)
        {
            var moved = current with { MovedTo = targetUserId, MovedAt = time.GetUtcNow(), Generation = current.Generation + 1 };
            await WriteAsync(moved);
            if (!current.Reservations.IsEmpty)
            {
                // The reservations went with the voucher: the new account's check watches them now.
                await ReservationsWatch.ReleaseAsync();
            }

            return HandedOver(moved);
        }

        if (current.MovedTo == targetUserId)
        {
            return HandedOver(current);
        }

        if (hops >= MaxHops)
        {
            return new Failure(ErrorCodes.VoucherBusy, "The e-voucher is moving between the person's accounts; try again.");
        }

        // It moved on: the account it went to adopts it first (it may have stopped half-way), then hands it over.
        var next = GrainFactory.GetGrain<IVoucherHandOverGrain>(current.MovedTo);
        await next.AdoptAsync(HandedOver(current));
        return await next.HandOverAsync(targetUserId, nationalIdLookup, hops + 1);
    });

    public Task<bool> AdoptAsync(VoucherHandOver handOver) => state.DecideAsync(async () =>
    {
        var current = state.State;
        if (current.IsHeld || handOver.State.Generation <= current.Generation)
        {
            // Held here already, or an older copy than one this account has seen: never adopted.
            return current.Opened && current.NationalIdLookup == handOver.State.NationalIdLookup;
        }

        if (current.Opened && current.NationalIdLookup != handOver.State.NationalIdLookup)
        {
            return false;
        }

        await AdoptCoreAsync(handOver, fullName: null);
        return true;
    });

    /// <summary>
    /// Writes the handed-over voucher as this account's: its balance, year, reservations, commits and refunds as they
    /// were; a new consent key (nothing the old account consented to verifies here) and its identity sealed again under
    /// this account (a sealed value is bound to the account that keeps it).
    /// </summary>
    private async Task AdoptCoreAsync(VoucherHandOver handOver, string? fullName)
    {
        var current = state.State;
        if (current.IsHeld || handOver.State.Generation <= current.Generation)
        {
            return;
        }

        var given = handOver.State;
        var name = fullName ?? Unseal(given.FullNameSealed, $"voucher/{handOver.FromUserId}/name");
        var nationalId = Unseal(given.NationalIdSealed, $"voucher/{handOver.FromUserId}/nid");
        var adopted = given with
        {
            Opened = true,
            MovedTo = null,
            MovedFrom = handOver.FromUserId,
            MovedAt = time.GetUtcNow(),
            ConsentKey = RandomNumberGenerator.GetBytes(32),
            Authorizations = given.Authorizations.Clear(),
            FullNameMasked = name is null ? given.FullNameMasked : MaskName(name),
            FullNameLookup = name is null ? given.FullNameLookup : identity.Lookup("name", name),
            FullNameSealed = name is null ? null : identity.Seal(name, SealContext("name")),
            NationalIdSealed = nationalId is null ? null : identity.Seal(nationalId, SealContext("nid")),
        };
        await WriteAsync(adopted);
        if (!adopted.Reservations.IsEmpty)
        {
            await ReservationsWatch.EnsureAsync();
        }
    }

    private string? Unseal(SealedValue? value, string context)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return identity.Unseal(value, context);
        }
        catch (CryptographicException e)
        {
            // Sealed under a key no longer configured: the voucher moves without its sealed copy (its lookup and mask move).
            LogNotUnsealed(logger, e, UserId);
            return null;
        }
    }

    /// <summary>What this account handed over: its state as it was when it moved away, without the forwarding address.</summary>
    private VoucherHandOver HandedOver(VoucherState movedAway) => new(UserId, movedAway with { MovedTo = null });

    /// <summary>
    /// A money call of an order (commit, release, refund): decided here while the voucher is held here, else forwarded to
    /// the account it moved to (<see cref="SuccessorAsync"/>).
    /// </summary>
    private Task HereOrForwardedAsync(Func<IEVoucherGrain, Task> forward, Func<Task> here) => state.DecideAsync(async () =>
    {
        if (await SuccessorAsync() is { } next)
        {
            await forward(next);
        }
        else
        {
            await here();
        }
    });

    /// <summary>
    /// Where a moved voucher's calls go: the account it moved to, which first adopts the hand-over (in case it stopped
    /// half-way). Null while the voucher is held here, or was never opened.
    /// </summary>
    private async Task<IEVoucherGrain?> SuccessorAsync()
    {
        if (state.State.MovedTo is not { } to)
        {
            return null;
        }

        var handOver = HandedOver(state.State);
        if (!await GrainFactory.GetGrain<IVoucherHandOverGrain>(to).AdoptAsync(handOver))
        {
            // Never applied to another person's voucher: the call fails, and its caller's retry finds it when this is sorted out.
            LogSuccessorRefused(logger, UserId);
            throw new InvalidOperationException("The account this e-voucher moved to holds another person's voucher; an operator must look at it.");
        }

        return GrainFactory.GetGrain<IEVoucherGrain>(to);
    }
}
