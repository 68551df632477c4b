#!/usr/bin/env bash
# Makes the TLS material of signet-webhook, without a cluster (needs only openssl, base64, sed):
#
#   - a CA (EC P-256) whose private key is used once and thrown away, so it can never vouch for
#     anything but this one certificate;
#   - the serving certificate and key (EC P-256) for the Service signet-webhook in signet-system,
#     with the DNS names the API server may use: signet-webhook, signet-webhook.signet-system,
#     signet-webhook.signet-system.svc, signet-webhook.signet-system.svc.cluster.local;
#   - OUT/30-signet-webhook-tls.yaml, the Secret signet-webhook-tls (type kubernetes.io/tls) the
#     Deployment mounts; with --apply it is given to `kubectl apply` instead and not written;
#   - OUT/70-webhooks.yaml, deploy/templates/70-webhooks.yaml with caBundle set to the CA;
#   - OUT/ca.crt and OUT/tls.crt, for inspection (openssl x509 -noout -text -in ...).
#
# OUT is deploy/generated/ unless --out says otherwise; the committed files are never edited.
# Running it again makes a new CA and certificate: see docs/webhook.md ("Rotating the
# certificate") for the order to apply them in, and --previous-ca.
set -euo pipefail

prog=make-certs.sh
usage="usage: $prog [--out DIR] [--days N] [--previous-ca FILE] [--apply]

  --out DIR           where to write (default: generated/ beside this script)
  --days N            validity of the CA and the certificate (default 365)
  --previous-ca FILE  also trust this CA in caBundle (for a rotation without downtime)
  --apply             kubectl apply the TLS Secret instead of writing it to a file
  -h, --help          this help"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$here/generated
days=365
previous_ca=
apply=0

die() {
    echo "$prog: $*" >&2
    exit 1
}
usage_error() {
    echo "$prog: $*" >&2
    echo "$usage" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --out | --days | --previous-ca)
        [ $# -ge 2 ] || usage_error "option '$1' needs a value"
        case $1 in
        --out) out=$2 ;;
        --days) days=$2 ;;
        --previous-ca) previous_ca=$2 ;;
        esac
        shift 2
        ;;
    --apply)
        apply=1
        shift
        ;;
    -h | --help)
        echo "$usage"
        exit 0
        ;;
    *) usage_error "unknown argument '$1'" ;;
    esac
done
case $days in
'' | *[!0-9]* | 0*) usage_error "--days: '$days' is not a positive number of days" ;;
esac

service=signet-webhook
namespace=signet-system
secret=signet-webhook-tls
template=$here/templates/70-webhooks.yaml
placeholder=@CA_BUNDLE@

for tool in openssl base64 sed; do
    command -v "$tool" >/dev/null || die "'$tool' is needed and not installed"
done
[ "$apply" = 0 ] || command -v kubectl >/dev/null || die "--apply needs kubectl"
[ -f "$template" ] || die "cannot read the template '$template'"
# Both webhook configurations, and nothing else, carry the placeholder.
[ "$(grep -c -- "caBundle: \"$placeholder\"" "$template")" = 2 ] ||
    die "'$template' does not have exactly two caBundle: \"$placeholder\" lines"
if [ -n "$previous_ca" ]; then
    openssl x509 -noout -in "$previous_ca" 2>/dev/null ||
        die "--previous-ca: '$previous_ca' is not a PEM certificate"
fi

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/signet-make-certs.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT

# Our own openssl configuration: the system's openssl.cnf may add extensions of its own.
cat >"$tmp/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$service, DNS:$service.$namespace, DNS:$service.$namespace.svc, DNS:$service.$namespace.svc.cluster.local
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# openssl says nothing useful on success and enough on failure.
ossl() {
    openssl "$@" 2>"$tmp/openssl.err" || die "openssl $1 failed: $(cat "$tmp/openssl.err")"
}
ossl req -x509 -new -config "$tmp/openssl.cnf" -extensions ca -newkey ec \
    -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.crt" \
    -days "$days" -subj "/CN=$service CA"
ossl req -new -config "$tmp/openssl.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/tls.key" -out "$tmp/tls.csr" -subj "/CN=$service.$namespace.svc"
ossl x509 -req -in "$tmp/tls.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
    -CAserial "$tmp/ca.srl" -CAcreateserial -days "$days" -extfile "$tmp/openssl.cnf" \
    -extensions server -out "$tmp/tls.crt"
ossl verify -CAfile "$tmp/ca.crt" -verify_hostname "$service.$namespace.svc" "$tmp/tls.crt" >/dev/null
rm -f "$tmp/ca.key"

cat "$tmp/ca.crt" >"$tmp/bundle.pem"
[ -z "$previous_ca" ] || cat "$previous_ca" >>"$tmp/bundle.pem"

cat >"$tmp/30-signet-webhook-tls.yaml" <<EOF
# Written by deploy/make-certs.sh: the serving certificate and its private key. Not to be
# committed; apply it, then delete it if you like (the cluster keeps the Secret).
apiVersion: v1
kind: Secret
metadata:
  name: $secret
  namespace: $namespace
  labels:
    app.kubernetes.io/name: signet-webhook
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 <"$tmp/tls.crt")
  tls.key: $(base64 -w0 <"$tmp/tls.key")
EOF

# The template from its first document on (its header describes the template), caBundle set.
{
    echo "# Written by deploy/make-certs.sh from deploy/templates/70-webhooks.yaml: apply it once the"
    echo "# signet-webhook Deployment is ready."
    sed -n '/^apiVersion:/,$p' "$template" |
        sed "s|caBundle: \"$placeholder\"|caBundle: $(base64 -w0 <"$tmp/bundle.pem")|"
} >"$tmp/70-webhooks.yaml"
! grep -qF -- "$placeholder" "$tmp/70-webhooks.yaml" || die "caBundle was not filled in"

mkdir -p "$out" || die "cannot create '$out'"
if [ "$apply" = 1 ]; then
    kubectl apply -f "$tmp/30-signet-webhook-tls.yaml" || die "kubectl apply of the Secret failed"
    rm -f "$out/30-signet-webhook-tls.yaml" # an older one no longer matches caBundle
else
    mv -f "$tmp/30-signet-webhook-tls.yaml" "$out/"
fi
chmod 644 "$tmp/ca.crt" "$tmp/tls.crt" "$tmp/70-webhooks.yaml"
mv -f "$tmp/ca.crt" "$tmp/tls.crt" "$tmp/70-webhooks.yaml" "$out/"

echo "$prog: certificate for $service.$namespace.svc, valid $days days, in $out"
if [ "$apply" = 1 ]; then
    echo "$prog: Secret $namespace/$secret applied"
else
    echo "$prog: $out/30-signet-webhook-tls.yaml holds the private key: apply it, do not commit it"
fi
echo "$prog: apply $out/70-webhooks.yaml once the Deployment is ready"
