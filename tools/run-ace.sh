#!/usr/bin/env bash
# Run DAISY Ace (the EPUB accessibility checker) on the built EPUB.
#
# Usage:  tools/run-ace.sh [EPUB]
#         (default EPUB: build/muscles-worked-when-running.epub at the repo root;
#          build it first with `python make_docs.py epub`)
#
# Ace is installed on first use with npm into a cache folder outside the repo.
# Environment:
#   ACE_HOME          where Ace is installed      (default ~/.cache/muscledocs-ace)
#   ACE_VERSION       @daisy/ace-cli version     (default 1.4.6, the one checked here)
#   ACE_OUTDIR        where reports are written  (default $ACE_HOME/report)
#   CHROMIUM          browser binary to use      (default: chromium on PATH,
#                     then chromium-browser, google-chrome(-stable))
#   ACE_CHROMIUM_ARGS extra browser flags, space-separated
#
# Exit status: 0 no violation; 1 at least one violation (summary printed);
#              2 setup problem (node/npm/chromium/EPUB missing, install failed)
#              or Ace itself failed.
set -euo pipefail

ACE_VERSION="${ACE_VERSION:-1.4.6}"
ACE_HOME="${ACE_HOME:-${HOME:-/root}/.cache/muscledocs-ace}"
ACE_OUTDIR="${ACE_OUTDIR:-$ACE_HOME/report}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EPUB="${1:-$REPO_ROOT/build/muscles-worked-when-running.epub}"

die() { echo "run-ace: $*" >&2; exit 2; }

# --- prerequisites ---------------------------------------------------------
command -v node >/dev/null 2>&1 \
  || die "node is not installed. Install Node.js >= 20 (Debian: apt-get install nodejs npm)."
command -v npm >/dev/null 2>&1 \
  || die "npm is not installed (Debian: apt-get install npm)."
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] \
  || die "Ace needs Node.js >= 20, found $(node --version). Install a newer nodejs."

if [ -z "${CHROMIUM:-}" ]; then
  for c in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then CHROMIUM="$(command -v "$c")"; break; fi
  done
fi
[ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ] \
  || die "no Chromium found (Ace drives a headless browser). Install it: apt-get install chromium  (or set CHROMIUM=/path/to/chrome)."

[ -f "$EPUB" ] || die "EPUB not found: $EPUB (build it with: python make_docs.py epub)"
EPUB="$(cd "$(dirname "$EPUB")" && pwd)/$(basename "$EPUB")"

# --- install Ace into ACE_HOME if missing ----------------------------------
ACE_BIN="$ACE_HOME/node_modules/.bin/ace-cli"
installed_version=""
if [ -x "$ACE_BIN" ]; then
  installed_version="$("$ACE_BIN" --version 2>/dev/null || true)"
fi
need_install=0
if [ -z "$installed_version" ]; then
  need_install=1
