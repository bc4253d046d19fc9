// The submission page follows its grading without reloading: it polls the status, says each
// change in the live region, and brings in the result when grading is done.
import { localise } from "./localtime.js";

const holder = document.getElementById("status");
const live = document.getElementById("status-live");
const EVERY_MS = 1500;

async function refreshResult() {
  const answer = await fetch(location.href, { credentials: "same-origin" });
  if (!answer.ok) return;
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  for (const id of ["status", "result"]) {
    const fresh = page.getElementById(id);
    const here = document.getElementById(id);
    if (fresh && here) here.replaceChildren(...fresh.childNodes);
  }
  localise(document);
}

async function poll(last) {
  let state;
  try {
    const answer = await fetch(holder.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = answer.headers.get("content-type") || "";
    if (!answer.ok || !type.startsWith("application/json")) {
      live.textContent = "The status could not be read; reload the page to try again.";
      return;
    }
    state = await answer.json();
  } catch {
    setTimeout(() => poll(last), EVERY_MS * 4);
    return;
  }
  if (state.status !== last) {
    const badge = holder.querySelector(".status");
    if (badge) {
      badge.textContent = state.text;
      badge.className = `status status-${state.status}`;
    }
  }
  if (state.final) {
    await refreshResult();
    const score = state.score === null ? "" : ` Score: ${state.score} of ${state.max_score}.`;
    live.textContent = `${state.text}.${score}`;
    return;
  }
  if (state.status !== last) live.textContent = `${state.text}…`;
  setTimeout(() => poll(state.status), EVERY_MS);
}

if (holder && holder.dataset.final !== "yes") poll(null);
