namespace SignalRelay.Tests.Auth;

/// <summary>Every way a token can be wrong, each answered with 401 (or an error frame) and never a 500.</summary>
public enum BadToken
{
    ForgedSignature,
    WrongIssuer,
    WrongAudience,
    ClientNotAllowed,
    Expired,
    NotYetValid,
    Malformed,
}

public static class BadTokens
{
    public static string For(LocalIssuer issuer, BadToken kind, string agent = "alice") => kind switch
    {
        BadToken.ForgedSignature => issuer.Token(agent, new TokenSpec { ForgedSignature = true }),
        BadToken.WrongIssuer => issuer.Token(agent, new TokenSpec { Issuer = "https://impostor.example" }),
        BadToken.WrongAudience => issuer.Token(agent, new TokenSpec { Audience = "billing-api" }),
        BadToken.ClientNotAllowed => issuer.Token(agent, new TokenSpec { Client = "some-other-app" }),
        BadToken.Expired => issuer.Token(agent, new TokenSpec { NotBefore = TimeSpan.FromHours(-2), Lifetime = TimeSpan.FromHours(1) }),
        BadToken.NotYetValid => issuer.Token(agent, new TokenSpec { NotBefore = TimeSpan.FromHours(1) }),
        BadToken.Malformed => "not-a-jwt",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The error code the relay answers a bad token with where it can say more than 401.</summary>
    public static string CodeFor(BadToken kind) => kind == BadToken.Expired ? ErrorCodes.TokenExpired : ErrorCodes.InvalidToken;
}
