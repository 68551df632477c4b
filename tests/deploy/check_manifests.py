"""Checks the Kubernetes manifests of deploy/ without a cluster (PyYAML, independent of signet).

Usage: check_manifests.py DEPLOY_DIR CHECK [ARGS...]

CHECK is one of the functions below (parse, namespace, ...); each prints what is wrong and
exits 1, or exits 0 silently. Extra commands: `config OUT` writes the ConfigMap's webhook.yaml to
OUT; `generated DIR CA_PEM [PREVIOUS_CA_PEM]` checks make-certs.sh's output in DIR.
"""

import base64
import copy
import glob
import os
import re
import sys

import yaml

NS = "signet-system"
APP = {"app.kubernetes.io/name": "signet-webhook"}
RULES = [
    {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
     "resources": ["pods", "pods/ephemeralcontainers", "replicationcontrollers"],
     "scope": "Namespaced"},
    {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
     "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"],
     "scope": "Namespaced"},
    {"apiGroups": ["batch"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
     "resources": ["jobs", "cronjobs"], "scope": "Namespaced"},
]
PLACEHOLDER = "@CA_BUNDLE@"

problems = []


def fail(msg):
    problems.append(msg)


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def manifests(deploy):
    """(file, document) for every document kubectl apply -f deploy/ reads, then the templates."""
    files = sorted(glob.glob(os.path.join(deploy, "*.yaml")))
    files += sorted(glob.glob(os.path.join(deploy, "templates", "*.yaml")))
    return [(f, d) for f in files for d in load(f)]


def one(docs, kind, name=None):
    found = [d for _, d in docs if d.get("kind") == kind and
             (name is None or d.get("metadata", {}).get("name") == name)]
    if len(found) != 1:
        fail("want exactly one %s%s, found %d" % (kind, " " + name if name else "", len(found)))
        return {}
    return found[0]


def get(obj, *path):
    for p in path:
        if isinstance(obj, dict):
            obj = obj.get(p)
        elif isinstance(obj, list) and isinstance(p, int) and p < len(obj):
            obj = obj[p]
        else:
            return None
    return obj


def expect(actual, want, what):
    if actual != want:
        fail("%s: want %r, got %r" % (what, want, actual))


def container(docs):
    return get(one(docs, "Deployment", "signet-webhook"), "spec", "template", "spec",
               "containers", 0) or {}


def arg(c, flag):
    args = c.get("args") or []
    return args[args.index(flag) + 1] if flag in args[:-1] else None


# ---- the checks -------------------------------------------------------------------------------

def check_parse(deploy):
    """Every document parses and is a named Kubernetes object; top-level files are numbered."""
    for f in sorted(glob.glob(os.path.join(deploy, "*.yaml"))):
        if not re.match(r"^[0-9]{2}-[a-z0-9-]+\.yaml$", os.path.basename(f)):
            fail("%s: not named NN-name.yaml (files apply in name order)" % f)
    docs = manifests(deploy)
    if not docs:
        fail("no documents in %s" % deploy)
    seen = set()
    for f, d in docs:
        if not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind") or \
                not get(d, "metadata", "name"):
            fail("%s: a document without apiVersion, kind or metadata.name" % f)
            continue
        key = (d["kind"], d["metadata"]["name"])
        if key in seen:
            fail("%s: %s %s defined twice" % (f, *key))
        seen.add(key)
        if get(d, "metadata", "labels") is None or \
                d["metadata"]["labels"].get("app.kubernetes.io/name") != "signet-webhook":
            fail("%s: %s %s lacks the label app.kubernetes.io/name: signet-webhook" % (f, *key))


def check_namespace(deploy):
    """The namespace exists, carries the label the webhooks skip it by, and holds everything."""
    docs = manifests(deploy)
    ns = one(docs, "Namespace", NS)
    expect(get(ns, "metadata", "labels", "kubernetes.io/metadata.name"), NS,
           "Namespace label kubernetes.io/metadata.name")
    cluster_scoped = {"Namespace", "MutatingWebhookConfiguration",
                      "ValidatingWebhookConfiguration"}
    for f, d in docs:
        if d["kind"] not in cluster_scoped:
            expect(get(d, "metadata", "namespace"), NS,
                   "%s: namespace of %s %s" % (f, d["kind"], d["metadata"]["name"]))


def check_account(deploy):
    """A ServiceAccount without token and without any RBAC: the webhook never calls the API."""
    docs = manifests(deploy)
    sa = one(docs, "ServiceAccount", "signet-webhook")
    expect(sa.get("automountServiceAccountToken"), False, "ServiceAccount automount")
    for f, d in docs:
        if d["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"):
            fail("%s: %s %s: the webhook needs no RBAC" % (f, d["kind"], d["metadata"]["name"]))
        if d["kind"] == "Secret":
            fail("%s: Secret %s is committed (make-certs.sh writes the TLS Secret)"
                 % (f, d["metadata"]["name"]))


