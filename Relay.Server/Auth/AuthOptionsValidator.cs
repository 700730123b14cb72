using Microsoft.Extensions.Options;

namespace SignalRelay.Server.Auth;

/// <summary>Stops start-up on an <c>Auth</c> section that cannot protect anything, naming the setting at fault.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.Mode == AuthMode.None)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        CheckAddress(options.Authority, "Authority", required: true, options.RequireHttpsMetadata, failures);
        CheckAddress(options.MetadataAddress, "MetadataAddress", required: false, options.RequireHttpsMetadata, failures);
        if (options.Audiences.Length == 0 && options.AllowedClients.Length == 0)
        {
            failures.Add("Auth:Audiences or Auth:AllowedClients must be set when Auth:Mode is Jwt; otherwise any token the issuer signs for any application would be accepted.");
        }
        if (string.IsNullOrWhiteSpace(options.AgentIdClaim))
        {
            failures.Add("Auth:AgentIdClaim must name the claim that carries the agent id (default 'sub').");
        }
        if (string.IsNullOrWhiteSpace(options.RoleClaim))
        {
            failures.Add("Auth:RoleClaim must name the claim that carries roles (default 'roles').");
        }
        if (string.IsNullOrWhiteSpace(options.AdminRole))
        {
            failures.Add("Auth:AdminRole must name the role /api/* requires.");
        }
        if (options.ClockSkewSeconds is < 0 or > 600)
        {
            failures.Add("Auth:ClockSkewSeconds must be between 0 and 600.");
        }
        if (options.ProviderTimeoutSeconds is < 1 or > 120)
        {
            failures.Add("Auth:ProviderTimeoutSeconds must be between 1 and 120.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckAddress(string? value, string setting, bool required, bool requireHttps, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                failures.Add($"Auth:{setting} is required when Auth:Mode is Jwt: the issuer URL, e.g. https://login.example.com/realms/agents.");
            }
            return;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            failures.Add($"Auth:{setting} must be an absolute http(s) URL, not '{value}'.");
        }
        else if (requireHttps && uri.Scheme != "https")
        {
            failures.Add($"Auth:{setting} must use https; set Auth:RequireHttpsMetadata=false only for a local test issuer.");
        }
    }
}
