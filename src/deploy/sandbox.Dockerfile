# The sandbox insurance platform and cash channel (src/MedPay.Sandbox), for a cluster that is tried or tested, never
# for production (there the silos reach the national platform). Build from the repository root:
#   docker build -f src/deploy/sandbox.Dockerfile -t medpay-sandbox .

# Pinned by exact version, as silo.Dockerfile: bump them together.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /repo
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/MedPay.Contracts/MedPay.Contracts.csproj src/MedPay.Contracts/
COPY src/MedPay.Platform/MedPay.Platform.csproj src/MedPay.Platform/
COPY src/MedPay.Sandbox/MedPay.Sandbox.csproj src/MedPay.Sandbox/
RUN dotnet restore src/MedPay.Sandbox/MedPay.Sandbox.csproj
COPY src/MedPay.Contracts/ src/MedPay.Contracts/
COPY src/MedPay.Platform/ src/MedPay.Platform/
COPY src/MedPay.Sandbox/ src/MedPay.Sandbox/
RUN dotnet publish src/MedPay.Sandbox/MedPay.Sandbox.csproj -c Release --no-restore -o /app

FROM busybox:1.37.0-musl AS probe

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS runtime
WORKDIR /app
COPY --from=probe /bin/wget /usr/local/bin/wget
COPY --from=build /app .
# Development: the sandbox signs with the development key that the silos' development settings trust.
ENV DOTNET_ENVIRONMENT=Development \
    ASPNETCORE_ENVIRONMENT=Development \
    ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["dotnet", "MedPay.Sandbox.dll"]