def check_deployment(deploy):
    """Two replicas, the server's flags, probes over HTTPS, a locked-down container."""
    docs = manifests(deploy)
    dep = one(docs, "Deployment", "signet-webhook")
    pod = get(dep, "spec", "template", "spec") or {}
    c = container(docs)
    expect(get(dep, "spec", "replicas"), 2, "replicas")
    expect(get(dep, "spec", "selector", "matchLabels"), APP, "Deployment selector")
    expect(get(dep, "spec", "template", "metadata", "labels"), APP, "pod labels")
    expect(get(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable"), 0,
           "rollingUpdate.maxUnavailable")
    expect(pod.get("serviceAccountName"), "signet-webhook", "serviceAccountName")
    expect(pod.get("automountServiceAccountToken"), False, "pod automountServiceAccountToken")
    expect(c.get("image"), "signet/signet-webhook:0.1.0", "image")
    expect(arg(c, "--listen"), "0.0.0.0:8443", "--listen")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    expect(ports, {"https": 8443}, "container ports")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        expect(get(c, probe, "httpGet"), {"path": path, "port": "https", "scheme": "HTTPS"},
               probe)
    sc = c.get("securityContext") or {}
    expect(sc.get("runAsNonRoot"), True, "runAsNonRoot")
    expect(sc.get("readOnlyRootFilesystem"), True, "readOnlyRootFilesystem")
    expect(sc.get("allowPrivilegeEscalation"), False, "allowPrivilegeEscalation")
    expect(get(sc, "capabilities", "drop"), ["ALL"], "capabilities.drop")
    expect(get(sc, "seccompProfile", "type"), "RuntimeDefault", "container seccompProfile")
    expect(get(pod, "securityContext", "seccompProfile", "type"), "RuntimeDefault",
           "pod seccompProfile")
    expect(get(pod, "securityContext", "runAsNonRoot"), True, "pod runAsNonRoot")
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            if get(c, "resources", kind, res) is None:
                fail("resources.%s.%s is not set" % (kind, res))
    term = get(pod, "affinity", "podAntiAffinity",
               "preferredDuringSchedulingIgnoredDuringExecution", 0, "podAffinityTerm") or {}
    expect(term.get("topologyKey"), "kubernetes.io/hostname", "anti-affinity topologyKey")
    expect(get(term, "labelSelector", "matchLabels"), APP, "anti-affinity selector")

    # Each file flag points into a volume that holds it; mounts are whole directories.
    mounts = {m["name"]: m for m in c.get("volumeMounts") or []}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for m in mounts.values():
        if "subPath" in m:
            fail("volumeMount %s uses subPath: such files are never updated" % m["name"])
        if m["name"] not in volumes:
            fail("volumeMount %s has no volume" % m["name"])

    def source(flag):
        path = arg(c, flag)
        for m in mounts.values():
            if path and path.startswith(m["mountPath"].rstrip("/") + "/"):
                return volumes.get(m["name"], {}), os.path.basename(path)
        fail("%s %s is not in a mounted volume" % (flag, path))
        return {}, None

    vol, name = source("--config")
    expect(get(vol, "configMap", "name"), "signet-webhook-config", "--config volume")
    expect(name, "webhook.yaml", "--config file")
    expect(arg(c, "--config"), "/etc/signet-webhook/webhook.yaml", "--config path")
    for flag, key in (("--tls-cert", "tls.crt"), ("--tls-key", "tls.key")):
        vol, name = source(flag)
        expect(get(vol, "secret", "secretName"), "signet-webhook-tls", flag + " volume")
        expect(name, key, flag + " file")
    tmp = [m for m in mounts.values() if m["mountPath"] == "/tmp"]
    if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
        fail("no writable emptyDir at /tmp (GPG validators make their GnuPG home there)")

    pdb = one(docs, "PodDisruptionBudget", "signet-webhook")
    expect(get(pdb, "spec", "minAvailable"), 1, "PodDisruptionBudget minAvailable")
    expect(get(pdb, "spec", "selector", "matchLabels"), APP, "PodDisruptionBudget selector")


def check_service(deploy):
    """Port 443 of the Service reaches the container's 8443."""
    docs = manifests(deploy)
    svc = one(docs, "Service", "signet-webhook")
    expect(get(svc, "spec", "selector"), APP, "Service selector")
    expect(get(svc, "spec", "ports"),
           [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
           "Service ports")


def check_configmap(deploy):
    """The ConfigMap holds webhook.yaml, whose deadline ends before the API server's timeout."""
    docs = manifests(deploy)
    cm = one(docs, "ConfigMap", "signet-webhook-config")
    text = get(cm, "data", "webhook.yaml")
    if not isinstance(text, str):
        fail("ConfigMap signet-webhook-config has no data webhook.yaml")
        return
    cfg = yaml.safe_load(text) or {}
    expect(cfg.get("default"), "deny", "webhook.yaml default")
    types = {v.get("name"): v.get("type") for v in cfg.get("validators") or []}
    rules = {r.get("pattern"): r.get("validator") for r in cfg.get("rules") or []}
    if "cosign" not in types.values():
        fail("webhook.yaml has no cosign validator")
    allow = [v for v in cfg.get("validators") or []
             if v.get("type") == "static" and v.get("approve") is True]
    if not allow or rules.get("registry.k8s.io/*") != allow[0].get("name"):
        fail("webhook.yaml does not allow registry.k8s.io/* with a static validator")
    for k in ("ttlSeconds", "negativeTtlSeconds", "maxEntries"):
        if k not in (cfg.get("cache") or {}):
            fail("webhook.yaml cache has no %s" % k)
    for ns in (NS, "kube-system"):
        if ns not in (get(cfg, "namespaces", "exclude") or []):
            fail("webhook.yaml namespaces.exclude lacks %s" % ns)
    deadline = cfg.get("deadlineSeconds", 9)
    for f, d in docs:
        for w in d.get("webhooks") or []:
            if not deadline < w.get("timeoutSeconds", 10):
                fail("%s: deadlineSeconds %s is not below %s's timeoutSeconds %s"
                     % (f, deadline, w.get("name"), w.get("timeoutSeconds")))


def check_webhooks(deploy):
    """Both configurations: the right path, fail closed, own namespace and kube-system skipped."""
    docs = manifests(deploy)
    svc = one(docs, "Service", "signet-webhook")
    for kind, path in (("MutatingWebhookConfiguration", "/mutate"),
                       ("ValidatingWebhookConfiguration", "/validate")):
        conf = one(docs, kind, "signet-webhook")
        hooks = conf.get("webhooks") or []
        if len(hooks) != 1:
            fail("%s: want one webhook, got %d" % (kind, len(hooks)))
            continue
        w = hooks[0]
        what = "%s %s" % (kind, w.get("name"))
        if not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+){2,}$", w.get("name") or ""):
            fail("%s: a webhook name must be a fully qualified name" % what)
        expect(get(w, "clientConfig", "service"),
               {"name": get(svc, "metadata", "name"), "namespace": NS, "path": path,
                "port": get(svc, "spec", "ports", 0, "port")}, what + " service")
        expect(get(w, "clientConfig", "caBundle"), PLACEHOLDER, what + " caBundle placeholder")
        expect(w.get("failurePolicy"), "Fail", what + " failurePolicy")
        expect(w.get("sideEffects"), "None", what + " sideEffects")
        expect(w.get("admissionReviewVersions"), ["v1"], what + " admissionReviewVersions")
        expect(w.get("timeoutSeconds"), 10, what + " timeoutSeconds")
        expect(w.get("rules"), RULES, what + " rules")
        expect(w.get("namespaceSelector"),
               {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                      "values": [NS, "kube-system"]}]},
               what + " namespaceSelector")
        if kind.startswith("Mutating"):
            expect(w.get("reinvocationPolicy"), "IfNeeded", what + " reinvocationPolicy")
        elif "reinvocationPolicy" in w:
            fail("%s: reinvocationPolicy is for mutating webhooks only" % what)


