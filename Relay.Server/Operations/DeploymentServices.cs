namespace SignalRelay.Server.Operations;

public static class DeploymentServices
{
    /// <summary>What running on a hosting platform needs: the startup banner and AgentCore's <c>/ping</c> state.</summary>
    public static IServiceCollection AddDeploymentSupport(this IServiceCollection services)
    {
        services.AddHostedService<StartupBanner>();
        services.AddSingleton<AgentCorePing>();
        return services;
    }
}
