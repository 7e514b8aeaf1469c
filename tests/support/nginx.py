"""NGINX from Debian's packages in front of the router, configured by the shipped deploy/nginx.conf.

The test configuration is ``deploy/nginx.conf`` itself with three substitutions (the upstream
servers, the listen address, and a process of our own: pid, logs and temporary files in a
temporary directory), so the proxy headers under test are the ones deployed. NGINX runs in the
foreground as a child of the test and is stopped when the block ends.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from common.config import REPO_ROOT
from tests.support.servers import free_port

NGINX = Path("/usr/sbin/nginx")
SHIPPED_CONFIG = REPO_ROOT / "deploy" / "nginx.conf"
_UPSTREAM_SERVERS = re.compile(r"(upstream routers \{\n)(?:\s*server [^;]+;\n)+")
_LISTEN = re.compile(r"\blisten 80;")


def render_config(shipped: str, *, router: str, port: int, workdir: Path) -> str:
    """``shipped`` with its routers replaced by ``router`` (host:port) and listening on ``port``."""
    if not _UPSTREAM_SERVERS.search(shipped) or not _LISTEN.search(shipped):
        raise ValueError("deploy/nginx.conf no longer has the upstream/listen lines this renders")
    config = _UPSTREAM_SERVERS.sub(rf"\g<1>    server {router};\n", shipped, count=1)
    config = _LISTEN.sub(f"listen 127.0.0.1:{port};", config, count=1)
    temp = "\n".join(
        f"  {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = config.replace(
        "http {\n", f"http {{\n  access_log {workdir / 'access.log'};\n{temp}\n", 1
    )
    # As root NGINX's workers would switch to "nobody", who cannot use a private temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    own_process = f"daemon off;\n{user}pid {workdir / 'nginx.pid'};\nerror_log stderr warn;\n"
    return own_process + config


async def _accepting(port: int, process: asyncio.subprocess.Process, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if process.returncode is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nginx did not listen on {port} in {timeout} s") from None
            await asyncio.sleep(0.02)  # polling for the listening socket, not synchronisation
            continue
        writer.close()
        await writer.wait_closed()
        return


@asynccontextmanager
async def nginx_in_front_of(router_url: str, workdir: Path) -> AsyncIterator[str]:
    """Run NGINX proxying to ``router_url`` (``http://127.0.0.1:N``); yields NGINX's base URL."""
    port = free_port()
    router = router_url.removeprefix("http://").rstrip("/")
    config_file = workdir / "nginx.conf"
    config_file.write_text(
        render_config(SHIPPED_CONFIG.read_text(), router=router, port=port, workdir=workdir)
    )
    process = await asyncio.create_subprocess_exec(
        str(NGINX),
        "-p",
        str(workdir),
        "-e",
        "stderr",
        "-c",
        str(config_file),
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        await _accepting(port, process, timeout=10)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()