elif [[ "$ACE_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ "$installed_version" != "$ACE_VERSION" ]; then
  need_install=1   # pinned version changed (a tag like "latest" is installed once)
fi
if [ "$need_install" = 1 ]; then
  echo "run-ace: installing @daisy/ace-cli@$ACE_VERSION into $ACE_HOME ..." >&2
  mkdir -p "$ACE_HOME"
  # A package.json of its own keeps npm from installing into a parent folder.
  [ -f "$ACE_HOME/package.json" ] \
    || printf '{ "name": "muscledocs-ace", "private": true }\n' > "$ACE_HOME/package.json"
  # Puppeteer must not download its own browser: we use the system Chromium.
  if ! (cd "$ACE_HOME" && PUPPETEER_SKIP_DOWNLOAD=1 \
        npm install --prefix "$ACE_HOME" --no-audit --no-fund \
            "@daisy/ace-cli@$ACE_VERSION" >&2); then
    die "npm install of @daisy/ace-cli@$ACE_VERSION failed (is the npm registry reachable?)"
  fi
  [ -x "$ACE_BIN" ] || die "Ace installed but $ACE_BIN is missing"
fi

# --- browser wrapper ---------------------------------------------------------
# Ace already launches headless with --no-sandbox (needed as root); the wrapper
# adds flags that keep Chromium quiet and working in containers/CI.
WRAPPER="$ACE_HOME/chromium-for-ace"
cat > "$WRAPPER.tmp" <<EOF
#!/bin/sh
exec "$CHROMIUM" --no-sandbox --disable-gpu --disable-dev-shm-usage \\
  --disable-background-networking --disable-component-update --disable-sync \\
  --no-first-run ${ACE_CHROMIUM_ARGS:-} "\$@"
EOF
chmod +x "$WRAPPER.tmp"
mv -f "$WRAPPER.tmp" "$WRAPPER"

# --- run Ace -----------------------------------------------------------------
echo "run-ace: checking $EPUB (report: $ACE_OUTDIR/report.html)" >&2
rm -f "$ACE_OUTDIR/report.json"
ace_rc=0
PUPPETEER_EXECUTABLE_PATH="$WRAPPER" PUPPETEER_SKIP_DOWNLOAD=1 \
  "$ACE_BIN" --outdir "$ACE_OUTDIR" --force "$EPUB" || ace_rc=$?
[ -f "$ACE_OUTDIR/report.json" ] \
  || die "Ace did not write $ACE_OUTDIR/report.json (exit $ace_rc); re-run with Ace's --verbose: $ACE_BIN -V -o $ACE_OUTDIR -f $EPUB"

# --- summary from report.json -------------------------------------------------
# Prints counts by impact and each violation; exits 1 when there is any.
summary_rc=0
node - "$ACE_OUTDIR/report.json" <<'EOF' || summary_rc=$?
const fs = require('fs');
let report;
try {
  report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (e) {
  console.error('run-ace: cannot read ' + process.argv[2] + ': ' + e.message);
  process.exit(2);
}
const order = ['critical', 'serious', 'moderate', 'minor'];
const counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
const lines = [];
for (const doc of report.assertions || []) {
  const file = (doc['earl:testSubject'] || {}).url || '?';
  for (const a of doc.assertions || []) {
    const test = a['earl:test'] || {};
    const res = a['earl:result'] || {};
    if (res['earl:outcome'] !== 'fail') continue;
    const impact = test['earl:impact'] || 'unknown';
    counts[impact] = (counts[impact] || 0) + 1;
    const html = (res.html || '').replace(/\s+/g, ' ');
    lines.push(`  [${impact}] ${test['dct:title'] || '?'} in ${file}` +
      (html ? `\n      ${html.length > 160 ? html.slice(0, 157) + '...' : html}` : '') +
      `\n      ${(res['dct:description'] || test['dct:description'] || '').split('\n')[0]}`);
  }
}
const total = Object.values(counts).reduce((s, n) => s + n, 0);
const impacts = order.concat(Object.keys(counts).filter(k => !order.includes(k)));
console.log('Ace ' + ((report['earl:assertedBy'] || {})['doap:release'] || {})['doap:revision'] +
  ' on ' + ((report['earl:testSubject'] || {}).metadata || {})['dc:title']);
console.log('Violations: ' + impacts.map(k => `${k} ${counts[k]}`).join(', ') + `  (total ${total})`);
for (const l of lines) console.log(l);
const meta = report['a11y-metadata'] || {};
if ((meta.missing || []).length) console.log('A11y metadata not declared: ' + meta.missing.join(', '));
if ((meta.empty || []).length) console.log('A11y metadata empty: ' + meta.empty.join(', '));
process.exit(total > 0 ? 1 : 0);
EOF
if [ "$summary_rc" = 0 ] && [ "$ace_rc" != 0 ]; then
  die "Ace exited with status $ace_rc"
fi
[ "$summary_rc" = 0 ] && echo "run-ace: no violations. Full report: $ACE_OUTDIR/report.html"
[ "$summary_rc" = 1 ] && echo "run-ace: see $ACE_OUTDIR/report.html for details" >&2
exit "$summary_rc"
