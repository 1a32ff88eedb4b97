#!/usr/bin/env bash
# Builds certdrill's kind node image with no container registry: Go programs
# from the Go module proxy, images FROM debian:bookworm-slim, and a node image
# from a plain Dockerfile. The image is tagged with its versions and a hash of
# this folder, and reused when present.
#
#   kind-node/build.sh          build (or reuse) it; the last line printed is its tag
#   kind-node/build.sh --tag    print the tag it has or would have, build nothing
#   kind-node/build.sh --kind-cli   build only the kind CLI (into the cache's bin/)
#   kind-node/build.sh --apiserver  build (or reuse) only kube-apiserver and kubectl; prints their folder
#
# Exit status 2, with one line, when something it needs is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
step() { printf '[kind-image] %s\n' "$*" >&2; }
need() { printf 'kind node image: %s\n' "$*" >&2; exit 2; }

# Every file the image is made from, and nothing else that may lie in the folder.
sources="versions.env go-binaries.sh build.sh component.Dockerfile node.Dockerfile ptp.conflist service-ips.service default-storage.yaml"
hash=$(cd "$here" && cat $sources | sha256sum | cut -c1-12)
tag="certdrill/kind-node:${KUBERNETES_VERSION}-${hash}"
if [ "${1:-}" = "--tag" ]; then echo "$tag"; exit 0; fi
work="${CERTDRILL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certdrill}/kind-node"
if [ "${1:-}" = "--kind-cli" ]; then
  command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds kind from the Go module proxy): install Go 1.24 or newer, then run again"
  bash "$here/go-binaries.sh" "$work" kind
  echo "$work/bin/kind"
  exit 0
fi

if [ "${1:-}" = "--apiserver" ]; then
  # The etcd workload's kops master runs these beside etcd-manager: the same build, the same cache.
  stamp="$work/bin/kube-apiserver.version"
  if [ ! -x "$work/bin/kube-apiserver" ] || [ ! -x "$work/bin/kubectl" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$KUBERNETES_VERSION" ]; then
    command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds kube-apiserver from the Go module proxy): install Go 1.24 or newer, then run again"
    step "kube-apiserver and kubectl $KUBERNETES_VERSION: building from the Go module proxy (minutes the first time)"
    bash "$here/go-binaries.sh" "$work" apiserver
    printf '%s' "$KUBERNETES_VERSION" > "$stamp"
  fi
  echo "$work/bin"
  exit 0
fi

command -v docker >/dev/null 2>&1 || need "docker is not installed: install a Docker engine (23 or newer), then run again"
docker info >/dev/null 2>&1 || need "no Docker engine is reachable: start one (as root: dockerd &), then run again"
if docker image inspect "$tag" >/dev/null 2>&1; then
  step "reusing $tag"
  echo "$tag"
  exit 0
fi
command -v go >/dev/null 2>&1 || need "the Go toolchain is missing (it builds Kubernetes from the Go module proxy): install Go 1.24 or newer, then run again"
command -v gcc >/dev/null 2>&1 || need "gcc is missing (it builds the pause program): apt-get install gcc libc6-dev, then run again"
docker image inspect debian:bookworm-slim >/dev/null 2>&1 || bash "$here/../scripts/base-image.sh" >&2

started=$(date +%s)
step "building $tag (Kubernetes $KUBERNETES_VERSION, kind $KIND_VERSION); the Go builds take about 13 minutes on 2 cores the first time, seconds after"
bash "$here/go-binaries.sh" "$work"
printf '%s' "$KUBERNETES_VERSION" > "$work/bin/kube-apiserver.version"
kube_dir=$(cat "$work/kubernetes-module-dir")
kind_dir=$(cat "$work/kind-module-dir")

step "pause: compiling Kubernetes' pause.c"
gcc -Os -Wall -static -DVERSION="\"certdrill-$KUBERNETES_VERSION\"" -o "$work/bin/pause" "$kube_dir/build/pause/linux/pause.c"

# The images kubeadm will ask for, by its own listing, with CoreDNS's and
# etcd's tags set to the versions built here (the cluster config says the same).
cat > "$work/kubeadm-images.yaml" <<YAML
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: $KUBERNETES_VERSION
dns:
  imageTag: $COREDNS_VERSION
etcd:
  local:
    imageTag: ${ETCD_VERSION#v}-0
YAML
"$work/bin/kubeadm" config images list --config "$work/kubeadm-images.yaml" > "$work/images.txt" 2>/dev/null
images=()
while read -r image; do
  [ -n "$image" ] || continue
  program=${image%:*}; program=${program##*/}
  packages=""
  [ "$program" = kube-proxy ] && packages="iptables nftables conntrack"
  step "image $image"
  ctx="$work/context/$program"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$work/bin/$program" "$ctx/program"
  docker build -q -f "$here/component.Dockerfile" --build-arg PROGRAM="$program" --build-arg PACKAGES="$packages" -t "$image" "$ctx" >"$ctx.log" 2>&1 || { tail -20 "$ctx.log" >&2; exit 1; }
  images+=("$image")
done < "$work/images.txt"

step "node image: kind's base files from sigs.k8s.io/kind@$KIND_VERSION, Debian packages, preloaded images"
ctx="$work/context/node"
rm -rf "$ctx" && mkdir -p "$ctx/bin"
cp -r "$kind_dir/images/base/files" "$ctx/kind-base" && chmod -R u+w "$ctx/kind-base"
cp "$work/bin/kubeadm" "$work/bin/kubelet" "$work/bin/kubectl" "$ctx/bin/"
cp "$here/ptp.conflist" "$here/service-ips.service" "$here/default-storage.yaml" "$ctx/"
printf '%s' "$KUBERNETES_VERSION" > "$ctx/version"
docker save -o "$ctx/images.tar" "${images[@]}"
docker build -f "$here/node.Dockerfile" -t "$tag" "$ctx" >"$work/node-build.log" 2>&1 || { tail -30 "$work/node-build.log" >&2; exit 1; }
rm -rf "$work/context"
# The preload stage (the image archive inside) is no part of the result: drop it.
docker image prune -f --filter "label=certdrill.kind-node.preload" >/dev/null 2>&1 || true
step "built $tag in $(( $(date +%s) - started )) s"
echo "$tag"
