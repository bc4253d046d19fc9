// An open quiz attempt: a countdown from the server's time left (never the browser's clock),
// and autosave of each change with a visible "saved" state. Without this script the Save and
// Submit buttons post the form.
const form = document.getElementById("answers");
const state = document.getElementById("save-state");
const countdown = document.getElementById("countdown");
const DELAY_MS = 800;

function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return `${minutes}:${rest}`;
}

if (countdown) {
  const value = document.getElementById("countdown-value");
  const live = document.getElementById("countdown-live");
  // The server said how many seconds were left when it answered; the browser only counts
  // the seconds since (a monotonic clock, unaffected by the computer's time setting).
  let left = Number(countdown.dataset.secondsLeft);
  const start = performance.now();
  const announced = new Set();
  const tick = () => {
    const now = Math.max(0, Math.round(left - (performance.now() - start) / 1000));
    value.textContent = clock(now);
    for (const mark of [300, 60, 0]) {
      if (now <= mark && !announced.has(mark)) {
        announced.add(mark);
        if (left > mark) {
          live.textContent = mark
            ? `${mark / 60} minute${mark > 60 ? "s" : ""} left.`
            : "Time is up. Answers saved from now on count as late.";
        }
      }
    }
    if (now > 0) setTimeout(tick, 1000);
  };
  tick();
  countdown.resync = (seconds) => {
    if (typeof seconds === "number") {
      left = seconds + (performance.now() - start) / 1000;
    }
  };
}

let timer = null;
let inFlight = null;

async function save() {
  timer = null;
  state.textContent = "Saving…";
  state.dataset.state = "saving";
  const body = new FormData(form);
  try {
    inFlight = fetch(form.dataset.saveUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const answer = await inFlight;
    const type = answer.headers.get("content-type") || "";
    const reply = type.startsWith("application/json") ? await answer.json() : {};
    if (answer.ok && reply.saved) {
      // A chosen image is saved now: the next save must not send it again.
      for (const input of form.querySelectorAll('input[type="file"]')) {
        if (input.files.length) input.value = "";
      }
      const at = new Date(reply.answered_at || Date.now());
      state.textContent = `Saved at ${at.toLocaleTimeString()}.${reply.late ? " (late)" : ""}`;
      state.dataset.state = "saved";
      if (countdown && countdown.resync) countdown.resync(reply.time_left_seconds);
    } else {
      state.textContent = `Not saved: ${reply.detail || `the server answered ${answer.status}`}`;
      state.dataset.state = "error";
    }
  } catch {
    state.textContent = "Not saved: the server cannot be reached. Your answers stay on this page.";
    state.dataset.state = "error";
  } finally {
    inFlight = null;
  }
}

// A chosen image is shown at once (read as a data: URL, which the pages' policy allows).
for (const input of document.querySelectorAll("input[type=file][data-preview]")) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    const preview = document.getElementById(input.dataset.preview);
    if (!file || !preview) return;
    const reader = new FileReader();
    reader.onload = () => {
      preview.src = reader.result;
      preview.closest("figure").hidden = false;
    };
    reader.readAsDataURL(file);
  });
}

if (form) {
  const later = () => {
    state.textContent = "Unsaved changes…";
    state.dataset.state = "dirty";
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}
