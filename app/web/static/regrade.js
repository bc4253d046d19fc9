// The regrade page follows the regrade without reloading: it polls the counts, moves the
// progress bar, says where it stands in the live region, and brings in the before/after
// comparison once every run has finished.
import { localise } from "./localtime.js";

const holder = document.getElementById("regrade-progress");
const live = document.getElementById("regrade-live");
const EVERY_MS = 1500;

function show(state) {
  const bar = document.getElementById("regrade-bar");
  if (bar) {
    bar.max = Math.max(state.total, 1);
    bar.value = state.finished;
    bar.textContent = `${state.finished} of ${state.total}`;
  }
  for (const key of ["total", "queued", "running", "finished"]) {
    const cell = document.getElementById(`count-${key}`);
    if (cell) cell.textContent = String(state[key]);
  }
}

async function bringDiff() {
  const answer = await fetch(location.href, { credentials: "same-origin" });
  if (!answer.ok) return;
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  const fresh = page.getElementById("regrade-diff");
  const here = document.getElementById("regrade-diff");
  if (fresh && here) here.replaceChildren(...fresh.childNodes);
  localise(document);
}

async function poll(lastText) {
  let state;
  try {
    const answer = await fetch(holder.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = answer.headers.get("content-type") || "";
    if (!answer.ok || !type.startsWith("application/json")) {
      live.textContent = "The progress could not be read; reload the page to try again.";
      return;
    }
    state = await answer.json();
  } catch {
    setTimeout(() => poll(lastText), EVERY_MS * 4);
    return;
  }
  show(state);
  if (state.done) {
    await bringDiff();
    holder.dataset.done = "yes";
    live.textContent = `Done: ${state.finished} of ${state.total} regraded.`;
    return;
  }
  const text = `${state.finished} of ${state.total} regraded (${state.running} running, ${state.queued} queued)…`;
  // Said only when it changes, so a screen reader is not told the same thing every poll.
  if (text !== lastText) live.textContent = text;
  setTimeout(() => poll(text), EVERY_MS);
}

if (holder && holder.dataset.done !== "yes") poll(live.textContent);
