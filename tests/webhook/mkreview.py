#!/usr/bin/env python3
"""Write an AdmissionReview admission.k8s.io/v1 request as the API server sends it.

    mkreview.py KIND IMAGE [IMAGE...] [--op CREATE|UPDATE|DELETE] [--old IMAGE...]
                [--namespace NS] [--name NAME] [--uid UID] [--init IMAGE...]
                [--ephemeral IMAGE...] [--dry-run] [--deleting]

KIND is Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
ReplicationController, or anything else (written as a Pod-shaped object of that kind).
The images go to containers (one container each), --init to initContainers, --ephemeral
to ephemeralContainers (Pod only; with --subresource ephemeralcontainers as kubectl debug).
Standard library only: independent of signet.
"""
import argparse
import json
import sys
import uuid

GROUPS = {
    "Pod": ("", "v1", "pods"),
    "ReplicationController": ("", "v1", "replicationcontrollers"),
    "Deployment": ("apps", "v1", "deployments"),
    "ReplicaSet": ("apps", "v1", "replicasets"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
}


def pod_spec(images, init, ephemeral):
    spec = {"containers": [{"name": f"c{i}", "image": img,
                            "resources": {}, "imagePullPolicy": "IfNotPresent"}
                           for i, img in enumerate(images)],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default"}
    if init:
        spec["initContainers"] = [{"name": f"init{i}", "image": img}
                                  for i, img in enumerate(init)]
    if ephemeral:
        spec["ephemeralContainers"] = [{"name": f"debugger{i}", "image": img,
                                        "targetContainerName": "c0"}
                                       for i, img in enumerate(ephemeral)]
    return spec


def obj(kind, name, ns, images, init, ephemeral, deleting):
    group, version, _ = GROUPS.get(kind, ("", "v1", kind.lower() + "s"))
    meta = {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
            "labels": {"app": name}, "creationTimestamp": "2026-11-23T10:00:00Z"}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-23T10:05:00Z"
        meta["deletionGracePeriodSeconds"] = 30
    template = {"metadata": {"labels": {"app": name}},
                "spec": pod_spec(images, init, ephemeral)}
    api = f"{group}/{version}" if group else version
    if kind in ("Pod",) or kind not in GROUPS:
        return {"apiVersion": api, "kind": kind, "metadata": meta,
                "spec": pod_spec(images, init, ephemeral), "status": {}}
    if kind == "CronJob":
        spec = {"schedule": "*/5 * * * *",
                "jobTemplate": {"spec": {"template": dict(template, spec=dict(
                    template["spec"], restartPolicy="OnFailure"))}}}
    elif kind == "Job":
        spec = {"template": dict(template, spec=dict(template["spec"], restartPolicy="Never"))}
    else:
        spec = {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": template}
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec, "status": {}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind")
    p.add_argument("images", nargs="*")
    p.add_argument("--op", default="CREATE")
    p.add_argument("--old", nargs="*")
    p.add_argument("--init", nargs="*", default=[])
    p.add_argument("--ephemeral", nargs="*", default=[])
    p.add_argument("--subresource", default="")
    p.add_argument("--namespace", default="default")
    p.add_argument("--name", default="demo")
    p.add_argument("--uid", default=None)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--deleting", action="store_true")
    a = p.parse_args()
    group, version, resource = GROUPS.get(a.kind, ("", "v1", a.kind.lower() + "s"))
    kind = {"group": group, "version": version, "kind": a.kind}
    res = {"group": group, "version": version, "resource": resource}
    new = obj(a.kind, a.name, a.namespace, a.images, a.init, a.ephemeral, a.deleting)
    old = None
    if a.old is not None:
        old = obj(a.kind, a.name, a.namespace, a.old, a.init, [], a.deleting)
    if a.op == "DELETE":
        old, new = new, None
    options = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions",
               "DELETE": "DeleteOptions"}.get(a.op, "CreateOptions")
    review = {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
              "request": {"uid": a.uid or str(uuid.uuid4()), "kind": kind, "resource": res,
                          "subResource": a.subresource, "requestKind": kind,
                          "requestResource": res, "name": a.name, "namespace": a.namespace,
                          "operation": a.op,
                          "userInfo": {"username": "kubernetes-admin",
                                       "groups": ["system:masters", "system:authenticated"]},
                          "object": new, "oldObject": old, "dryRun": a.dry_run,
                          "options": {"kind": options, "apiVersion": "meta.k8s.io/v1"}}}
    json.dump(review, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
