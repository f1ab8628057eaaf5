// The preview page: one long poll on /api/status; each answer updates the page in place
// (same elements, new image URLs only for pages that changed), so the scroll position stays.
"use strict";

const SCALE = 1.5; // page image pixels per PDF point (muscledocs/serve/pages.py)
const view = { version: -1, tab: new URLSearchParams(location.hash.slice(1)).get("tab") || "a4", epub: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function where(error) {
  if (error.line) return `${error.path}:${error.line}: `;
  return error.path ? `${error.path}: ` : "";
}

function showStatus(status) {
  document.body.dataset.build = status.build;
  document.body.dataset.state = status.state;
  const text = {
    building: status.stage === "all"
      ? `A4 pages up to date; rendering ${status.rendering.join(", ") || "the other outputs"}…` : "Building…",
    ok: `Build ${status.build}: up to date (${status.seconds.toFixed(1)} s)`,
    failed: `Build ${status.build} failed: ${status.errors.length} error${status.errors.length === 1 ? "" : "s"}`,
  }[status.state];
  const line = document.getElementById("status");
  line.textContent = text;
  line.className = `status ${status.state}`;
}

function showErrors(status) {
  const overlay = document.getElementById("overlay");
  const list = document.getElementById("errors");
  const failing = status.state === "failed" && status.errors.length > 0;
  overlay.hidden = !failing;
  list.replaceChildren(...(failing ? status.errors : []).map((error) =>
    el("li", {}, el("code", { text: where(error) }), `${error.message}${error.hint ? `. ${error.hint}` : ""}`)));
}

function tabList(status) {
  const tabs = Object.entries(status.views).map(([id, tab]) => ({ id, title: tab.title }));
  if (status.epub) tabs.push({ id: "epub", title: "EPUB" });
  return tabs;
}

function showTabs(status) {
  const nav = document.getElementById("tabs");
  const tabs = tabList(status);
  if (!tabs.some((tab) => tab.id === view.tab) && tabs.length) view.tab = tabs[0].id;
  nav.replaceChildren(...tabs.map((tab) => {
    const button = el("button", { type: "button", role: "tab", id: `tab-${tab.id}`, "aria-controls": `view-${tab.id}`,
      "aria-selected": String(tab.id === view.tab), text: tab.title });
    button.addEventListener("click", () => select(tab.id));
    return button;
  }));
  for (const section of document.querySelectorAll("#views > section")) section.hidden = section.dataset.tab !== view.tab;
}

function select(tab) {
  view.tab = tab;
  history.replaceState(null, "", `#tab=${tab}`);
  for (const button of document.querySelectorAll("#tabs button")) {
    button.setAttribute("aria-selected", String(button.id === `tab-${tab}`));
  }
  for (const section of document.querySelectorAll("#views > section")) section.hidden = section.dataset.tab !== tab;
}

function section(id) {
  let node = document.getElementById(`view-${id}`);
  if (!node) {
    node = el("section", { id: `view-${id}`, role: "tabpanel", "aria-labelledby": `tab-${id}`, "data-tab": id });
    document.getElementById("views").append(node);
  }
  return node;
}

function showPages(status) {
  const wanted = new Set(Object.keys(status.views));
  for (const [id, tab] of Object.entries(status.views)) {
    const panel = section(id);
    const names = tab.documents.map((doc) => doc.name);
    for (const old of panel.querySelectorAll(":scope > .document")) {
      if (!names.includes(old.dataset.doc)) old.remove();
    }
    for (const doc of tab.documents) showDocument(panel, doc);
  }
  for (const panel of document.querySelectorAll("#views > section")) {
    if (panel.dataset.tab !== "epub" && !wanted.has(panel.dataset.tab)) panel.remove();
  }
}

function showDocument(panel, doc) {
  let block = [...panel.children].find((child) => child.dataset.doc === doc.name);
  if (!block) {
    block = el("div", { class: "document", "data-doc": doc.name },
      el("h2", {}, el("span", { class: "name", text: doc.name }), " ",
        el("a", { class: "download", href: doc.download, text: "open the PDF" })),
      el("div", { class: "pages" }));
    panel.append(block);
  }
  block.querySelector("h2 .count")?.remove();
  block.querySelector("h2 .name").after(el("span", { class: "count", text: ` ${doc.count}` }));
  const grid = block.querySelector(".pages");
  doc.pages.forEach((page, index) => {
    let figure = grid.children[index];
    if (!figure) {
      figure = el("figure", { class: "page", id: `page-${doc.name}-${index}` },
        el("img", { alt: "", loading: index < 4 ? "eager" : "lazy", decoding: "async" }),
        el("figcaption"));
      grid.append(figure);
    }
    const img = figure.querySelector("img");
    img.width = Math.round(page.width * SCALE);
    img.height = Math.round(page.height * SCALE);
    // A new URL only when the page changed: the old picture stays until the new one is in.
    if (img.getAttribute("src") !== page.url) img.setAttribute("src", page.url);
    img.alt = `${doc.name}, page ${page.label}`;
    figure.dataset.label = page.label;
    figure.querySelector("figcaption").textContent = page.label;
  });
  while (grid.children.length > doc.pages.length) grid.lastElementChild.remove();
}

function showFindings(status) {
  const list = document.getElementById("findings");
  const summary = document.getElementById("proof-summary");
  const count = status.findings.length;
  summary.textContent = status.outputs.length === 0 ? "After the first full build."
    : count === 0 ? "No page defects." : `${count} page defect${count === 1 ? "" : "s"}:`;
  list.replaceChildren(...status.findings.map((finding) => {
    const link = el("a", { href: `#${finding.target}`, text: finding.text });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const target = document.getElementById(finding.target);
      if (!target) return;
      select(target.closest("section").dataset.tab);
      for (const flagged of document.querySelectorAll(".page.flagged")) flagged.classList.remove("flagged");
      target.classList.add("flagged");
      target.scrollIntoView({ block: "start" });
    });
    return el("li", { class: `rule-${finding.rule}` }, link);
  }));
}

