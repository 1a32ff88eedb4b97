#!/bin/sh
# Starts one etcd member the way etcd-manager runs the kops "main" cluster:
# clients on 4001, peers on 2380, TLS with client-certificate auth on both,
# certificates from the member's volume.
set -eu
: "${CERTDRILL_MEMBER:?set CERTDRILL_MEMBER, e.g. etcd-a}"
: "${CERTDRILL_VOLUME_ID:?set CERTDRILL_VOLUME_ID, e.g. a}"
: "${CERTDRILL_PKI_HASH:?set CERTDRILL_PKI_HASH}"
: "${CERTDRILL_CLUSTER:?set CERTDRILL_CLUSTER, e.g. etcd-a,etcd-b,etcd-c}"
: "${CERTDRILL_CLUSTER_TOKEN:=certdrill-etcd}"
client_port=${CERTDRILL_CLIENT_PORT:-4001}
peer_port=${CERTDRILL_PEER_PORT:-2380}

volume=/mnt/master-vol-$CERTDRILL_VOLUME_ID
pki=$volume/pki/$CERTDRILL_PKI_HASH
initial_cluster=""
for member in $(echo "$CERTDRILL_CLUSTER" | tr ',' ' '); do
  initial_cluster="${initial_cluster:+$initial_cluster,}$member=https://$member:$peer_port"
done
state=new
[ -d "$volume/data/member" ] && state=existing

exec etcd \
  --name "$CERTDRILL_MEMBER" \
  --data-dir "$volume/data" \
  --listen-client-urls "https://0.0.0.0:$client_port" \
  --advertise-client-urls "https://$CERTDRILL_MEMBER:$client_port" \
  --listen-peer-urls "https://0.0.0.0:$peer_port" \
  --initial-advertise-peer-urls "https://$CERTDRILL_MEMBER:$peer_port" \
  --initial-cluster "$initial_cluster" \
  --initial-cluster-state "$state" \
  --initial-cluster-token "$CERTDRILL_CLUSTER_TOKEN" \
  --client-cert-auth \
  --trusted-ca-file "$pki/clients/ca.crt" \
  --cert-file "$pki/clients/server.crt" \
  --key-file "$pki/clients/server.key" \
  --peer-client-cert-auth \
  --peer-trusted-ca-file "$pki/peers/ca.crt" \
  --peer-cert-file "$pki/peers/me.crt" \
  --peer-key-file "$pki/peers/me.key"
