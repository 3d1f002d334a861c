"""A basic accessibility audit run inside the page, in the spirit of axe-core's core rules:
the document has a language, one h1 and a main landmark; every form control and button
has an accessible name; images have alt text; aria-describedby points at something real;
error messages are live regions. Returns the problems found (empty: none)."""

from __future__ import annotations

AUDIT = """() => {
  const problems = [];
  const visible = (el) => el.getClientRects().length > 0;
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const by = el.getAttribute("aria-labelledby");
    if (by && by.split(/\\s+/).every((id) => document.getElementById(id))) return true;
    if (el.labels && [...el.labels].some((label) => label.textContent.trim())) return true;
    return el.tagName === "BUTTON" && el.textContent.trim() !== "";
  };
  if (!document.documentElement.lang) problems.push("html has no lang");
  if (!document.title.trim()) problems.push("no title");
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  if (!document.querySelector("main")) problems.push("no main landmark");
  const controls = "input:not([type=hidden]), select, textarea, button";
  for (const el of document.querySelectorAll(controls)) {
    if (visible(el) && !named(el)) problems.push(`unnamed ${el.tagName} ${el.id || el.name}`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\\s+/)) {
      if (!document.getElementById(id)) problems.push(`aria-describedby -> missing #${id}`);
    }
  }
  for (const el of document.querySelectorAll(".alert")) {
    if (!["alert", "status"].includes(el.getAttribute("role"))) problems.push("silent alert");
  }
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  if (new Set(ids).size !== ids.length) problems.push("duplicate ids");
  return problems;
}"""

#: what the focused element is, and whether the focus is visibly drawn
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""


def audit(page) -> list[str]:
    return page.evaluate(AUDIT)


def focus_order(page, steps: int) -> list[dict]:
    """Where the focus is now, then after each of `steps` Tab presses."""
    order = [page.evaluate(FOCUSED)]
    for _ in range(steps):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED))
    return order
