# syntax=docker/dockerfile:1
# The silo image (CPU). Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t autograd/silo:latest .
# Runs as the non-root user 1654 ("app") of Microsoft's images, on a root filesystem the pod mounts read-only; the
# manifests give it a writable /tmp (emptyDir) and every setting as environment variables (deploy/kubernetes).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Every project the silo references lives under src/ (tests/Deploy.Tests checks it).
COPY Directory.Build.props Directory.Packages.props ./
COPY src/ src/
RUN dotnet restore src/Silo/Silo.csproj
RUN dotnet publish src/Silo/Silo.csproj -c Release --no-restore -o /app

# ASP.NET Core runtime: the silo serves /health and /alive over HTTP. Chiseled: no shell, no package manager, non-root.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# The image's default HTTP port would be ignored: the silo binds Kestrel to Autograd__HttpPort itself.
ENV ASPNETCORE_HTTP_PORTS=
USER 1654
# 11111 silo-to-silo, 30000 gateway (clients), 8080 /health and /alive (Autograd__HttpPort in the manifests).
EXPOSE 11111 11112 30000 8080
ENTRYPOINT ["dotnet", "Autograd.Cluster.Silo.dll"]
