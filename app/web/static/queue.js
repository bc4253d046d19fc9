// The dashboard's queue follows the grading without reloading: it polls a small JSON every
// few seconds and says a change once in its live region.
import { UNREADABLE, readState } from "./follow.js";

const holder = document.getElementById("queue");
const live = document.getElementById("queue-live");
const EVERY_MS = 4000;

function sentence(state) {
  return `Queue: ${state.queued} waiting, ${state.running} being graded, ` +
    `${state.graded_recently} graded in the last 10 minutes.`;
}

async function poll(last) {
  const state = await readState(holder.dataset.queueUrl);
  if (state === UNREADABLE) {
    live.textContent = "The queue could not be read; reload the page to try again.";
    return;
  }
  if (state === null) {
    setTimeout(() => poll(last), EVERY_MS * 4);
    return;
  }
  const now = sentence(state);
  for (const cell of holder.querySelectorAll("[data-key]")) {
    cell.textContent = String(state[cell.dataset.key]);
  }
  if (last !== null && now !== last) live.textContent = now;
  holder.dataset.polled = String(Number(holder.dataset.polled || 0) + 1);
  setTimeout(() => poll(now), EVERY_MS);
}

if (holder && holder.dataset.queueUrl) setTimeout(() => poll(null), EVERY_MS);
