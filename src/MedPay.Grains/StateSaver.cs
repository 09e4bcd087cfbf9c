namespace MedPay.Grains;

/// <summary>
/// Writes a grain's next state. If the write fails the grain keeps its last durable state in memory and deactivates,
/// so that the next call re-reads storage instead of deciding on state that may or may not have been written.
/// </summary>
internal static class StateSaver
{
    public static async Task SaveAsync<T>(this IPersistentState<T> state, T next, IGrainBase grain)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            GrainBaseExtensions.DeactivateOnIdle(grain);
            throw;
        }
    }
}
