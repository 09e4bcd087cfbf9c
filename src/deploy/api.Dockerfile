# The MedPay API (ASP.NET Core, the cluster's Orleans client), one per container. Build from the repository root:
#   docker build -f src/deploy/api.Dockerfile -t medpay-api .
# It reaches the silos' gateways over the cluster's private network (Azure Table membership, cluster TLS) and serves
# HTTP on 8080, the only port a deployment publishes (behind a TLS-terminating load balancer or ingress).

# Pinned by exact version, as silo.Dockerfile: bump them together.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /repo
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/MedPay.Contracts/MedPay.Contracts.csproj src/MedPay.Contracts/
COPY src/MedPay.Api/MedPay.Api.csproj src/MedPay.Api/
RUN dotnet restore src/MedPay.Api/MedPay.Api.csproj
COPY src/MedPay.Contracts/ src/MedPay.Contracts/
COPY src/MedPay.Api/ src/MedPay.Api/
RUN dotnet publish src/MedPay.Api/MedPay.Api.csproj -c Release --no-restore -o /app

FROM busybox:1.37.0-musl AS probe

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS runtime
WORKDIR /app
COPY --from=probe /bin/wget /usr/local/bin/wget
COPY --from=build /app .
ENV DOTNET_ENVIRONMENT=Production \
    ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=1 \
    MedPay__Clustering__Provider=AzureTable \
    MedPay__Cluster__Tls__Enabled=true
EXPOSE 8080
USER $APP_UID
# Live: the process serves HTTP. (Ready, /health/ready, also asks the cluster: the orchestrator's readiness probe.)
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health/live"]
ENTRYPOINT ["dotnet", "MedPay.Api.dll"]
