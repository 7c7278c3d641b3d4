"""Deployment fixtures: the images, built once per session by the project's own scripts."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.deploy.dockercli import REPO, Images

KB_IMAGE = "kb:pytest"
LB_IMAGE = "kb-lb:pytest"


@pytest.fixture(scope="session")
def images() -> Images:
    """kb and its load balancer built from this checkout by scripts/docker-build.sh.

    The script first makes Docker work (scripts/deps-docker.sh) and the base images when no registry
    serves them (scripts/docker-base.sh): a few minutes cold, seconds when cached.
    """
    env = {**os.environ, "KB_IMAGE": KB_IMAGE, "KB_LB_IMAGE": LB_IMAGE}
    done = subprocess.run(
        ["bash", "scripts/docker-build.sh", "all"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/docker-build.sh failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    print(done.stdout)
    return Images(KB_IMAGE, LB_IMAGE)
