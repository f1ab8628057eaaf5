"""Command line: parse arguments, run the build, turn every failure into a clear message.

The targets, formats, papers and file names in the help all come from the registries
(formats/, papers.py), so a new format or paper shows up here by itself.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from pathlib import Path

from . import papers
from .errors import EnvironmentProblem, ProofFailed, RenderFailed, SourceErrors, UsageError
from .formats import FORMATS, targets
from .proof import Finding
from .terminal import TerminalReport, paint

# As the user called it: make_docs.py, make-docs or python -m muscledocs.
_CALLED = Path(sys.argv[0])
PROG = ("python -m muscledocs" if _CALLED.name == "__main__.py" and _CALLED.parent.name == "muscledocs"
        else "make-docs" if _CALLED.name == "make-docs" else "make_docs.py")
COMMANDS = ("serve", "new-group", "clean")
EXIT_STATUSES = """\
exit status: 0 success; 1 errors in the sources or an edition file (each printed as
path:line: message), a render that failed, or page defects with --strict; 2 a usage error or
a problem with the machine (an output folder that cannot be written, a full disk); 3 a bug in
the builder (set MUSCLEDOCS_DEBUG=1 for the traceback); 130 interrupted. Whatever the failure,
nothing is written: the outputs of the last good build stay as they were."""


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("muscledocs")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata: 7 ms a run)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"muscledocs {version()}")  # on stdout, as argparse's own version action prints
        parser.exit()


def _description() -> str:
    files = [entry for fmt in FORMATS.values() for entry in fmt.files(papers.defaults())]
    width = max(len(name) for name, _ in files)
    lines = "\n".join(f"  {name:<{width}}  {what}" for name, what in files)
    return ("Build the 'Muscles Worked When Running' handout and e-book from the Markdown chapters\n"
            "of a project: the folder that holds chapters/ (--project DIR names it).\n\n"
            f"Outputs (in build/ unless --out is given):\n{lines}\n")


def _epilog() -> str:
    return f"""\
targets: {', '.join(targets())} (default: all)
commands: serve (live preview and clinic editions in the browser), new-group ID "Title"
  (start a group chapter), clean (remove build/ and its cache)

examples:
  {PROG}                          build everything
  {PROG} pdf --paper a4           only the A4 PDFs
  {PROG} --only glutes,calves --clinic "Thursday Track Night" \\
      --date 2026-12-03 --out build/thursday   a clinic edition with two groups
  {PROG} --edition thursday.toml  the same, settings read from a TOML file
  {PROG} --check                  validate the chapters, write nothing
  {PROG} serve                    preview in the browser, rebuilt on every save

An edition file (TOML) may set: only = ["glutes", "calves"], clinic, date, coach, contact,
paper = "a4" or ["a4", "letter"], out = "build/thursday" (default: build/<file name>).
Flags override the file.

page proof: every PDF page is checked after layout (stranded headings, captions and table
headers, runt pages, split tables and lists, figures apart from their captions, bad
hyphenation, text under 7 pt). Each defect is printed as a warning,
  warning: handout-a4.pdf page 10: heading "Moves to build them" is followed by ...
and the outputs are written anyway; with --strict they are errors and nothing is written.

{EXIT_STATUSES}
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=_description(), epilog=_epilog(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="what to build (see below)")
    p.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    p.add_argument("--project", type=Path, metavar="DIR",
                   help="the project folder, holding chapters/ (default: the current folder)")
    p.add_argument("--out", type=Path, help="output folder (created if missing; default: build/)")
    add_paper_argument(p, "only these papers for the PDFs")
    p.add_argument("--only", metavar="IDS", help="comma-separated group ids for a clinic edition (see --list-groups)")
    p.add_argument("--clinic", help="clinic name for the cover")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="clinic date for the cover")
    p.add_argument("--coach", help="coach's name for the cover")
    p.add_argument("--contact", help="contact line for the cover (email or phone)")
    p.add_argument("--edition", type=Path, metavar="FILE", help="read clinic settings from a TOML file")
    p.add_argument("--check", action="store_true", help="validate the sources and write nothing")
    p.add_argument("--strict", action="store_true",
                   help="treat page defects found by the page proof as errors: exit 1, write nothing")
    p.add_argument("--list-groups", action="store_true", help="print the group ids and titles, and stop")
    p.add_argument("--open", action="store_true", help="open the result in the system's viewer when done")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="render N outputs at once (default: one per CPU core)")
    p.add_argument("--keep-html", action="store_true",
                   help="also write the print HTML each handout is rendered from")
    p.add_argument("-q", "--quiet", action="count", default=0, help="print only problems")
    p.add_argument("-v", "--verbose", action="count", default=0, help="also say what renders as it starts")
    return p


