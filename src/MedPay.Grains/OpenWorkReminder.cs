namespace MedPay.Grains;

/// <summary>
/// A reminder that exists while a grain has open work, and goes once nothing is open. The grain holds one as a field
/// and decides what "open" means: <see cref="EnsureAsync"/> when work opens (it registers the reminder once per
/// activation, so an open grain's calls cost no reminder operation after the first), <see cref="ReleaseAsync"/> once
/// nothing is open, <see cref="Forget"/> after the grain re-read its state (whether the reminder exists is then unknown).
/// </summary>
internal sealed class OpenWorkReminder(IGrainBase grain, string name, TimeSpan period)
{
    private bool _registered;

    public async Task EnsureAsync()
    {
        if (!_registered)
        {
            await grain.RegisterOrUpdateReminder(name, period, period);
            _registered = true;
        }
    }

    public async Task ReleaseAsync()
    {
        if (await grain.GetReminder(name) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }

        _registered = false;
    }

    public void Forget() => _registered = false;
}
