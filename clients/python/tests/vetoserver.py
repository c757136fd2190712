"""Starts the real Veto jar for a test: temp data folder, free port, token file."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VetoServer:
    """``with VetoServer() as veto:`` a Veto on loopback with tokens for each role."""

    def __init__(self, extra_args: Optional[List[str]] = None) -> None:
        self.jar = Path(os.environ.get("VETO_JAR", REPO / "target" / "veto.jar"))
        if not self.jar.is_file():
            raise RuntimeError(f"{self.jar} is missing: run `mvn -B -q -DskipTests package`")
        self.folder = Path(tempfile.mkdtemp(prefix="veto-py-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args or []
        self.tokens: Dict[str, str] = {}
        self.process: Optional[subprocess.Popen] = None

    def token(self, name: str, role: str, agent_id: Optional[str] = None) -> str:
        command = ["java", "-jar", str(self.jar), "token", "--file",
                   str(self.folder / "tokens.yaml"), "--name", name, "--role", role]
        if agent_id:
            command += ["--agent-id", agent_id]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        self.tokens[name] = out.split()[0]
        return self.tokens[name]

    def __enter__(self) -> "VetoServer":
        self.token("agent-1", "agent", "agent-1")
        self.token("alice", "approver")
        with open(self.folder / "veto.log", "w") as log:
            self.process = subprocess.Popen(
                ["java", "-XX:+UseSerialGC", "-jar", str(self.jar), "serve", "--port",
                 str(self.port), "--data", str(self.folder / "data"), "--rules",
                 str(REPO / "rules"), "--tokens", str(self.folder / "tokens.yaml")]
                + self.extra_args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("veto exited: " + (self.folder / "veto.log").read_text())
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if json.loads(r.read())["status"] == "ok":
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("veto did not start in 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def call(self, method: str, path: str, token: str, body: Optional[dict] = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("authorization", "Bearer " + token)
        if data is not None:
            request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=70) as r:
            return json.loads(r.read())
