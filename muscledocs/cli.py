"""Command line: parse arguments, run the build, turn every failure into a clear message.

Exit status: 0 success, 1 errors in the sources (or a render, or page defects with --strict),
2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from .config import PAPER_NAMES, read_edition_file, settle
from .errors import RenderFailed, SourceErrors, UsageError
from .proof import Finding, ProofFailed

TARGETS = {
    "all": ("handout", "quick-reference", "booklet", "epub"),
    "pdf": ("handout", "quick-reference", "booklet"),
    "epub": ("epub",),
    "handout": ("handout",),
    "quick-reference": ("quick-reference",),
    "booklet": ("booklet",),
}
DEFAULT_PROJECT = Path(__file__).resolve().parent.parent

DESCRIPTION = """\
Build the 'Muscles Worked When Running' handout and e-book from the Markdown chapters.

Outputs (in build/ unless --out is given):
  handout-a4.pdf, handout-letter.pdf                  the printed handout
  quick-reference-a4.pdf, quick-reference-letter.pdf  one page, every group at a glance
  booklet-a4.pdf, booklet-letter.pdf                  fold-and-staple booklet (print duplex,
                                                      flip on the short edge, fold, staple)
  muscles-worked-when-running.epub                    the e-book
"""

EPILOG = """\
targets: all (default), pdf, epub, handout, quick-reference, booklet

examples:
  python make_docs.py                          build everything
  python make_docs.py pdf --paper a4           only the A4 PDFs
  python make_docs.py --only glutes,calves --clinic "Thursday Track Night" \\
      --date 2026-12-03 --out build/thursday   a clinic edition with two groups
  python make_docs.py --edition thursday.toml  the same, settings read from a TOML file
  python make_docs.py --check                  validate the chapters, write nothing

An edition file (TOML) may set: only = ["glutes", "calves"], clinic, date, coach, contact,
paper = "a4" or ["a4", "letter"], out = "build/thursday". Flags override the file.

page proof: every PDF page is checked after layout (stranded headings, captions and table
headers, runt pages, split tables and lists, figures apart from their captions, bad
hyphenation, text under 7 pt). Each defect is printed as a warning,
  warning: handout-a4.pdf page 10: heading "Moves to build them" is followed by ...
and the outputs are written anyway; with --strict they are errors and nothing is written.

exit status: 0 success, 1 errors in the sources (or page defects with --strict), 2 usage errors.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="make_docs.py", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("targets", nargs="*", metavar="TARGET", help="what to build (see below)")
    p.add_argument("--out", type=Path, help="output folder (created if missing; default: build/)")
    p.add_argument("--paper", choices=PAPER_NAMES, help="only this paper size for the PDFs")
    p.add_argument("--only", metavar="IDS", help="comma-separated group ids for a clinic edition")
    p.add_argument("--clinic", help="clinic name for the cover")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="clinic date for the cover")
    p.add_argument("--coach", help="coach's name for the cover")
    p.add_argument("--contact", help="contact line for the cover (email or phone)")
    p.add_argument("--edition", type=Path, metavar="FILE", help="read clinic settings from a TOML file")
    p.add_argument("--check", action="store_true", help="validate the sources and write nothing")
    p.add_argument("--strict", action="store_true",
                   help="treat page defects found by the page proof as errors: exit 1, write nothing")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="render N outputs at once (default: one per CPU core)")
    p.add_argument("--keep-html", action="store_true",
                   help="also write the print HTML each handout is rendered from")
    p.add_argument("--project", type=Path, default=DEFAULT_PROJECT, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)  # exits 2 on an unknown option
    try:
        return run(args)
    except UsageError as exc:
        print(f"make_docs.py: error: {exc}", file=sys.stderr)
        return 2
    except SourceErrors as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        count = len(exc.errors)
        print(f"{count} error{'s' if count != 1 else ''}; nothing was written.", file=sys.stderr)
        return 1
    except ProofFailed as exc:
        for finding in exc.findings:
            print(f"error: {finding}", file=sys.stderr)
        print(f"{_defects(len(exc.findings))} (--strict); nothing was written.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the output was piped into something that stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except RenderFailed as exc:
        for problem in exc.problems:
            print(f"{exc.output}: {problem}", file=sys.stderr)
        print("the render failed; nothing was written.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the previous outputs are unchanged.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still no traceback for the user
        if os.environ.get("MUSCLEDOCS_DEBUG"):
            traceback.print_exc()
        print(f"make_docs.py: internal error: {type(exc).__name__}: {exc}\n"
              "Nothing was written. Set MUSCLEDOCS_DEBUG=1 to see the details.", file=sys.stderr)
        return 3


def run(args: argparse.Namespace) -> int:
    def group_ids(project: Path) -> list[str]:
        from .validate import group_ids

        return group_ids(project)
    from .uptodate import inputs_digest, up_to_date

    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    kinds: list[str] = []
    for target in args.targets or ["all"]:
        if target not in TARGETS:
            raise UsageError(f"unknown target '{target}'; choose from: {', '.join(TARGETS)}")
        kinds += [k for k in TARGETS[target] if k not in kinds]

    project = args.project.resolve()
    file_data = read_edition_file(args.edition, project) if args.edition else {}
    flags = {"only": args.only, "clinic": args.clinic, "date": args.date, "coach": args.coach,
             "contact": args.contact, "paper": args.paper, "out": args.out}
    wants_groups = args.only or file_data.get("only")  # only then are the ids needed
    settings = settle(file_data, flags, group_ids(project) if wants_groups else [])
    edition = settings.edition
    if args.check:
        from .validate import load_book

        book = load_book(project, edition)
        print(f"{len(book.chapters)} chapters checked; no errors.")
        return 0
    out = (settings.out or project / "build").resolve()
    options = dict(kinds=tuple(kinds), papers=settings.papers, edition=edition, keep_html=args.keep_html)
    inputs = inputs_digest(project, repr(sorted(options.items())))
    recorded = up_to_date(out, inputs)
    if recorded is not None:  # nothing changed: nothing to parse, render or write
        names, found = recorded
        findings = [Finding.from_json(output, data) for output, *data in found]
        if args.strict and findings:
            raise ProofFailed(findings)
        for name in names:
            print(f"  {out / name}  up to date")
        warn_about(findings)
        return 0
    from .build import Options, build, page_findings

    outputs = build(Options(project=project, out=out, jobs=args.jobs, strict=args.strict, **options), stamp=inputs)
    warn_about(page_findings(outputs))
    return 0


def warn_about(findings: list[Finding]) -> None:
    """The page proof's findings, after the file lines: the outputs were written all the same."""
    for finding in findings:
        print(f"warning: {finding}", file=sys.stderr)
    if findings:
        print(f"{_defects(len(findings))}; the outputs were written anyway (--strict refuses them).",
              file=sys.stderr)


def _defects(count: int) -> str:
    return f"{count} page defect{'s' if count != 1 else ''} found by the page proof"
