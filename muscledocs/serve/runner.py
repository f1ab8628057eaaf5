"""The server's life: bind the socket (port 0 picks a free one), start the build loop and the
watcher, serve until Ctrl-C (or stop()), then stop everything in order: no new requests, the
long polls answered, the build under way finished, the watcher closed."""

from __future__ import annotations

import errno
import socket
import threading

import uvicorn

from ..errors import EnvironmentProblem
from ..project import Project
from .app import create_app
from .builder import Builder
from .security import host_names


class _Server(uvicorn.Server):
    """uvicorn's Server, telling us as soon as it starts to shut down (the long polls end then)."""

    def __init__(self, config: uvicorn.Config, on_exit):
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig, frame) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


class PreviewServer:
    def __init__(self, project: Project, host: str = "127.0.0.1", port: int = 8000, jobs: int = 0, say=print,
                 papers: tuple[str, ...] | None = None):
        self.host = host
        self.closing = threading.Event()
        self.builder = Builder(project, jobs=jobs, say=say, papers=papers)
        self.sock = _bind(host, port)
        self.port = self.sock.getsockname()[1]
        app = create_app(self.builder, host_names(host), lambda: self.port, self.closing)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=3, server_header=False)
        self.server = _Server(config, self.closing.set)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else "[::1]" if self.host == "::" else \
            f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/"

    def run(self) -> None:
        """Serve in this thread until Ctrl-C; everything is stopped when it returns or raises."""
        self.builder.start()
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self._stop_all()

    def start(self) -> None:
        """Serve from a thread (tests, scripts); stop() ends it."""
        self.builder.start()
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                        name="muscledocs-serve", daemon=True)
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            self._thread.join(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread:
            self._thread.join()
        self._stop_all()

    def _stop_all(self) -> None:
        self.closing.set()
        self.builder.stop()
        self.sock.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise EnvironmentProblem(f"port {port} is in use; choose another with --port N (--port 0 picks a "
                                     "free one)") from None
        raise EnvironmentProblem(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Check --host and "
                                 "--port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
