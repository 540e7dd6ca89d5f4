# syntax=docker/dockerfile:1
# The silo image for GPU nodes: the same silo on NVIDIA's CUDA base, for ILGPU's CUDA backend. Build from the
# repository root:
#   docker build -f deploy/docker/silo-gpu.Dockerfile -t autograd/silo-gpu:latest .
# ILGPU compiles its kernels to PTX itself and loads them through the CUDA driver API (libcuda.so.1): that library is
# the node's driver's, mounted into the container by the NVIDIA container toolkit when the pod asks for nvidia.com/gpu
# (NVIDIA_DRIVER_CAPABILITIES below must include "compute"). The CUDA base image brings the CUDA runtime and the
# forward-compatibility libraries that let a newer CUDA userland run on an older driver. The node's driver must
# support the CUDA version of the tag (12.8 needs driver 570 or newer, or the compat package).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Packages.props ./
COPY src/ src/
RUN dotnet restore src/Silo/Silo.csproj
RUN dotnet publish src/Silo/Silo.csproj -c Release --no-restore -o /app

# The .NET runtime from Microsoft's image of the same Ubuntu release as the CUDA base (24.04, "noble").
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS dotnet

FROM nvidia/cuda:12.8.1-base-ubuntu24.04 AS runtime
# .NET's native dependencies on Ubuntu 24.04 (ICU is not needed: the projects run with invariant globalization).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3t64 libstdc++6 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1654 app \
    && useradd --uid 1654 --gid app --no-create-home --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/usr/share/dotnet:$PATH \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build /app ./
USER 1654
# 11111 silo-to-silo, 30000 gateway (clients), 8080 /health and /alive (Autograd__HttpPort in the manifests).
EXPOSE 11111 11112 30000 8080
ENTRYPOINT ["dotnet", "Autograd.Cluster.Silo.dll"]
