#!/bin/sh
# One kops control-plane host's etcd side, as kops' manifests run it: the real
# etcd-manager for the "main" cluster (it issues the member's certificates and
# starts etcd), and kube-apiserver beside it, dialling https://127.0.0.1:4001
# with its own etcd client certificate. Both run in this one node, so they
# share its network and its clock (the platform runs this script under
# certdrill-clock). Each is restarted when it exits, as kubelet restarts a
# static pod's container; `restart-etcd-manager` in the node restarts
# etcd-manager (and the etcd it started) alone, as restarting its container does.
set -eu
: "${CERTDRILL_MEMBER:?set CERTDRILL_MEMBER, e.g. etcd-a}"
: "${CERTDRILL_VOLUME_ID:?set CERTDRILL_VOLUME_ID, e.g. a}"
: "${CERTDRILL_MEMBER_COUNT:=3}"
: "${CERTDRILL_APISERVER:=on}"
volume=/mnt/master-vol-$CERTDRILL_VOLUME_ID
run=/run/certdrill
mkdir -p "$volume" "$run" /backups/main/control /tmp/discovery

# The member's name in etcd-manager is its persistent peer id, kept on its
# volume; kops names it after the volume (etcd-a), and so does certdrill, so
# that etcd's member names are the node names.
[ -s "$volume/myid" ] || printf '%s' "$CERTDRILL_MEMBER" > "$volume/myid"

# The cluster spec kops writes into the backup store before the members start.
etcd_version=$(etcd --version | sed -n 's/^etcd Version: //p')
spec=/backups/main/control/etcd-cluster-spec
if [ ! -s "$spec" ]; then
  printf '{"memberCount":%s,"etcdVersion":"%s"}' "$CERTDRILL_MEMBER_COUNT" "$etcd_version" > "$spec.$CERTDRILL_MEMBER"
  mv -f "$spec.$CERTDRILL_MEMBER" "$spec"
fi

# --pki-dir holds the CAs and etcd-manager writes its own key pairs there.
# The platform gives the CAs in /certdrill/pki-seed, which may be read-only
# (kind mounts a node's files as a Secret; etcd-manager then exits on "error
# writing private key file ... read-only file system"): copied, modes kept.
pki=/etc/kubernetes/pki/etcd-manager
mkdir -p "$pki"
cp -pL /certdrill/pki-seed/* "$pki"/

# kops passes the host's IP as --address (today's etcd-manager parses it with
# net.ParseIP and exits on a name); the peer and client URLs keep the name.
address=$(hostname -i | awk '{print $1}')

# Today's etcd-manager logs its leadership ("I am leader with token") at
# verbosity 3; the 2020 versions at 0.
case "${CERTDRILL_ETCD_MANAGER_VERSION:-}" in v3.*) verbosity=3 ;; *) verbosity=2 ;; esac

manager() {
  # setsid: etcd-manager starts etcd in its own process group, so that one
  # signal to the group ends both, as ending their container does.
  setsid etcd-manager \
    --cluster-name=main \
    --backup-store=file:///backups/main \
    --data-dir="$volume" \
    --pki-dir="$pki" \
    --address="$address" \
    --peer-urls=https://__name__:2380 \
    --client-urls=https://__name__:4001 \
    --quarantine-client-urls=https://__name__:3994 \
    --grpc-port=3996 \
    --v="$verbosity" 2>&1 &
  echo $! > "$run/etcd-manager.pid"
  wait $! || true
}

apiserver() {
  k=/etc/kubernetes/pki/kube-apiserver
  kube-apiserver \
    --etcd-servers=https://127.0.0.1:4001 \
    --etcd-cafile=$k/etcd-ca.crt \
    --etcd-certfile=$k/etcd-client.crt \
    --etcd-keyfile=$k/etcd-client.key \
    --secure-port=6443 \
    --cert-dir=/run/certdrill/apiserver \
    --token-auth-file=/srv/kubernetes/known_tokens.csv \
    --authorization-mode=AlwaysAllow \
    --service-account-issuer=https://api.internal.certdrill \
    --service-account-key-file=/srv/kubernetes/service-account.pub \
    --service-account-signing-key-file=/srv/kubernetes/service-account.key \
    --service-cluster-ip-range=100.64.0.0/13 \
    --enable-priority-and-fairness=false \
    --v=0 2>&1 | sed -u 's/^/kube-apiserver: /'
}

(while :; do
  manager
  if [ -e "$run/restart-etcd-manager" ]; then rm -f "$run/restart-etcd-manager"; echo "certdrill: etcd-manager restarted"; continue; fi
  echo "certdrill: etcd-manager exited; restarting it in 2 s"
  sleep 2
done) &

if [ "$CERTDRILL_APISERVER" = on ]; then
  (
    # kube-apiserver gives up after 20 s without etcd and kubelet would
    # restart it after a back-off; waiting for etcd's client port before the
    # first start spares a run that 20 s. After that it restarts as it exits.
    # curl's exit 7: nothing listens there yet; any other answer (a TLS refusal included) means etcd is up.
    until curl -s -o /dev/null --max-time 2 -k https://127.0.0.1:4001/; rc=$?; [ "$rc" -ne 7 ] && [ "$rc" -ne 28 ]; do sleep 0.5; done
    while :; do
      apiserver
      echo "certdrill: kube-apiserver exited; restarting it in 2 s"
      sleep 2
    done
  ) &
fi
wait
