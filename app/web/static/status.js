// The submission page follows its grading without reloading: it polls the status, says each
// change in the live region, and brings in the result when grading is done.
import { UNREADABLE, bringIn, readState } from "./follow.js";

const holder = document.getElementById("status");
const live = document.getElementById("status-live");
const EVERY_MS = 1500;

async function poll(last) {
  const state = await readState(holder.dataset.statusUrl);
  if (state === UNREADABLE) {
    live.textContent = "The status could not be read; reload the page to try again.";
    return;
  }
  if (state === null) {
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
    await bringIn(["status", "result"]);
    const score = state.score === null ? "" : ` Score: ${state.score} of ${state.max_score}.`;
    live.textContent = `${state.text}.${score}`;
    return;
  }
  if (state.status !== last) live.textContent = `${state.text}…`;
  setTimeout(() => poll(state.status), EVERY_MS);
}

if (holder && holder.dataset.final !== "yes") poll(null);
