"""What the deployment tests share: docker and docker compose command lines, names, an article."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")
# An article about something the shipped help center never mentions.
QUOKKA_ARTICLE = (
    "---\nid: quokka-sanctuary\ntitle: Visiting the quokka sanctuary\n"
    "summary: Opening days of the quokka sanctuary.\ntopic: visits\n---\n"
    "# Visiting the quokka sanctuary\n\n## Opening days\n\n"
    "The quokka sanctuary opens every weekend; bring your membership card.\n"
)


@dataclass(frozen=True)
class Images:
    """The image names of one build: kb and its load balancer."""

    kb: str
    lb: str


def docker(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `docker ARGS`; raises with docker's own message when `check` and it fails."""
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.5) -> T:
    """Call `probe` until it returns something other than None; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Compose:
    """One compose project of this repository's compose.yaml, isolated by its project name."""

    def __init__(self, project: str, env: dict[str, str], env_file: Path) -> None:
        self.project = project
        self.env = env
        self.env_file = env_file

    def run(
        self, *args: str, timeout: float = 180, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        command: Sequence[str] = [
            "docker",
            "compose",
            "--project-directory",
            str(REPO),
            "--file",
            str(REPO / "compose.yaml"),
            "--env-file",
            str(self.env_file),
            "--project-name",
            self.project,
            *args,
        ]
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} exited {done.returncode}: {done.stderr}"
            )
        return done
