#!/bin/sh
# erlclu-init, as the Erlang incident's write-up describes it: a new P-256 key
# and CSR (CN and DNS names the pod's; server and client auth), a cert-manager
# CertificateRequest to the API server with no duration, polled until Ready,
# then the issuer's CA and the certificate written beside the key. Each pod
# start makes a new request. One line per stage; exit 1 with the reason when
# the request fails, is denied, or is not answered within the timeout.
#
# Environment: CERT_DIR, CA_FILE, CERT_FILE, KEY_FILE, COMMON_NAME,
# DNS_NAMES (comma-separated), ISSUER, NAMESPACE, POD_NAME, REQUEST_LABELS
# (a JSON object), POD_LABEL (the label naming the pod that made the request),
# TIMEOUT_S (default 60); TRUST_FILE, a trust bundle the pod mounts, written as
# the CA file instead of the CA the issuer answers with.
set -eu
say() { echo "certdrill cert-request: $*"; }
fail() { say "$*"; exit 1; }

sa=/var/run/secrets/kubernetes.io/serviceaccount
api="https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}/apis/cert-manager.io/v1/namespaces/${NAMESPACE}/certificaterequests"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

sans=$(printf '%s' "$DNS_NAMES" | sed 's/\([^,]*\)/DNS:\1/g')
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$CERT_DIR/$KEY_FILE" -out "$work/request.csr" \
  -subj "/CN=$COMMON_NAME" -addext "subjectAltName=$sans" -addext "extendedKeyUsage=serverAuth,clientAuth" 2>"$work/openssl.err" ||
  fail "openssl could not make the key and CSR: $(head -n 1 "$work/openssl.err")"

api_call() {
  curl -sS --max-time 10 --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" -H 'Content-Type: application/json' "$@"
}

jq -n --arg pod "$POD_NAME" --arg pod_label "$POD_LABEL" --arg ns "$NAMESPACE" --arg issuer "$ISSUER" --argjson labels "$REQUEST_LABELS" \
  --arg csr "$(base64 -w0 "$work/request.csr")" '{
    apiVersion: "cert-manager.io/v1", kind: "CertificateRequest",
    metadata: {generateName: ($pod + "-"), namespace: $ns, labels: ($labels + {($pod_label): $pod})},
    spec: {request: $csr, issuerRef: {group: "cert-manager.io", kind: "Issuer", name: $issuer}}
  }' >"$work/body.json"
api_call -X POST --data @"$work/body.json" "$api" >"$work/created.json" || fail "the API server refused the request (curl exit $?)"
name=$(jq -r '.metadata.name // empty' "$work/created.json")
[ -n "$name" ] || fail "the API server did not create the request: $(jq -c '.message // .' "$work/created.json" | head -c 300)"
say "CertificateRequest $name made for Issuer $ISSUER"

deadline=$(($(date +%s) + ${TIMEOUT_S:-60}))
while :; do
  api_call "$api/$name" >"$work/request.json" || true
  ready=$(jq -r '[.status.conditions[]? | select(.type == "Ready")][0] | "\(.status // "")/\(.reason // "")/\(.message // "")"' "$work/request.json" 2>/dev/null || echo //)
  denied=$(jq -r '[.status.conditions[]? | select(.type == "Denied" and .status == "True")][0].message // empty' "$work/request.json" 2>/dev/null || true)
  case "$ready" in
  True/*) break ;;
  */Failed/* | */Denied/*) fail "CertificateRequest $name: ${ready#*/}" ;;
  esac
  [ -z "$denied" ] || fail "CertificateRequest $name denied: $denied"
  [ "$(date +%s)" -lt "$deadline" ] || fail "CertificateRequest $name not Ready within ${TIMEOUT_S:-60} s (Ready: ${ready})"
  sleep 0.5
done

umask 022
if [ -n "${TRUST_FILE:-}" ]; then
  cp "$TRUST_FILE" "$CERT_DIR/$CA_FILE"
else
  jq -r '.status.ca // empty' "$work/request.json" | base64 -d >"$CERT_DIR/$CA_FILE"
fi
jq -r '.status.certificate' "$work/request.json" | base64 -d >"$CERT_DIR/$CERT_FILE"
[ -s "$CERT_DIR/$CERT_FILE" ] || fail "CertificateRequest $name is Ready but holds no certificate"
say "CertificateRequest $name issued: $(openssl x509 -in "$CERT_DIR/$CERT_FILE" -noout -enddate); written to $CERT_DIR"
