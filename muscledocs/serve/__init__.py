"""`make_docs.py serve`: a live preview of the book in the browser, and clinic editions for
coaches. The package: runner.py (the server's life), builder.py (the build loop, its debounce
and state), preview.py (the A4 handout in cached parts), pages.py (page images), epub_view.py
(the EPUB's documents), clinic.py (the form, by the command line's rules), security.py (host,
origin, size and path checks), app.py (the routes) and static/ (the two pages)."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from ..terminal import paint

SERVER_PACKAGES = ("starlette", "uvicorn", "watchfiles", "pypdfium2")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..cli import add_paper_argument

    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="the port (default: 8000; 0 picks a free one)")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="render N outputs at once (default: one per CPU core)")
    add_paper_argument(parser, "the papers each build writes the PDFs on (the preview's first tab is always the "
                               "A4 handout)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the address and problems")


def serve(project, args: argparse.Namespace) -> int:
    from ..build import collect_for_rendering
    from ..cli import parse_papers
    from ..errors import EnvironmentProblem, UsageError
    from .security import is_loopback

    missing = [name for name in SERVER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise EnvironmentProblem(f"the preview server needs {', '.join(missing)}, not installed here. Install the "
                                 "builder again (they are among its dependencies): pip install -e . (or pip install "
                                 f"{' '.join(SERVER_PACKAGES)})")
    from .runner import PreviewServer

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    if not is_loopback(args.host):
        print(paint(f"warning: listening on {args.host}: anyone who can reach this machine can read the preview "
                    "and build clinic editions. Leave out --host to keep it to this machine.", "warning"),
              file=sys.stderr)

    def say(text: str) -> None:
        if not args.quiet or "failed" in text:
            print(text, flush=True)

    server = PreviewServer(project, args.host, args.port, args.jobs, say, papers=parse_papers(args.paper))
    import weasyprint  # noqa: F401  loaded before the collector is set: it then sets WeasyPrint aside too

    collect_for_rendering()  # this process renders the preview's pages itself, build after build
    print(f"Serving {project.root} at {server.url} (clinic editions: {server.url}clinic); Ctrl-C stops.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn hands the Ctrl-C back once it has shut down
    print("stopped.", flush=True)
    return 0
