using System.Net;

namespace SignalRelay.Tests.Auth;

public sealed class KeyRotationTests
{
    [Test]
    public async Task After_the_issuer_rotates_keys_tokens_with_the_new_kid_are_accepted_without_a_restart()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var alice = await secured.ConnectAsync("alice");
        var oldToken = secured.Issuer.Token("carol");
        var oldKid = secured.Issuer.KeyId;
        var fetchesBefore = secured.Issuer.JwksRequests;

        secured.Issuer.RotateKeys();
        var newToken = secured.Issuer.Token("bob");

        // The unknown kid makes the relay fetch the JWKS again; the library refreshes in the background,
        // so the very request that revealed the new key may still be refused.
        var status = await UpgradeUntilAcceptedAsync(secured, newToken);
        var (oldStatus, _) = await secured.UpgradeAsync(HubProtocol.Path, headerToken: oldToken);

        Assert.Multiple(async () =>
        {
            Assert.That(secured.Issuer.KeyId, Is.Not.EqualTo(oldKid));
            Assert.That(status, Is.EqualTo(HttpStatusCode.SwitchingProtocols), "a token signed with the new key");
            Assert.That(secured.Issuer.JwksRequests, Is.GreaterThan(fetchesBefore), "the relay fetched the new keys");
            Assert.That(oldStatus, Is.EqualTo(HttpStatusCode.Unauthorized), "the retired key is no longer published");
            Assert.That((await alice.BroadcastAsync(Json.Of("still connected"))).Seq, Is.GreaterThan(0), "live sessions are untouched");
        });
    }

    private static async Task<HttpStatusCode> UpgradeUntilAcceptedAsync(SecuredRelay secured, string token)
    {
        var deadline = DateTime.UtcNow + Wait.Default;
        while (true)
        {
            var (status, socket) = await secured.UpgradeAsync(HubProtocol.Path, headerToken: token);
            socket?.Dispose();
            if (status == HttpStatusCode.SwitchingProtocols || DateTime.UtcNow > deadline)
            {
                return status;
            }
            await Task.Delay(50);
        }
    }
}
