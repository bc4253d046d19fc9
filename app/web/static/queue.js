// The dashboard's queue follows the grading without reloading: it polls a small JSON every
// few seconds and says a change once in its live region.
const holder = document.getElementById("queue");
const live = document.getElementById("queue-live");
const EVERY_MS = 4000;

function sentence(state) {
  return `Queue: ${state.queued} waiting, ${state.running} being graded, ` +
    `${state.graded_recently} graded in the last 10 minutes.`;
}

async function poll(last) {
  let state;
  try {
    const answer = await fetch(holder.dataset.queueUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = answer.headers.get("content-type") || "";
    if (!answer.ok || !type.startsWith("application/json")) {
      live.textContent = "The queue could not be read; reload the page to try again.";
      return;
    }
    state = await answer.json();
  } catch {
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
