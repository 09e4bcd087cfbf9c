using System.Collections.Immutable;
using System.Security.Cryptography;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MedPay.Grains;

/// <summary>A used consent, kept until it expires so that it cannot pay twice; the code itself is kept only as its hash (the dictionary key).</summary>
[GenerateSerializer, Immutable, Alias("medpay.StoredAuthorization")]
public sealed record StoredAuthorization(
    [property: Id(0)] string MerchantId,
    [property: Id(1)] long MaxAmountFen,
    [property: Id(2)] string? MerchantOrderNo,
    [property: Id(3)] DateTimeOffset IssuedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] string? UsedByOrderId);

[GenerateSerializer, Immutable, Alias("medpay.VoucherState")]
public sealed record VoucherState
{
    [Id(0)] public bool Opened { get; init; }
    [Id(1)] public string VoucherNo { get; init; } = "";
    [Id(2)] public string FullNameMasked { get; init; } = "";
    /// <summary>Written before identity protection: an unkeyed SHA-256 of the name. No longer written; cleared on the next write.</summary>
    [Id(3)] public string FullNameFingerprint { get; init; } = "";
    /// <summary>The national ID's mask: first and last character (vouchers opened earlier showed 6 + 4; rewritten on the next write).</summary>
    [Id(4)] public string NationalIdMasked { get; init; } = "";
    /// <summary>Written before identity protection: an unkeyed SHA-256 of the ID. No longer written; cleared on the next write.</summary>
    [Id(5)] public string NationalIdFingerprint { get; init; } = "";
    [Id(6)] public string InsuredRegion { get; init; } = "";
    [Id(7)] public InsuranceType InsuranceType { get; init; }
    [Id(8)] public VoucherStatus Status { get; init; }
    [Id(9)] public long OpeningBalanceFen { get; init; }
    [Id(10)] public long BalanceFen { get; init; }
    [Id(11)] public YearAccumulators Accumulators { get; init; } = new(0, 0, 0);
    [Id(12)] public ImmutableDictionary<string, StoredAuthorization> Authorizations { get; init; } = ImmutableDictionary<string, StoredAuthorization>.Empty;
    [Id(13)] public ImmutableDictionary<string, Reservation> Reservations { get; init; } = ImmutableDictionary<string, Reservation>.Empty;
    /// <summary>
    /// The most recent committed payments, by order id (at most <see cref="EVoucherGrain.RecentCommitsKept"/>): enough to
    /// recognise a repeat. The balance is kept in <see cref="BalanceFen"/>; the full ledger is the orders' and the gateway's
    /// records, so the voucher's state, written on every payment, does not grow with the user's history.
    /// </summary>
    [Id(14)] public ImmutableDictionary<string, Reservation> Committed { get; init; } = ImmutableDictionary<string, Reservation>.Empty;
    [Id(15)] public DateTimeOffset OpenedAt { get; init; }
    /// <summary>Every refund credited back, by "{orderId}/{refundId}": balance = opening − Σ committed personal + Σ refunded personal.</summary>
    [Id(16)] public ImmutableDictionary<string, Split> Refunds { get; init; } = ImmutableDictionary<string, Split>.Empty;
    /// <summary>The key this voucher's consent codes are signed with (see <see cref="ConsentToken"/>); never shown.</summary>
    [Id(17)] public byte[]? ConsentKey { get; init; }
    /// <summary>The keyed lookup of the national ID (HMAC-SHA256 under <c>MedPay:Identity:LookupKey</c>); the key of the person's <see cref="IPersonGrain"/>.</summary>
    [Id(18)] public string? NationalIdLookup { get; init; }
    /// <summary>The keyed lookup of the full name.</summary>
    [Id(19)] public string? FullNameLookup { get; init; }
    /// <summary>The national ID, encrypted (AES-256-GCM, bound to this user id), for the rare lawful need; never shown.</summary>
    [Id(20)] public SealedValue? NationalIdSealed { get; init; }
    /// <summary>The full name, encrypted likewise.</summary>
    [Id(21)] public SealedValue? FullNameSealed { get; init; }
    /// <summary>
    /// Set when the holder verified on another account and the voucher moved there: this grain then holds nothing of
    /// its own and forwards the money calls of its orders (commits, releases, refunds) to that account's voucher.
    /// </summary>
    [Id(22)] public string? MovedTo { get; init; }
    /// <summary>The account the voucher last came from, when it was moved here.</summary>
    [Id(23)] public string? MovedFrom { get; init; }
    /// <summary>When the voucher last moved (to or from this account).</summary>
    [Id(24)] public DateTimeOffset? MovedAt { get; init; }
    /// <summary>
    /// How many times this person's voucher has moved: each hand-over carries the next number, and an account adopts a
    /// hand-over only if it is newer than anything it has held, so an old copy can never come back to life.
    /// </summary>
    [Id(25)] public long Generation { get; init; }

