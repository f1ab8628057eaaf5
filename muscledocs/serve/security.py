"""What keeps the preview server safe to leave running: it answers only to its own address
(DNS rebinding), takes posts only from its own pages (CSRF), bounds what a request may send,
and serves only files below the folders it was given (no `..`, no symlink out, no listings).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from pathlib import Path

MAX_BODY = 64 * 1024  # the clinic form is a few hundred bytes; nothing else takes a body
METHODS = {"GET", "HEAD", "POST"}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
# Our own pages load only our own scripts; the EPUB documents may carry inline styles.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "frame-ancestors 'self'; form-action 'self'; base-uri 'none'")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_names(host: str) -> set[str]:
    """The names a browser may put in the Host header to reach a server bound to `host`."""
    names = set(LOOPBACK_NAMES)
    wildcard = host in ("0.0.0.0", "::", "")
    if not wildcard:
        names.add(f"[{host}]" if ":" in host else host)
        return {name.lower() for name in names}
    # Bound to every interface: the machine's own names and addresses, nothing else.
    for name in {socket.gethostname(), socket.getfqdn()}:
        names.add(name)
        try:
            for info in socket.getaddrinfo(name, None):
                address = info[4][0]
                names.add(f"[{address}]" if ":" in address else address)
        except OSError:
            pass
    return {name.lower() for name in names}


class Guard:
    """ASGI middleware: refuses a request before any route sees it, with a short plain reason."""

    def __init__(self, app, allowed_hosts: set[str], port_of=lambda: 0):
        self.app = app
        self.allowed_hosts = allowed_hosts  # names without the port
        self.port_of = port_of  # the port is only known once the socket is bound (port 0)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self._problem(scope["method"], headers)
        if problem:
            return await _refuse(send, *problem)
        return await self.app(scope, receive, _with_headers(send))

    def _problem(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        if method not in METHODS:
            return 405, "method not allowed"
        host = headers.get("host", "").lower()
        if host not in self.own_addresses():
            return 403, "this server answers only to its own address"
        if method == "POST":
            origin = headers.get("origin")
            if origin is not None:
                if origin.lower() != f"http://{host}":
                    return 403, "cross-origin requests are refused"
            elif headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                return 403, "cross-origin requests are refused"
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                return 413, "request too large"
        return None

    def own_addresses(self) -> set[str]:
        port = self.port_of()
        return {f"{name}:{port}" for name in self.allowed_hosts} | (
            set(self.allowed_hosts) if port == 80 else set())


def _with_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {k.lower() for k, _ in headers}
            for name, value in ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                                (b"content-security-policy", CSP.encode()), (b"x-frame-options", b"SAMEORIGIN")):
                if name not in names:
                    headers.append((name, value))
            message = dict(message, headers=headers)
        await send(message)

    return sending


async def _refuse(send, status: int, reason: str) -> None:
    body = json.dumps({"error": reason}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def safe_file(roots: tuple[Path, ...], relative: str) -> Path | None:
    """The file `relative` names inside the first of `roots` that has it, or None: no `..`, no
    hidden names, no absolute paths, nothing a symlink leads out to, never a folder."""
    if not relative or "\\" in relative or "\0" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    for root in roots:
        try:
            base = root.resolve(strict=True)
            found = (base / Path(*parts)).resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if found.is_relative_to(base) and found.is_file():
            return found
    return None
