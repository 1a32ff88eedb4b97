#!/usr/bin/env bash
# Builds, from the Go module proxy, every Go program the kind node image
# needs: the Kubernetes binaries, etcd, CoreDNS and the kind CLI.
# Usage: go-binaries.sh WORK_DIR [kind|apiserver]   (WORK_DIR/bin receives the
# programs; with `kind`, only the kind CLI; with `apiserver`, only kube-apiserver
# and kubectl, which the etcd workload's kops master runs beside etcd-manager)
# Each program is built inside a small wrapper module, so modules whose own
# go.mod has replace directives still build, and Go's build cache makes a
# second run take seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
work="$(mkdir -p "$1" && cd "$1" && pwd)"
mkdir -p "$work/bin" "$work/src"
export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
step() { printf '[kind-image] %s\n' "$*" >&2; }

# wrapper NAME MODULE VERSION PACKAGE...: a module requiring MODULE@VERSION whose
# tools.go imports the packages to build, tidied.
wrapper() {
  local name=$1 module=$2 version=$3; shift 3
  local dir="$work/src/$name"
  mkdir -p "$dir"
  [ -f "$dir/go.mod" ] || (cd "$dir" && go mod init "certdrill.local/build/$name" >/dev/null 2>&1)
  (cd "$dir" && go mod edit -require="$module@$version")
  {
    echo '//go:build tools'
    echo 'package tools'
    echo 'import ('
    for p in "$@"; do echo "  _ \"$p\""; done
    echo ')'
  } > "$dir/tools.go"
  echo "$dir"
}

build_kind() {
  step "kind $KIND_VERSION: building the CLI"
  local kind
  kind=$(wrapper kind sigs.k8s.io/kind "$KIND_VERSION" sigs.k8s.io/kind)
  (cd "$kind" && go mod tidy 2>"$kind/tidy.log") || { cat "$kind/tidy.log" >&2; exit 1; }
  (cd "$kind" && go build -ldflags "-s -w" -o "$work/bin/kind" sigs.k8s.io/kind)
  # Where the kind module is, for its base files (images/base/files).
  (cd "$kind" && go list -m -f '{{.Dir}}' sigs.k8s.io/kind) > "$work/kind-module-dir"
}
if [ "${2:-}" = kind ]; then build_kind; exit 0; fi

# Kubernetes: the module zip of k8s.io/kubernetes has no staging/ folder, so
# each staging module it replaces locally is pointed at its published release
# (k8s.io/api v0.33.x for Kubernetes v1.33.x, and so on).
kube_commands="kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy"
built_commands=$kube_commands
[ "${2:-}" = apiserver ] && built_commands="kube-apiserver kubectl"
step "Kubernetes $KUBERNETES_VERSION: fetching the modules"
kube=$(wrapper kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION" $(for c in $kube_commands; do echo "k8s.io/kubernetes/cmd/$c"; done))
kube_mod="$(cd "$kube" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')"
for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$kube_mod"); do
  (cd "$kube" && go mod edit -replace="$m=$m@v0.${KUBERNETES_VERSION#v1.}")
done
(cd "$kube" && go mod tidy 2>"$kube/tidy.log") || { cat "$kube/tidy.log" >&2; exit 1; }
v=k8s.io/component-base/version
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
kube_ldflags="-s -w -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
for c in $built_commands; do
  step "Kubernetes $KUBERNETES_VERSION: building $c"
  (cd "$kube" && go build -ldflags "$kube_ldflags" -o "$work/bin/$c" "k8s.io/kubernetes/cmd/$c")
done

if [ "${2:-}" = apiserver ]; then exit 0; fi

step "etcd $ETCD_VERSION: building"
etcd=$(wrapper etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3)
(cd "$etcd" && go mod tidy 2>"$etcd/tidy.log") || { cat "$etcd/tidy.log" >&2; exit 1; }
(cd "$etcd" && go build -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3)

step "CoreDNS $COREDNS_VERSION: building"
coredns=$(wrapper coredns github.com/coredns/coredns "$COREDNS_VERSION" github.com/coredns/coredns)
(cd "$coredns" && go mod tidy 2>"$coredns/tidy.log") || { cat "$coredns/tidy.log" >&2; exit 1; }
(cd "$coredns" && go build -ldflags "-s -w" -o "$work/bin/coredns" github.com/coredns/coredns)

build_kind
(cd "$kube" && go list -m -f '{{.Dir}}' k8s.io/kubernetes) > "$work/kubernetes-module-dir"