def main(argv: list[str] | None = None, default_project: Path | None = None) -> int:
    """The command line. `default_project` is make_docs.py's own folder (the project it lives
    in); the `make-docs` script and `python -m muscledocs` use the current folder."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        # A command may follow --project DIR: `make_docs.py --project x new-group shins "Shins"`.
        options = argparse.ArgumentParser(add_help=False)
        options.add_argument("--project")
        before, rest = options.parse_known_args(argv)
        if rest and rest[0] in COMMANDS:
            return command(rest[0], rest[1:] + (["--project", before.project] if before.project else []),
                           default_project)
        args = parser().parse_args(argv)  # exits 2 on an unknown option
        return run(args, default_project)
    except UsageError as exc:
        print(paint(f"{PROG}: error: {exc}", "error"), file=sys.stderr)
        return 2
    except EnvironmentProblem as exc:
        print(paint(f"{PROG}: {exc}", "error"), file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return 2
    except SourceErrors as exc:
        for error in exc.errors:
            print(paint(str(error), "error"), file=sys.stderr)
        count = len(exc.errors)
        print(f"{count} error{'s' if count != 1 else ''}; nothing was written.", file=sys.stderr)
        return 1
    except ProofFailed as exc:
        for finding in exc.findings:
            print(paint(f"error: {finding}", "error"), file=sys.stderr)
        print(f"{_defects(len(exc.findings))} (--strict); nothing was written.", file=sys.stderr)
        return 1
    except RenderFailed as exc:
        for problem in exc.problems:
            print(paint(f"{exc.output}: {problem}", "error"), file=sys.stderr)
        print("the render failed; nothing was written.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the output was piped into something that stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except KeyboardInterrupt:
        print("interrupted; the previous outputs are unchanged.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still no traceback for the user
        if os.environ.get("MUSCLEDOCS_DEBUG"):
            traceback.print_exc()
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}\n"
              "Nothing was written. Set MUSCLEDOCS_DEBUG=1 to see the details.", file=sys.stderr)
        return 3


def find_project(folder: Path | None, default: Path | None):
    from .project import Project

    return Project.find(folder or default)


def command(name: str, argv: list[str], default_project: Path | None) -> int:
    from . import commands

    p = argparse.ArgumentParser(prog=f"{PROG} {name}")
    p.add_argument("--project", type=Path, metavar="DIR", help="the project folder (default: the current folder)")
    if name == "new-group":
        p.add_argument("id", help="the group's id, for example shins")
        p.add_argument("title", help='its title, for example "Shins"')
    if name == "serve":
        from .serve import add_arguments, serve  # the preview server (muscledocs/serve)

        add_arguments(p)
        args = p.parse_args(argv)
        return serve(find_project(args.project, default_project), args)
    args = p.parse_args(argv)
    project = find_project(args.project, default_project)
    if name == "new-group":
        return commands.new_group(project, args.id, args.title)
    return commands.clean(project)


def run(args: argparse.Namespace, default_project: Path | None = None) -> int:
    from .config import read_edition_file, settle
    from .uptodate import inputs_digest, up_to_date

    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    if args.only is not None and not [g for g in args.only.split(",") if g.strip()]:
        raise UsageError("--only names no group; give group ids separated by commas (see --list-groups)")
    chosen = _targets(args.targets)
    paper_names = parse_papers(args.paper)
    project = find_project(args.project, default_project)
    if args.list_groups:
        from .commands import list_groups

        return list_groups(project)
    file_data = read_edition_file(args.edition, project.root) if args.edition else {}
    flags = {"only": args.only, "clinic": args.clinic, "date": args.date, "coach": args.coach,
             "contact": args.contact, "paper": paper_names, "out": args.out}
    ids: list[str] = []
    if args.only or file_data.get("only"):  # only then are the ids (and the parsers) needed
        from .validate import group_ids

        ids = group_ids(project.root)
    settings = settle(file_data, flags, ids)
    if args.check:
        from .validate import load_book

        book = load_book(project.root, settings.edition)
        print(f"{len(book.chapters)} chapters checked; no errors.")
        return 0
    # An edition file without `out` builds beside the book, never over it: build/<file name>/.
    out = (settings.out or (project.build / args.edition.stem if args.edition else project.build)).resolve()
    _check_writable(out)
    options = dict(formats=chosen, papers=settings.papers, edition=settings.edition, keep_html=args.keep_html)
    inputs = inputs_digest(project, repr(sorted(options.items())))
    report = TerminalReport(1 + args.verbose - args.quiet)
    recorded = up_to_date(out, inputs)
    if recorded is not None:  # nothing changed: nothing to parse, render or write
        names, found = recorded
        findings = [Finding.from_json(output, data) for output, *data in found]
        if args.strict and findings:
            raise ProofFailed(findings)
        if report.verbosity >= 1:
            for name in names:
                print(f"  {out / name}  up to date")
        warn_about(findings)
        _open(args, out, names)
        return 0
    from .build import Options, build, page_findings

    subsetter = os.environ.get("MUSCLEDOCS_SUBSETTER") or None  # tests: a machine without HarfBuzz
    cache = Path(os.environ["MUSCLEDOCS_CACHE"]) if os.environ.get("MUSCLEDOCS_CACHE") else None  # tests, CI
    try:
        outputs = build(Options(project=project, out=out, jobs=args.jobs, strict=args.strict, subsetter=subsetter,
                                cache=cache, workers_first=True, **options), report=report, stamp=inputs)
    except OSError as exc:
        raise _environment_problem(exc, out) from None
    warn_about(page_findings(outputs))
    _open(args, out, [o.name for o in outputs])
    return 0


def _targets(names: list[str]) -> tuple[str, ...]:
    known = targets()
    chosen: list[str] = []
    for target in names or ["all"]:
        if target not in known:
            raise UsageError(f"unknown target '{target}'; choose from: {', '.join(known)} "
                             f"(or a command: {', '.join(COMMANDS)})")
        chosen += [f for f in known[target] if f not in chosen]
    return tuple(chosen)


def add_paper_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--paper", action="append", metavar="PAPER",
                        help=f"{what}: {', '.join(papers.names())} (repeat it, or separate with commas; "
                             f"default: {', '.join(papers.defaults())})")


def parse_papers(values: list[str] | None) -> tuple[str, ...] | None:
    """--paper a4 --paper letter, or --paper a4,letter."""
    if values is None:
        return None
    chosen = [name.strip() for value in values for name in value.split(",") if name.strip()]
    if not chosen:
        raise UsageError("--paper names no paper; choose from: " + ", ".join(papers.names()))
    for name in chosen:
        if name not in papers.PAPERS:
            raise UsageError(f'unknown paper "{name}"; choose from: ' + ", ".join(papers.names()))
    return tuple(dict.fromkeys(chosen))


def _check_writable(out: Path) -> None:
    for folder in [out, *out.parents]:
        if folder.exists():
            if not folder.is_dir():
                raise UsageError(f"--out {out}: {folder} is a file, not a folder; choose another --out folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise EnvironmentProblem(f"cannot write to {folder}: permission denied. Choose another --out "
                                         "folder, or make this one writable")
            return


def _environment_problem(exc: OSError, out: Path) -> EnvironmentProblem:
    where = exc.filename or out
    if exc.errno == errno.ENOSPC:
        return EnvironmentProblem(f"the disk is full (writing {where}). Free some space, or choose another --out "
                                  "folder")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return EnvironmentProblem(f"cannot write {where}: {exc.strerror}. Choose another --out folder, or make "
                                  "this one writable")
    return EnvironmentProblem(f"cannot write {where}: {exc.strerror or exc}. Check the folder and try again")


def _open(args: argparse.Namespace, out: Path, names: list[str]) -> None:
    if not args.open:
        return
    from .commands import open_file

    pdfs = [n for n in names if n.startswith("handout-")] or [n for n in names if n.endswith((".pdf", ".epub"))]
    if pdfs:
        open_file(out / pdfs[0])


def warn_about(findings: list[Finding]) -> None:
    """The page proof's findings, after the file lines: the outputs were written all the same."""
    for finding in findings:
        print(paint(f"warning: {finding}", "warning"), file=sys.stderr)
    if findings:
        print(f"{_defects(len(findings))}; the outputs were written anyway (--strict refuses them).",
              file=sys.stderr)


def _defects(count: int) -> str:
    return f"{count} page defect{'s' if count != 1 else ''} found by the page proof"
