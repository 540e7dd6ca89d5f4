# syntax=docker/dockerfile:1
# The autograd CLI image, for Kubernetes Jobs that submit training jobs (deploy/kubernetes/submit). Build from the
# repository root:
#   docker build -f deploy/docker/cli.Dockerfile -t autograd/cli:latest .
# The CLI references the silo (for `autograd train` without --cluster, an embedded cluster) and so needs the ASP.NET
# Core runtime too.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Every project the CLI references lives under src/ (tests/Deploy.Tests checks it).
COPY Directory.Build.props Directory.Packages.props ./
COPY src/ src/
RUN dotnet restore src/Cli/Cli.csproj
RUN dotnet publish src/Cli/Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# The CLI serves nothing: drop the image's default HTTP port.
ENV ASPNETCORE_HTTP_PORTS=
USER 1654
ENTRYPOINT ["dotnet", "Autograd.Cluster.Cli.dll"]