def write_config(deploy, out):
    cm = one(manifests(deploy), "ConfigMap", "signet-webhook-config")
    with open(out, "w", encoding="utf-8") as f:
        f.write(get(cm, "data", "webhook.yaml") or "")


def check_generated(deploy, out, ca, previous=None):
    """make-certs.sh's output: the template with caBundle = the CA (then the previous CA), and a
    TLS Secret holding tls.crt."""
    with open(ca, "rb") as f:
        bundle = f.read()
    if previous:
        with open(previous, "rb") as f:
            bundle += f.read()
    template = load(os.path.join(deploy, "templates", "70-webhooks.yaml"))
    generated = load(os.path.join(out, "70-webhooks.yaml"))
    want = copy.deepcopy(template)
    for d in want:
        for w in d["webhooks"]:
            w["clientConfig"]["caBundle"] = base64.b64encode(bundle).decode()
    expect(generated, want, "generated 70-webhooks.yaml (the template with caBundle = CA)")
    secret_file = os.path.join(out, "30-signet-webhook-tls.yaml")
    if os.path.exists(secret_file):
        secret = load(secret_file)
        expect([(d.get("kind"), get(d, "metadata", "name"), get(d, "metadata", "namespace"),
                 d.get("type"), sorted((d.get("data") or {}).keys())) for d in secret],
               [("Secret", "signet-webhook-tls", NS, "kubernetes.io/tls", ["tls.crt", "tls.key"])],
               "generated Secret")
        with open(os.path.join(out, "tls.crt"), "rb") as f:
            expect(base64.b64decode(secret[0]["data"]["tls.crt"]), f.read(),
                   "Secret tls.crt (the certificate in tls.crt)")


def main():
    deploy, check, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if check == "config":
        write_config(deploy, *args)
    elif check == "generated":
        check_generated(deploy, *args)
    elif "check_" + check in globals():
        globals()["check_" + check](deploy)
    else:
        print("unknown check %s" % check)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