    /// <summary>The voucher is here and usable by this account (opened, and not moved away).</summary>
    public bool IsHeld => Opened && MovedTo is null;
}

public sealed partial class EVoucherGrain(
    [PersistentState("voucher", MedPayGrainServices.StorageName)] IPersistentState<VoucherState> state,
    RegionalPolicyCatalog policies,
    IInsurancePlatform platform,
    IdentityProtector identity,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    IOptions<RecoveryOptions> recovery,
    ILogger<EVoucherGrain> logger) : Grain, IEVoucherGrain, IVoucherHandOverGrain, IRemindable
{
    private const string ReservationsReminder = "reservations";

    /// <summary>How many committed payments the voucher keeps in its state.</summary>
    public const int RecentCommitsKept = 32;

    private OpenWorkReminder? _watch;

    /// <summary>
    /// Commits applied in memory and not yet written. A commit only records what the order's outcome already holds
    /// durably, so it rides on the voucher's next write (usually the next payment's reservation), or is written by the
    /// reservations reminder or at deactivation. If it is lost, storage still holds the reservation, and the reminder's
    /// check asks the order, which commits it again: what is left to spend is right at every moment.
    /// </summary>
    private bool _unwrittenCommits;

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RemoveLegacyIdentity();
        if (state.State.IsHeld && !state.State.Reservations.IsEmpty)
        {
            await CommitSettledAsync();
        }
    }

    /// <summary>
    /// Commits, in memory, the reservations whose orders have durably settled: commits lost with an activation (a crash,
    /// a failed write) are made again before this activation answers anything, instead of at the reminder's next check.
    /// Orders still paying, or whose outcome is not final, are left to the reminder's check.
    /// </summary>
    private async Task CommitSettledAsync()
    {
        foreach (var held in state.State.Reservations.Values.ToList())
        {
            OrderSummary? order;
            try
            {
                order = await GrainFactory.GetGrain<IMedicalOrderGrain>(held.OrderId).GetSummaryAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The reminder's check asks again.
                LogOrderNotAsked(logger, e, UserId, held.OrderId);
                continue;
            }

            if (order?.Status is OrderStatus.Settled or OrderStatus.PartiallyRefunded or OrderStatus.Refunded)
            {
                await CommitOnceAsync(held.OrderId);
            }
        }
    }

    private void RemoveLegacyIdentity()
    {
        // A voucher opened before identity protection carries unkeyed hashes and the 6 + 4 mask: they are dropped from
        // memory now, so the next write of this voucher no longer holds them (nothing stronger can replace them: the ID
        // itself was never kept).
        if (state.State is { Opened: true } legacy && (legacy.NationalIdFingerprint.Length > 0 || legacy.FullNameFingerprint.Length > 0 || legacy.NationalIdMasked.Contains("********", StringComparison.Ordinal)))
        {
            state.State = legacy with
            {
                NationalIdFingerprint = "",
                FullNameFingerprint = "",
                NationalIdMasked = legacy.NationalIdMasked.Length == 18 ? NationalId.Mask(legacy.NationalIdMasked) : legacy.NationalIdMasked,
            };
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unwrittenCommits)
        {
            try
            {
                await WriteAsync(state.State);
            }
            catch (Exception e)
            {
                // Not lost: the reservations are still in storage, and the reminder's check commits them again.
                LogCommitsNotWritten(logger, e, UserId);
            }
        }
    }

    public Task<Result<OpenVoucherResult>> OpenAsync(OpenVoucherCommand command) => state.DecideAsync(() => OpenOnceAsync(command));

    /// <summary>
    /// Opens the voucher of the person the identity provider verified (the command's name and national ID come from
    /// the token's verified claims, never from a request body). The person's one voucher is found by the keyed lookup
    /// of the ID: held by this account, it is answered as it is; held by another of the person's accounts, it moves
    /// here (<see cref="TakeOverAsync"/>); held by no one, it is opened with the insurance platform's record of the
    /// person. An account holding another person's voucher is refused, and so is one whose voucher moved away.
    /// </summary>
    private async Task<Result<OpenVoucherResult>> OpenOnceAsync(OpenVoucherCommand command)
    {
        if (ValidateIdentity(command) is { } invalid)
        {
            return invalid;
        }

        var nationalId = command.NationalId.ToUpperInvariant();
        var fullName = command.FullName.Trim();
        var lookup = NationalId.Lookup(nationalId, identity);
        var current = state.State;
        if (current.IsHeld)
        {
            return current.NationalIdLookup == lookup
                ? new OpenVoucherResult(View(current), Opened: false)
                : new Failure(ErrorCodes.IdentityMismatch, "This account's e-voucher belongs to another person than the one the identity provider verified.");
        }

        if (current.MovedTo is { } movedTo)
        {
            if (current.NationalIdLookup != lookup)
            {
                return new Failure(ErrorCodes.VoucherMoved, "This account's e-voucher moved to its holder's other account; this account cannot open another.");
            }

            // The holder is back on this account: the voucher comes back from where it went.
            await SuccessorAsync();
            return await TakeOverAsync(movedTo, lookup, fullName)
                ?? new Failure(ErrorCodes.PlatformUnavailable, "The e-voucher could not be moved back; try again.");
        }

        var person = GrainFactory.GetGrain<IPersonGrain>(lookup);
        if (await person.HolderAsync() is { } holder && holder != UserId && await TakeOverAsync(holder, lookup, fullName) is { } taken)
        {
            return taken;
        }

        PlatformPerson? insured;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            insured = await platform.FindPersonAsync(nationalId, timeout.Token);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return new Failure(ErrorCodes.PlatformUnavailable, "The insurance platform did not answer; try again.");
        }

        if (insured is null)
        {
            LogIdentityUnavailable(logger, UserId);
            return IdentityUnavailable();
        }

        if ((command.InsuredRegion is { } region && region != insured.InsuredRegion) || (command.InsuranceType is { } type && type != insured.InsuranceType))
        {
            return new Failure(ErrorCodes.InsuranceRecordMismatch, "The insured region or insurance type does not match the insurance platform's record of this person; leave them out to take the platform's.");
        }

        if (policies.Find(insured.InsuredRegion).Error is { } noPolicy)
        {
            return noPolicy;
        }

        // Claim the person before opening: of two accounts opening for one person at once, one binds it and the other
        // takes the voucher over from it.
        if (await person.ClaimAsync(UserId) is var claimant && claimant != UserId)
        {
            if (await TakeOverAsync(claimant, lookup, fullName) is { } raced)
            {
                return raced;
            }

            // The account that claimed the person never finished opening: this account takes the person.
            await person.MoveAsync(UserId);
        }

        var now = time.GetUtcNow();
        var opened = current with
        {
            Opened = true,
            VoucherNo = $"EV{insured.InsuredRegion}{RandomNumberGenerator.GetInt32(0, 1_000_000_000):D9}{RandomNumberGenerator.GetInt32(0, 10)}",
            FullNameMasked = MaskName(fullName),
            FullNameFingerprint = "",
            FullNameLookup = identity.Lookup("name", fullName),
            FullNameSealed = identity.Seal(fullName, SealContext("name")),
            NationalIdMasked = NationalId.Mask(nationalId),
            NationalIdFingerprint = "",
            NationalIdLookup = lookup,
            NationalIdSealed = identity.Seal(nationalId, SealContext("nid")),
            InsuredRegion = insured.InsuredRegion,
            InsuranceType = insured.InsuranceType,
            Status = VoucherStatus.Active,
            OpeningBalanceFen = insured.PersonalAccountBalanceFen,
            BalanceFen = insured.PersonalAccountBalanceFen,
            Accumulators = new(now.Year, 0, 0),
            OpenedAt = now,
            ConsentKey = RandomNumberGenerator.GetBytes(32),
        };
        await WriteAsync(opened);
        LogOpened(logger, opened.VoucherNo, UserId, opened.InsuredRegion);
        return new OpenVoucherResult(View(opened), Opened: true);
    }

    /// <summary>What an encrypted field of this voucher is bound to: a sealed value copied to another voucher or field does not decrypt.</summary>
    private string SealContext(string field) => $"voucher/{UserId}/{field}";

    private static Failure IdentityUnavailable() =>
        new(ErrorCodes.IdentityUnavailable, "The insurance platform insures no such person: no e-voucher can be opened.");

    public Task<Result<VoucherView>> GetAsync()
    {
        if (!state.State.IsHeld)
        {
            // A look-up of a user without a voucher keeps nothing in memory: guessing ids costs the silo nothing lasting.
            this.DeactivateOnIdle();
            return Task.FromResult<Result<VoucherView>>(NotFound());
        }

        return Task.FromResult<Result<VoucherView>>(View(state.State));
    }

    public Task<Result<AuthorizationGrant>> AuthorizeAsync(AuthorizeCommand command) => state.DecideAsync(() => AuthorizeOnceAsync(command));

    private async Task<Result<AuthorizationGrant>> AuthorizeOnceAsync(AuthorizeCommand command)
    {
        if (Usable(state.State) is { } unusable)
        {
            return unusable;
        }

        // The consent is the holder's: the person the identity provider just verified must be the one the voucher is for.
        if (command.VerifiedNationalId is not { } verified || NationalId.Validate(verified) is not null)
        {
            return new Failure(ErrorCodes.VerifiedClaimsRequired, "Consent needs the identity provider's verified claims of the voucher's holder.");
        }

        if (state.State.NationalIdLookup is not { } holder
            || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(holder), System.Text.Encoding.ASCII.GetBytes(NationalId.Lookup(verified.ToUpperInvariant(), identity))))
        {
            return new Failure(ErrorCodes.IdentityMismatch, "The person the identity provider verified is not this e-voucher's holder.");
        }

        if (!OrderRules.IsId(command.MerchantId))
        {
            return new Failure(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (command.MerchantOrderNo is not null && !OrderRules.IsId(command.MerchantOrderNo, allowDot: true))
        {
            return new Failure(ErrorCodes.InvalidMerchantOrderNo, "merchantOrderNo must be 1 to 64 letters, digits, '.', '_' or '-'.");
        }

        if (command.MaxAmountFen is < 1 or > OrderRules.MaxTotalFen)
        {
            return new Failure(ErrorCodes.InvalidAmount, $"maxAmountFen must be 1 to {OrderRules.MaxTotalFen}.");
        }

        if (command.ValidForMinutes is < 1 or > 60)
        {
            return new Failure(ErrorCodes.InvalidValidity, "validForMinutes must be 1 to 60.");
        }

        if (state.State.ConsentKey is null)
        {
            // A voucher opened before consent codes were signed gets its key once.
            await WriteAsync(state.State with { ConsentKey = RandomNumberGenerator.GetBytes(32) });
        }

        // Nothing to write: the code carries the consent, signed with the voucher's key.
        var (code, expiresAt) = ConsentToken.Issue(
            state.State.ConsentKey, UserId, command.MerchantId, command.MerchantOrderNo, command.MaxAmountFen, time.GetUtcNow(), command.ValidForMinutes);
        return new AuthorizationGrant(code, command.MerchantId, command.MaxAmountFen, command.MerchantOrderNo, expiresAt);
    }


    // A voucher that moved away forwards its orders' calls to the account it moved to (see SuccessorAsync): the
    // reservations, commits and refunds went with it. A consent of the old account is refused there (signed with the old key).
    public Task<Result<Reservation>> ReserveAsync(ReserveCommand command) => state.DecideAsync(async () =>
        await SuccessorAsync() is { } next ? await next.ReserveAsync(command) : await ReserveOnceAsync(command));

    private async Task<Result<Reservation>> ReserveOnceAsync(ReserveCommand command)
    {
        var current = state.State;
        if (current.Reservations.TryGetValue(command.OrderId, out var held) || current.Committed.TryGetValue(command.OrderId, out held))
        {
            return held;
        }

        if (Usable(current) is { } unusable)
        {
            return unusable;
        }

        var now = time.GetUtcNow();
        var codeHash = HashCode(command.AuthCode ?? "");
        // Codes issued before consent codes were signed (valid an hour at most) are not honoured: MedPay was not yet deployed.
        if (current.ConsentKey is not { } key || ConsentToken.Read(key, UserId, command.AuthCode) is not { } auth)
        {
            return new Failure(ErrorCodes.AuthUnknown, "The authorization code is not known for this user.");
        }

        if (current.Authorizations.GetValueOrDefault(codeHash)?.UsedByOrderId is not null)
        {
            return new Failure(ErrorCodes.AuthUsed, "The authorization code has already been used.");
        }

        if (now >= auth.ExpiresAt)
        {
            return new Failure(ErrorCodes.AuthExpired, "The authorization code has expired; ask the user to authorize again.");
        }

        if (!auth.IsFor(command.MerchantId))
        {
            return new Failure(ErrorCodes.AuthWrongMerchant, "The authorization was given to another merchant.");
        }

        if (!auth.Allows(command.MerchantOrderNo))
        {
            return new Failure(ErrorCodes.AuthWrongOrder, "The authorization was given for another order.");
        }

        var totals = CategoryTotals.Of(command.Items);
        if (totals.TotalFen > auth.MaxAmountFen)
        {
            return new Failure(ErrorCodes.AuthOverAmount, $"The order total {totals.TotalFen} fen is above the authorized {auth.MaxAmountFen} fen.");
        }

        var policy = policies.Find(current.InsuredRegion);
        if (!policy.IsOk)
        {
            return policy.Error!;
        }

        var committed = ForYear(current.Accumulators, now.Year);
        var pending = current.Reservations.Values.Aggregate(committed, (acc, r) => acc with
        {
            DeductibleUsedFen = acc.DeductibleUsedFen + r.DeductibleAppliedFen,
            FundPaidFen = acc.FundPaidFen + r.Split.FundFen,
        });
        var available = current.BalanceFen - ReservedFen(current);
        var computed = SplitCalculator.Compute(totals, policy.Value!, current.InsuranceType, pending, available);
        if (command.MaxCashFen is { } maxCash && computed.Split.CashFen > maxCash)
        {
            return new Failure(
                ErrorCodes.InsufficientBalance,
                $"The personal account can pay {computed.Split.PersonalAccountFen} fen; {computed.Split.CashFen} fen would be left in cash, above the {maxCash} fen allowed.");
        }

        var reservation = new Reservation(command.OrderId, command.SettlementId, computed.Split, computed.DeductibleAppliedFen, current.VoucherNo, current.InsuredRegion, current.InsuranceType, now, codeHash);
        await WriteAsync(current with
        {
            // Used consents are kept until they expire; after that the code answers "expired" by itself.
            Authorizations = current.Authorizations.RemoveRange(current.Authorizations.Where(a => a.Value.ExpiresAt <= now).Select(a => a.Key)).SetItem(
                codeHash,
                new StoredAuthorization(command.MerchantId, auth.MaxAmountFen, command.MerchantOrderNo, auth.IssuedAt, auth.ExpiresAt, command.OrderId)),
            Reservations = current.Reservations.Add(command.OrderId, reservation),
        });
        await ReservationsWatch.EnsureAsync();
        return reservation;
    }

    /// <summary>
    /// While reservations are held, a reminder checks them: one held longer than a payment takes may have been left
    /// behind by a crash, so its order is asked to finish or give it back. One-way, so that the order may call back.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReservationsReminder)
        {
            return;
        }

        if (state.State.MovedTo is not null)
        {
            // The reservations moved with the voucher, and the account it went to watches them.
            await ReservationsWatch.ReleaseAsync();
            return;
        }

        if (_unwrittenCommits)
        {
            // The reservations in storage are what keeps this reminder going: they are brought up to date first.
            await state.DecideAsync(() => WriteAsync(state.State));
        }

        var current = state.State;
        if (current.Reservations.IsEmpty)
        {
            await ReservationsWatch.ReleaseAsync();
            return;
        }

        var staleBefore = time.GetUtcNow() - recovery.Value.StaleReservationAfter;
        foreach (var held in current.Reservations.Values.Where(r => r.ReservedAt <= staleBefore))
        {
            LogStaleReservation(logger, UserId, held.OrderId);
            await GrainFactory.GetGrain<IMedicalOrderGrain>(held.OrderId).ReconcileAsync();
        }
    }

    /// <summary>The reservations reminder: it exists while reservations are held.</summary>
    private OpenWorkReminder ReservationsWatch => _watch ??= new(this, ReservationsReminder, recovery.Value.StaleReservationAfter);

    public async Task<Reservation?> HeldReservationAsync(string orderId) => state.State.MovedTo is null
        ? state.State.Reservations.GetValueOrDefault(orderId)
        : await (await SuccessorAsync())!.HeldReservationAsync(orderId);

    public Task CommitAsync(string orderId) => HereOrForwardedAsync(next => next.CommitAsync(orderId), () => CommitOnceAsync(orderId));

    /// <summary>Applies the commit in memory; it is written with the voucher's next write (see <see cref="_unwrittenCommits"/>).</summary>
    private Task CommitOnceAsync(string orderId)
    {
        var current = state.State;
        if (!current.Reservations.TryGetValue(orderId, out var reservation))
        {
            return Task.CompletedTask;
        }

        var year = ForYear(current.Accumulators, time.GetUtcNow().Year);
        state.State = current with
        {
            BalanceFen = current.BalanceFen - reservation.Split.PersonalAccountFen,
            Accumulators = year with
            {
                DeductibleUsedFen = year.DeductibleUsedFen + reservation.DeductibleAppliedFen,
                FundPaidFen = year.FundPaidFen + reservation.Split.FundFen,
            },
            Reservations = current.Reservations.Remove(orderId),
            Committed = KeepRecent(current.Committed.SetItem(orderId, reservation)),
        };
        _unwrittenCommits = true;
        return Task.CompletedTask;
    }

    /// <summary>Writes the voucher's next state, and with it any commits not yet written.</summary>
    private async Task WriteAsync(VoucherState next)
    {
        await state.SaveAsync(next, this);
        _unwrittenCommits = false;
    }

    public Task ReleaseAsync(string orderId) => HereOrForwardedAsync(next => next.ReleaseAsync(orderId), () => ReleaseOnceAsync(orderId));

    private async Task ReleaseOnceAsync(string orderId)
    {
        var current = state.State;
        if (!current.Reservations.ContainsKey(orderId))
        {
            return;
        }

        // Nothing was paid: the consent is given back too (its record of use goes), so the voucher is exactly as it was.
        var used = current.Authorizations.Where(a => a.Value.UsedByOrderId == orderId).Select(a => a.Key);
        await WriteAsync(current with { Reservations = current.Reservations.Remove(orderId), Authorizations = current.Authorizations.RemoveRange(used) });
    }

    public Task CreditRefundAsync(string orderId, string refundId, Split split) =>
        HereOrForwardedAsync(next => next.CreditRefundAsync(orderId, refundId, split), () => CreditRefundHereAsync(orderId, refundId, split));

    private async Task CreditRefundHereAsync(string orderId, string refundId, Split split)
    {
        var current = state.State;
        var key = $"{orderId}/{refundId}";
        if (!current.Opened || current.Refunds.ContainsKey(key))
        {
            return;
        }

        var year = ForYear(current.Accumulators, time.GetUtcNow().Year);
        await WriteAsync(current with
        {
            BalanceFen = current.BalanceFen + split.PersonalAccountFen,
            Accumulators = year with { FundPaidFen = Math.Max(0, year.FundPaidFen - split.FundFen) },
            Refunds = current.Refunds.Add(key, split),
        });
    }

    public Task<Result<VoucherView>> SetStatusAsync(VoucherStatus status, string reason) => state.DecideAsync(() => SetStatusOnceAsync(status, reason));

    private async Task<Result<VoucherView>> SetStatusOnceAsync(VoucherStatus status, string reason)
    {
        var current = state.State;
        if (!current.IsHeld)
        {
            return NotFound();
        }

        if (!Enum.IsDefined(status))
        {
            return new Failure(ErrorCodes.InvalidRequest, "status must be active, suspended or revoked.");
        }

        if (current.Status == VoucherStatus.Revoked && status != VoucherStatus.Revoked)
        {
            return new Failure(ErrorCodes.VoucherRevoked, "A revoked e-voucher cannot be reactivated.");
        }

        if (current.Status != status)
        {
            await WriteAsync(current with { Status = status });
            LogStatusChanged(logger, UserId, status, reason);
        }

        return View(state.State);
    }

    private Failure? ValidateIdentity(OpenVoucherCommand command)
    {
        if (!OrderRules.IsId(UserId))
        {
            return new(ErrorCodes.InvalidUserId, "userId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (string.IsNullOrWhiteSpace(command.FullName) || command.FullName.Trim().Length > 50)
        {
            return new(ErrorCodes.InvalidFullName, "fullName must be 1 to 50 characters.");
        }

        if (NationalId.Validate(command.NationalId) is { } badId)
        {
            return badId;
        }

        if (command.InsuranceType is { } type && !Enum.IsDefined(type))
        {
            return new(ErrorCodes.InvalidInsuranceType, "insuranceType must be employee or resident.");
        }

        if (command.InsuredRegion is not null && !RegionalPolicyCatalog.IsRegionCode(command.InsuredRegion))
        {
            return new(ErrorCodes.InvalidRegion, "The insured region must be a 6-digit code.");
        }

        return null;
    }

    private static Failure? Usable(VoucherState voucher) => voucher switch
    {
        { IsHeld: false } => NotFound(),
        { Status: VoucherStatus.Suspended } => new(ErrorCodes.VoucherSuspended, "The e-voucher is suspended."),
        { Status: VoucherStatus.Revoked } => new(ErrorCodes.VoucherRevoked, "The e-voucher is revoked."),
        _ => null,
    };

    private static Failure NotFound() => Contracts.NotFound.Voucher;

    private static ImmutableDictionary<string, Reservation> KeepRecent(ImmutableDictionary<string, Reservation> committed) =>
        committed.Count <= RecentCommitsKept
            ? committed
            : committed.RemoveRange(committed.Values.OrderBy(r => r.ReservedAt).Take(committed.Count - RecentCommitsKept).Select(r => r.OrderId));

    private static long ReservedFen(VoucherState voucher) => voucher.Reservations.Values.Sum(r => r.Split.PersonalAccountFen);

    private static YearAccumulators ForYear(YearAccumulators accumulators, int year) =>
        accumulators.Year == year ? accumulators : new(year, 0, 0);

    private VoucherView View(VoucherState v) => new(
        UserId, v.VoucherNo, v.Status, v.InsuredRegion, v.InsuranceType, v.NationalIdMasked, v.FullNameMasked,
        v.BalanceFen, ReservedFen(v), ForYear(v.Accumulators, time.GetUtcNow().Year), v.OpenedAt);

    private static string MaskName(string name) => name.Length <= 1 ? "*" : string.Concat(name.AsSpan(0, 1), new string('*', name.Length - 1));

    private static string HashCode(string code) => Fingerprints.AuthCode(code);

}
