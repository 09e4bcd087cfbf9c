using System.Security.Cryptography;
using System.Text;
using MedPay.Contracts;
using MedPay.Grains.Domain;
using MedPay.Grains.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

[GenerateSerializer, Immutable, Alias("medpay.MerchantState")]
public sealed record MerchantState
{
    [Id(0)] public bool Registered { get; init; }
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string InstitutionCode { get; init; } = "";
    [Id(3)] public string? CallbackUrl { get; init; }
    [Id(4)] public string ApiKeyHash { get; init; } = "";
    [Id(5)] public string WebhookSecret { get; init; } = "";
    [Id(6)] public DateTimeOffset RegisteredAt { get; init; }
    [Id(7)] public DateTimeOffset CredentialsIssuedAt { get; init; }

    /// <summary>Whether the merchant registry (<see cref="IMerchantRegistryGrain"/>) lists this merchant.</summary>
    [Id(8)] public bool InRegistry { get; init; }
}

public sealed class MerchantGrain(
    [PersistentState("merchant", MedPayGrainServices.StorageName)] IPersistentState<MerchantState> state,
    [FromKeyedServices(MedPayClock.Key)] TimeProvider time,
    CallbackAddressPolicy callbackPolicy,
    ILogger<MerchantGrain> logger) : Grain, IMerchantGrain
{
    private string MerchantId => this.GetPrimaryKeyString();

    /// <summary>A merchant registered before the registry existed (or whose registration lost its registry call) is added once.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State is { Registered: true, InRegistry: false })
        {
            try
            {
                await GrainFactory.GetGrain<IMerchantRegistryGrain>(0).AddAsync(MerchantId);
                await state.SaveAsync(state.State with { InRegistry = true }, this);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Merchant {MerchantId} could not be added to the merchant registry; it is tried again at its next activation", MerchantId);
            }
        }
    }

    public Task<Result<MerchantCredentials>> RegisterAsync(RegisterMerchantCommand command) => state.DecideAsync(async () =>
    {
        if (!OrderRules.IsId(MerchantId))
        {
            return (Result<MerchantCredentials>)new Failure(ErrorCodes.InvalidMerchantId, "merchantId must be 1 to 64 letters, digits, '_' or '-'.");
        }

        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Trim().Length > 100)
        {
            return new Failure(ErrorCodes.InvalidName, "name must be 1 to 100 characters.");
        }

        if (command.InstitutionCode is not { Length: >= 4 and <= 32 } || !command.InstitutionCode.All(char.IsAsciiLetterOrDigit))
        {
            return new Failure(ErrorCodes.InvalidInstitutionCode, "institutionCode must be 4 to 32 letters or digits.");
        }

        if (CallbackProblem(command.CallbackUrl) is { } badUrl)
        {
            return badUrl;
        }

        if (state.State.Registered)
        {
            return new Failure(ErrorCodes.MerchantConflict, "This merchant id is already registered; rotate its credentials instead.");
        }

        // Listed first, so that the registration's one write also records it: a merchant id listed whose registration
        // then failed only adds an empty statement to the operators' daily check.
        await GrainFactory.GetGrain<IMerchantRegistryGrain>(0).AddAsync(MerchantId);
        var now = time.GetUtcNow();
        var (apiKey, registered) = Issue(state.State with
        {
            Registered = true,
            InRegistry = true,
            Name = command.Name.Trim(),
            InstitutionCode = command.InstitutionCode,
            CallbackUrl = command.CallbackUrl,
            RegisteredAt = now,
        }, now);
        await state.SaveAsync(registered, this);
        logger.LogInformation("Registered merchant {MerchantId} ({InstitutionCode})", MerchantId, registered.InstitutionCode);
        return new MerchantCredentials(View(registered), apiKey, registered.WebhookSecret);
    });

    public Task<Result<MerchantCredentials>> RotateCredentialsAsync() => state.DecideAsync(async () =>
    {
        if (!state.State.Registered)
        {
            return (Result<MerchantCredentials>)NotFound();
        }

        var (apiKey, rotated) = Issue(state.State, time.GetUtcNow());
        await state.SaveAsync(rotated, this);
        logger.LogInformation("Rotated the credentials of merchant {MerchantId}", MerchantId);
        return new MerchantCredentials(View(rotated), apiKey, rotated.WebhookSecret);
    });

    public Task<Result<MerchantView>> SetCallbackAsync(string? callbackUrl) => state.DecideAsync(async () =>
    {
        if (!state.State.Registered)
        {
            return (Result<MerchantView>)NotFound();
        }

        if (CallbackProblem(callbackUrl) is { } badUrl)
        {
            return badUrl;
        }

        await state.SaveAsync(state.State with { CallbackUrl = callbackUrl }, this);
        return View(state.State);
    });

    public Task<Result<MerchantView>> GetAsync()
    {
        if (!state.State.Registered)
        {
            this.DeactivateOnIdle();
            return Task.FromResult<Result<MerchantView>>(NotFound());
        }

        return Task.FromResult<Result<MerchantView>>(View(state.State));
    }

    public Task<bool> VerifyAsync(string apiKey)
    {
        if (!state.State.Registered)
        {
            // A credential naming a merchant that does not exist (guessed by anyone) keeps nothing in memory.
            this.DeactivateOnIdle();
            return Task.FromResult(false);
        }

        return Task.FromResult(CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashKey(apiKey ?? "")), Encoding.ASCII.GetBytes(state.State.ApiKeyHash)));
    }

    public Task<CallbackTarget?> GetCallbackTargetAsync() =>
        Task.FromResult(state.State.Registered ? new CallbackTarget(state.State.CallbackUrl, state.State.WebhookSecret) : null);

    private static (string ApiKey, MerchantState Next) Issue(MerchantState current, DateTimeOffset now)
    {
        var apiKey = "mk_" + RandomToken();
        return (apiKey, current with { ApiKeyHash = HashKey(apiKey), WebhookSecret = "whsec_" + RandomToken(), CredentialsIssuedAt = now });
    }

    private static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string HashKey(string apiKey) => Fingerprints.Of("merchant-key", apiKey);

    /// <summary>
    /// Callbacks go to an absolute https address (plain http only in Development) that is not private, loopback or
    /// link-local, unless on the allow-list (<see cref="CallbackAddressPolicy"/>); names are checked again at each send.
    /// </summary>
    private Failure? CallbackProblem(string? url) =>
        url is null ? null
        : callbackPolicy.Check(url) is { } problem ? new Failure(ErrorCodes.InvalidCallbackUrl, problem) : null;

    private MerchantView View(MerchantState s) => new(MerchantId, s.Name, s.InstitutionCode, s.CallbackUrl, s.RegisteredAt, s.CredentialsIssuedAt);

    private static Failure NotFound() => Contracts.NotFound.Merchant;
}
