# One MedPay silo per container, for cluster operators. Build from the repository root:
#   docker build -f silo.Dockerfile -t medpay-silo .
# Run it on the cluster's private network with Azure Table clustering and storage (the same account for both) and
# the cluster certificate from a mounted secret; see "Operating a cluster" in README.md. Cluster TLS is on: a silo
# without a certificate (MedPay__Cluster__Tls__CertificatePath) does not start.

# Base images pinned by exact version (the SDK of global.json's feature band and the runtime it carries), so that a
# rebuild gives the same image; bump both together, to the versions `dotnet --list-sdks` / `--list-runtimes` show.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /repo
# Restore first, from the project files alone, so that the layer is reused while only code changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/MedPay.Contracts/MedPay.Contracts.csproj src/MedPay.Contracts/
COPY src/MedPay.Platform/MedPay.Platform.csproj src/MedPay.Platform/
COPY src/MedPay.Grains/MedPay.Grains.csproj src/MedPay.Grains/
COPY src/MedPay.Silo/MedPay.Silo.csproj src/MedPay.Silo/
RUN dotnet restore src/MedPay.Silo/MedPay.Silo.csproj
COPY src/MedPay.Contracts/ src/MedPay.Contracts/
COPY src/MedPay.Platform/ src/MedPay.Platform/
COPY src/MedPay.Grains/ src/MedPay.Grains/
COPY src/MedPay.Silo/ src/MedPay.Silo/
RUN dotnet publish src/MedPay.Silo/MedPay.Silo.csproj -c Release --no-restore -o /app

# A static wget (busybox, musl) for the image's HEALTHCHECK: the runtime image has no HTTP client of its own.
FROM busybox:1.37.0-musl AS probe

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS runtime
WORKDIR /app
COPY --from=probe /bin/wget /usr/local/bin/wget
COPY --from=build /app .
# Server GC: a silo is a long-running, many-threaded server that owns its container's cores.
ENV DOTNET_ENVIRONMENT=Production \
    DOTNET_gcServer=1 \
    MedPay__Clustering__Provider=AzureTable \
    MedPay__Clustering__ListenOnAnyHostAddress=true \
    MedPay__Storage__Provider=AzureTable \
    MedPay__Cluster__Tls__Enabled=true \
    MedPay__Silo__HttpPort=8080
# Silo-to-silo and client gateway ports, for the cluster's private network only (mutual TLS); never published. 8080 is
# the silo's own HTTP endpoint (SiloHttp): /health/live, /health/ready and the /metrics scrape, for the orchestrator.
EXPOSE 11111 30000 8080
# Ready: Active in the cluster and its storage answers (it is not yet while joining, nor once shutting down).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health/ready"]
# The image's built-in non-root user.
USER $APP_UID
ENTRYPOINT ["dotnet", "MedPay.Silo.dll"]
