// The clinic form: the server checks every field by the command line's rules and answers with
// a message per field (shown beside it) or the built files.
"use strict";

const form = document.getElementById("clinic-form");
const result = document.getElementById("result");
const FIELDS = ["only", "clinic", "date", "coach", "contact", "paper", "format"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function checkbox(name, id, title, checked) {
  return el("label", {}, el("input", { type: "checkbox", name, value: id, checked }), ` ${title}`);
}

async function setUp() {
  const choices = await (await fetch("/api/clinic/choices")).json();
  document.getElementById("groups").append(...choices.groups.map((g) => checkbox("only", g.id, g.title, false)));
  document.getElementById("papers").append(...choices.papers.map((p) =>
    checkbox("paper", p.id, p.title, choices.default_papers.includes(p.id))));
  document.getElementById("formats").append(...choices.formats.map((f) => checkbox("format", f.id, f.title, true)));
  for (const [name, limit] of Object.entries(choices.limits)) document.getElementById(name).maxLength = limit;
  form.dataset.ready = "true";
}

function showErrors(errors) {
  for (const name of FIELDS) {
    const message = errors[name] || "";
    document.getElementById(`error-${name}`).textContent = message;
    const field = document.getElementById(name) || document.getElementById(`field-${name}`);
    field.setAttribute("aria-invalid", message ? "true" : "false");
  }
  const first = FIELDS.find((name) => errors[name]);
  if (first) (document.getElementById(first) || document.querySelector(`[name="${first}"]`)).focus();
}

async function send(path) {
  const body = new URLSearchParams(new FormData(form));
  return fetch(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
}

function failed(answer) {
  showErrors(answer.errors || {});
  const build = answer.errors?._build || [];
  const general = answer.errors?._form;
  if (build.length || general) {
    result.replaceChildren(el("p", { class: "error", text: general || "The edition could not be built:" }),
      el("ul", {}, ...build.map((e) => el("li", { text: `${e.line ? `${e.path}:${e.line}: ` : ""}${e.message}` }))));
  } else {
    result.replaceChildren(el("p", { class: "error", text: "Please correct the fields marked above; nothing was built." }));
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("build");
  button.disabled = true;
  result.replaceChildren(el("p", { text: "Building the edition… (a minute at most)" }));
  try {
    const response = await send("/api/clinic");
    const answer = await response.json();
    if (!response.ok) return failed(answer);
    showErrors({});
    result.replaceChildren(
      el("h2", { text: `Built into ${answer.folder}/` }),
      el("ul", { id: "downloads" }, ...answer.files.map((f) =>
        el("li", {}, el("a", { href: f.url, text: f.name }), ` (${f.pages} ${f.name.endsWith(".epub") ? "documents" : "pages"})`))),
      el("p", {}, el("a", { href: answer.zip, id: "zip", text: "Download every file as one zip" })),
      el("p", {}, el("a", { href: answer.edition, id: "edition", text: "Download the edition file" }),
        " — rebuild it later with ", el("code", { text: `python make_docs.py --edition ${answer.name}.toml` })));
    result.scrollIntoView({ block: "nearest" });
  } catch (error) {
    result.replaceChildren(el("p", { class: "error", text: `The server did not answer (${error.message}).` }));
  } finally {
    button.disabled = false;
  }
});

document.getElementById("edition-file").addEventListener("click", async () => {
  const response = await send("/api/clinic/edition");
  if (!response.ok) return failed(await response.json());
  showErrors({});
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || "edition.toml";
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  result.replaceChildren(el("p", { text: `Saved ${name}: build it with python make_docs.py --edition ${name}` }));
});

setUp();
