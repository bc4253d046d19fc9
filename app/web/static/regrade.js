// The regrade page follows the regrade without reloading: it polls the counts, moves the
// progress bar, says where it stands in the live region, and brings in the before/after
// comparison once every run has finished.
import { UNREADABLE, bringIn, readState } from "./follow.js";

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

async function poll(lastText) {
  const state = await readState(holder.dataset.statusUrl);
  if (state === UNREADABLE) {
    live.textContent = "The progress could not be read; reload the page to try again.";
    return;
  }
  if (state === null) {
    setTimeout(() => poll(lastText), EVERY_MS * 4);
    return;
  }
  show(state);
  if (state.done) {
    await bringIn(["regrade-diff"]);
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