function showEpub(status) {
  if (!status.epub) return;
  const panel = section("epub");
  if (!panel.querySelector(".epub")) {
    const chooser = el("select", { id: "epub-chapter", "aria-label": "Chapter" });
    chooser.addEventListener("change", () => openChapter(chooser.selectedIndex, false));
    panel.append(el("div", { class: "epub" },
      el("label", { for: "epub-chapter", text: "Chapter " }), chooser,
      el("div", { class: "readers" },
        el("figure", {}, el("figcaption", { text: "Light" }), el("iframe", { title: "EPUB chapter, light", class: "light" })),
        el("figure", {}, el("figcaption", { text: "Dark" }), el("iframe", { title: "EPUB chapter, dark", class: "dark" })))));
  }
  const chooser = panel.querySelector("select");
  const chosen = Math.max(chooser.selectedIndex, 0);
  chooser.replaceChildren(...status.epub.chapters.map((chapter) => el("option", { text: chapter.title })));
  chooser.selectedIndex = Math.min(chosen, status.epub.chapters.length - 1);
  view.epub = status.epub;
  openChapter(chooser.selectedIndex, true);
}

function openChapter(index, keepScroll) {
  const chapter = view.epub.chapters[index];
  if (!chapter) return;
  for (const scheme of ["light", "dark"]) {
    const frame = document.querySelector(`#view-epub iframe.${scheme}`);
    if (frame.getAttribute("src") === chapter[scheme]) continue;
    let scrolled = 0;
    try { scrolled = keepScroll ? frame.contentWindow.scrollY : 0; } catch (error) { scrolled = 0; }
    frame.addEventListener("load", () => frame.contentWindow.scrollTo(0, scrolled), { once: true });
    frame.setAttribute("src", chapter[scheme]);
  }
}

function show(status) {
  view.version = status.version;
  showStatus(status);
  showPages(status);
  showEpub(status);
  showTabs(status);
  showErrors(status);
  showFindings(status);
}

async function follow() {
  for (;;) {
    try {
      const response = await fetch(`/api/status?since=${view.version}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      show(await response.json());
    } catch (error) {
      const line = document.getElementById("status");
      line.textContent = "The preview server is not answering; retrying…";
      line.className = "status failed";
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

follow();
