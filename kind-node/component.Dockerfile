# One control-plane component (kube-apiserver, etcd, CoreDNS, pause, ...) as
# the image kubeadm expects, made from a program certdrill built itself (see
# go-binaries.sh), because no registry can be reached to pull the real one.
FROM debian:bookworm-slim
ARG PROGRAM
ARG PACKAGES=""
# kube-proxy programs iptables and conntrack; the others need nothing more.
RUN if [ -n "$PACKAGES" ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES >/dev/null && rm -rf /var/lib/apt/lists/*; fi
COPY program /usr/local/bin/${PROGRAM}
# kubeadm's manifests call kube-apiserver, etcd, ... by name; CoreDNS's
# Deployment and the pod sandbox run the image's entrypoint.
RUN ln -s /usr/local/bin/${PROGRAM} /program
ENTRYPOINT ["/program"]
