namespace SignalRelay.Server.Operations;

/// <summary>
/// <c>Relay.Server --healthcheck [url]</c>: one GET of <c>/healthz</c> on this machine, exit 0 when it
/// answers 2xx, else 1. The container's HEALTHCHECK uses it because the ASP.NET runtime image has no curl.
/// </summary>
public static class HealthProbe
{
    public const string Flag = "--healthcheck";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Flag;

    public static async Task<int> RunAsync(string[] args)
    {
        var target = args.Length > 1 ? args[1] : DefaultTarget();
        if (!Uri.TryCreate(target, UriKind.Absolute, out var url))
        {
            await Console.Error.WriteLineAsync($"healthcheck: '{target}' is not an absolute URL.");
            return 1;
        }
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url);
            Console.WriteLine($"healthcheck: {url} answered {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"healthcheck: {url} failed: {ex.Message}");
            return 1;
        }
    }

    /// <summary>The server's own <c>/healthz</c> on loopback, on <c>PORT</c> as the server reads it.</summary>
    private static string DefaultTarget()
    {
        var port = Environment.GetEnvironmentVariable("PORT");
        return $"http://127.0.0.1:{(string.IsNullOrEmpty(port) ? RelayApp.DefaultPort : port)}{OperationsEndpoints.LivenessPath}";
    }
}
