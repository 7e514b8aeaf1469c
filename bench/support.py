"""What several benchmarks share: free ports, a process's CPU seconds, the load average, and a
reference figure of the machine's speed at the time of a run."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (``/proc/<pid>/stat``); 0 for a
    process that has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def reference_cpu_ms() -> float:
    """CPU milliseconds this process spends on a fixed piece of pure Python (the least of three
    tries). The speed of a virtual machine's cores drifts, here by up to 2× within an hour:
    printed beside a run's figures, it tells runs made at different speeds apart."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        total = 0
        for number in range(1_000_000):
            total += number * number % 7
        best = min(best, time.process_time() - started)
    return best * 1000
