# certdrill's kind node image, built with no registry: Debian's packages
# (systemd, containerd, runc, CNI plugins), kind's own base files (taken from
# the kind module at build time, in kind-base/), the Kubernetes binaries built
# from the Go module proxy, and the control-plane images preloaded into the
# node's containerd. `kind create cluster --image` runs it as it runs kindest/node.
FROM debian:bookworm-slim AS node
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod \
      libseccomp2 pigz bash ca-certificates curl jq procps \
      containerd runc containernetworking-plugins >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY kind-base/usr/local/bin/ /usr/local/bin/
COPY kind-base/kind/ /kind/
COPY kind-base/etc/ /etc/
# As kind's base image does: only the services a node needs start.
RUN chmod 755 /usr/local/bin/* /kind/bin/* \
 && find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/* \
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \
 && ln -sf "$(command -v systemd || echo /lib/systemd/systemd)" /sbin/init \
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service \
 && systemctl mask systemd-binfmt.service \
 && mkdir -p /etc/kubernetes/manifests /opt/cni
# kind's units and config expect containerd in /usr/local/bin and the CNI plugins in /opt/cni/bin.
RUN ln -s /usr/bin/containerd /usr/local/bin/containerd \
 && ln -s /usr/lib/cni /opt/cni/bin \
 && ctr oci spec \
    | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
    | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \
 # A negative oom_score_adj is denied inside the node on these hosts: without this no pod starts.
 && sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml \
 && grep -q 'restrict_oom_score_adj = true' /etc/containerd/config.toml
# A single-node cluster with kind's default CNI switched off: pods get
# point-to-point links routed by the node (as kindnetd sets up), from Debian's plugins.
COPY ptp.conflist /etc/cni/net.d/10-certdrill-ptp.conflist
COPY service-ips.service /etc/systemd/system/certdrill-service-ips.service
COPY default-storage.yaml /kind/manifests/default-storage.yaml
RUN systemctl enable certdrill-service-ips.service
COPY bin/kubeadm bin/kubelet bin/kubectl /usr/bin/
COPY version /kind/version

# The images kubeadm expects, stored in containerd's content store at build
# time (as kind's own node-image build does, unpacked later by the CRI).
FROM node AS preload
LABEL certdrill.kind-node.preload=true
COPY images.tar /tmp/images.tar
RUN set -e; (containerd >/tmp/containerd.log 2>&1 &) ; \
    for i in $(seq 1 50); do ctr version >/dev/null 2>&1 && break; sleep 0.2; done; \
    ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests /tmp/images.tar; \
    ctr --namespace=k8s.io images list -q; \
    pkill containerd; sleep 1

FROM node
COPY --from=preload /var/lib/containerd /var/lib/containerd
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
