"""The preview server's routes: the two pages, the status, the page images, the generated
files, the EPUB's documents, the project's assets and the clinic form. Every file served is
looked up by name in what a build produced (or found by security.safe_file), never a path
joined from the request."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..build import Options, build
from ..uptodate import inputs_digest
from ..writers import write_atomic
from . import clinic
from .builder import Builder, QuietReport, error_items
from .security import MAX_BODY, Guard, safe_file

STATIC = Path(__file__).resolve().parent / "static"
LONG_POLL_SECONDS = 20
MEDIA = {".pdf": "application/pdf", ".epub": "application/epub+zip", ".toml": "application/toml",
         ".zip": "application/zip"}
NO_STORE = {"Cache-Control": "no-store"}


def not_found() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


def create_app(builder: Builder, allowed_hosts: set[str], port_of, closing: threading.Event):
    project = builder.project
    editions: dict[str, dict[str, Path]] = {}  # the clinic editions this server built: name -> files

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / ("clinic.html" if request.url.path == "/clinic" else "index.html"),
                            headers={"Cache-Control": "no-cache"})

    async def static(request: Request) -> Response:
        found = safe_file((STATIC,), request.path_params["name"])
        return FileResponse(found, headers={"Cache-Control": "no-cache"}) if found else not_found()

    async def status(request: Request) -> Response:
        since = request.query_params.get("since", "")
        if since.lstrip("-").isdigit():  # a long poll: answer when something changes
            deadline = asyncio.get_running_loop().time() + LONG_POLL_SECONDS
            while (builder.version <= int(since) and not closing.is_set()
                   and asyncio.get_running_loop().time() < deadline):
                await asyncio.sleep(0.05)
        return JSONResponse(builder.status(), headers=NO_STORE)

    async def page_image(request: Request) -> Response:
        digest = request.path_params["digest"]
        if not digest.isalnum():
            return not_found()
        data = await run_in_threadpool(builder.images.png, digest)
        if data is None:
            return not_found()
        # The name is the page's content: the same URL never changes its picture.
        return Response(data, media_type="image/png", headers={"Cache-Control": "public, max-age=31536000, immutable"})

    async def generated(request: Request) -> Response:
        output = builder.outputs.get(request.path_params["name"])
        if output is None:
            return not_found()
        return _download(output.name, output.data, inline=output.name.endswith(".pdf"))

    async def epub_file(request: Request) -> Response:
        view = builder.epub
        if view is None or request.path_params["digest"] != view.digest:
            return not_found()
        found = view.file(request.path_params["path"], request.query_params.get("scheme", ""))
        if found is None:
            return not_found()
        return Response(found[0], media_type=found[1], headers={"Cache-Control": "no-cache"})

    async def asset(request: Request) -> Response:
        found = safe_file(project.asset_dirs(), request.path_params["path"])
        return FileResponse(found) if found else not_found()

    async def choices(request: Request) -> Response:
        return JSONResponse(clinic.choices(_group_titles(project.root), builder.papers))

    async def clinic_post(request: Request) -> Response:
        fields = await _form(request)
        if fields is None:
            return JSONResponse({"errors": {"_form": "The form is too large"}}, status_code=413)
        wanted, errors = clinic.read_form(fields, [g for g, _ in _group_titles(project.root)])
        if errors:
            return JSONResponse({"errors": errors}, status_code=422)
        if request.url.path.endswith("/edition"):
            return _download(f"{wanted.name}.toml", wanted.toml().encode("utf-8"))
        return await run_in_threadpool(build_edition, wanted)

    def build_edition(wanted: clinic.ClinicRequest) -> Response:
        folder = clinic.edition_folder(project.build, wanted.name)
        settings = wanted.settings
        options = dict(formats=wanted.formats, papers=settings.papers, edition=settings.edition, keep_html=False)
        try:
            with builder.lock:  # one build at a time: the preview waits for this one
                outputs = build(Options(project=project, out=folder, jobs=builder.jobs, cache=builder.cache_folder,
                                        subsetter=builder.subsetter, **options),
                                report=QuietReport(), stamp=inputs_digest(project, repr(sorted(options.items()))))
                write_atomic(folder / f"{wanted.name}.toml", wanted.toml().encode("utf-8"))
        except Exception as exc:  # the sources may be broken right now: say so beside the form
            return JSONResponse({"errors": {"_build": error_items(exc)}}, status_code=422)
        files = {o.name: folder / o.name for o in outputs} | {f"{wanted.name}.toml": folder / f"{wanted.name}.toml"}
        editions[wanted.name] = files
        builder.say(f"clinic edition {wanted.name}: {len(outputs)} files in {folder}")
        return JSONResponse({
            "name": wanted.name, "folder": str(folder.relative_to(project.root)),
            "files": [{"name": o.name, "pages": o.pages, "url": f"/editions/{wanted.name}/{o.name}"} for o in outputs],
            "edition": f"/editions/{wanted.name}/{wanted.name}.toml", "zip": f"/editions/{wanted.name}.zip"})

    async def edition_file(request: Request) -> Response:
        files = editions.get(request.path_params["edition"], {})
        path = files.get(request.path_params["name"])
        if path is None or not path.is_file():
            return not_found()
        return _download(path.name, path.read_bytes(), inline=path.suffix == ".pdf")

    async def edition_zip(request: Request) -> Response:
        name = request.path_params["edition"]
        files = editions.get(name)
        if not files:
            return not_found()
        data = await run_in_threadpool(clinic.zipped, {n: p.read_bytes() for n, p in files.items() if p.is_file()})
        return _download(f"{name}.zip", data)

    routes = [
        Route("/", page), Route("/clinic", page),
        Route("/static/{name:path}", static),
        Route("/api/status", status),
        Route("/api/clinic/choices", choices),
        Route("/api/clinic", clinic_post, methods=["POST"]),
        Route("/api/clinic/edition", clinic_post, methods=["POST"]),
        Route("/pages/{digest}.png", page_image),
        Route("/files/{name}", generated),
        Route("/epub/{digest}/{path:path}", epub_file),
        Route("/assets/{path:path}", asset),
        Route("/editions/{edition}.zip", edition_zip),
        Route("/editions/{edition}/{name}", edition_file),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _json_404, 405: _json_405, 500: _json_500})
    app.router.redirect_slashes = False  # /assets is not found, not redirected to a listing that is not there
    return Guard(app, allowed_hosts, port_of)


async def _form(request: Request) -> dict[str, list[str]] | None:
    """The posted form (urlencoded), or None past MAX_BODY, however the body is sent."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=100)


def _download(name: str, data: bytes, inline: bool = False) -> Response:
    kind = MEDIA.get(Path(name).suffix, "application/octet-stream")
    disposition = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return Response(data, media_type=kind, headers={"Content-Disposition": disposition, "Cache-Control": "no-cache"})


def _group_titles(root: Path) -> list[tuple[str, str]]:
    import yaml

    from ..validate import BOOK_FILE, group_ids

    try:
        data = yaml.safe_load((root / "chapters" / BOOK_FILE).read_text(encoding="utf-8")) or {}
        titles = {g.get("id"): str(g.get("title", "")) for g in data.get("groups", []) if isinstance(g, dict)}
    except (OSError, yaml.YAMLError, AttributeError):
        titles = {}
    return [(g, titles.get(g, g)) for g in group_ids(root)]


async def _json_404(request, exc) -> Response:
    return not_found()


async def _json_405(request, exc) -> Response:
    return JSONResponse({"error": "method not allowed"}, status_code=405)


async def _json_500(request, exc) -> Response:
    return JSONResponse({"error": "internal error"}, status_code=500)
