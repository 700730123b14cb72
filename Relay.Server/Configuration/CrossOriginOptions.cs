using System.ComponentModel.DataAnnotations;

namespace SignalRelay.Server.Configuration;

/// <summary>
/// The <c>Relay:Cors</c> section: web pages on other origins than the relay's that may use the hub. A browser sends the
/// SignalR client's negotiate (and a long-polling or Server-Sent Events connection's requests) across origins only
/// where the answer names the page's origin. None by default: a page elsewhere is refused, as the browser's own rule has it.
/// </summary>
public sealed class CrossOriginOptions : IValidatableObject
{
    /// <summary>Origins as a browser sends them, <c>scheme://host[:port]</c>, e.g. <c>https://app.example.com</c>.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>The allowed origins without the trailing slash a copied address may carry.</summary>
    public IEnumerable<string> Origins => AllowedOrigins.Select(origin => origin.TrimEnd('/'));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in Origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https")
                || !string.Equals(uri.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase))
            {
                yield return new ValidationResult(
                    $"Relay:Cors:AllowedOrigins: '{origin}' is not an origin; give scheme://host[:port] with no path, e.g. https://app.example.com.",
                    [nameof(AllowedOrigins)]);
            }
        }
    }
}
