# syntax=docker/dockerfile:1
# The production image: SDK stage builds, ASP.NET runtime stage runs. No SDK, no tests in the result.
# .ci/publish-smoke.sh replays this build stage (its COPY and RUN lines) without a container engine.

# The build runs on the builder's own platform: the framework-dependent output is portable, so an ARM64
# image (AgentCore needs one) is built without emulating the SDK.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore in its own layer: it reruns only when a project file or the shared build props change.
COPY Directory.Build.props ./
COPY Relay.Contracts/Relay.Contracts.csproj Relay.Contracts/
COPY Relay.Server/Relay.Server.csproj Relay.Server/
RUN dotnet restore Relay.Server/Relay.Server.csproj
COPY appsettings.json ./
COPY Migrations/ Migrations/
COPY Relay.Contracts/ Relay.Contracts/
COPY Relay.Server/ Relay.Server/
RUN dotnet publish Relay.Server/Relay.Server.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The server reads PORT and DB_PATH; the base image's ASPNETCORE_HTTP_PORTS is cleared so PORT alone decides.
ENV PORT=8080 \
    DB_PATH=/data/relay_server.db \
    ASPNETCORE_HTTP_PORTS=
# APP_UID is the base image's non-root user; it must own the volume's mount point.
RUN mkdir /data && chown "$APP_UID" /data
VOLUME /data
COPY --from=build /app .
USER $APP_UID
EXPOSE 8080
STOPSIGNAL SIGTERM
# The runtime image has no curl: the server itself does one GET of /healthz and exits 0 or 1.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/Relay.Server.dll", "--healthcheck"]
ENTRYPOINT ["dotnet", "/app/Relay.Server.dll"]
