// The grading page's keys and announcements. The page works without it (plain form posts and
// links); this adds: digit keys toggle the rubric items, Ctrl+Enter saves and opens the next
// ungraded answer, N opens the next ungraded one, and every action is said in the live region.
const form = document.getElementById("grading-form");
const live = document.getElementById("grading-live");
const total = document.getElementById("grading-total");

function say(text) {
  if (!live) return;
  // Emptied first, so saying the same sentence twice is still announced.
  live.textContent = "";
  window.setTimeout(() => {
    live.textContent = text;
  }, 50);
}

function format(value) {
  return String(Math.round(value * 100) / 100);
}

function items() {
  return Array.from(form.querySelectorAll('input[type="checkbox"][name="item"]'));
}

function adjustment() {
  const field = document.getElementById("f-adjustment");
  const value = Number.parseFloat((field?.value || "").replace(",", ".").replace("\u2212", "-"));
  return Number.isFinite(value) ? value : 0;
}

// The score the server will give: the applied items plus the adjustment, floored at 0 when the
// rubric says so, capped at the question's points (graders.rubric.score).
function score() {
  let sum = adjustment();
  for (const box of items()) if (box.checked) sum += Number(box.dataset.points);
  if (form.dataset.floor === "yes") sum = Math.max(0, sum);
  return Math.min(Number(form.dataset.points), sum);
}

function standing() {
  const now = format(score());
  if (total) total.textContent = now;
  return `${now} of ${format(Number(form.dataset.points))} points.`;
}

function toggled(box) {
  const points = Number(box.dataset.points);
  const signed = points > 0 ? `+${format(points)}` : format(points);
  const verb = box.checked ? "Applied" : "Removed";
  say(`${verb} '${box.dataset.text}' (${signed}). ${standing()}`);
}

function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(target.type);
}

function saveAndNext() {
  const button = document.getElementById("save-next");
  if (!button || button.disabled) {
    say("This answer cannot be saved: another grader holds it.");
    return;
  }
  say("Saving…");
  form.requestSubmit(button);
}

function onKey(event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    saveAndNext();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (/^[0-9]$/.test(event.key)) {
    const box = items().find((b) => b.dataset.key === event.key);
    if (!box) return;
    event.preventDefault();
    box.checked = !box.checked;
    toggled(box);
    return;
  }
  if (event.key === "n" || event.key === "N") {
    const next = document.getElementById("next-ungraded");
    if (next) {
      event.preventDefault();
      say(`Opening ${next.textContent.replace("Next ungraded: ", "")}…`);
      window.location.assign(next.href);
    } else {
      say("No other ungraded answer.");
    }
  }
}

if (form) {
  document.addEventListener("keydown", onKey);
  for (const box of items()) box.addEventListener("change", () => toggled(box));
  const field = document.getElementById("f-adjustment");
  field?.addEventListener("input", () => standing());
  field?.addEventListener("change", () => {
    say(`Adjustment ${format(adjustment())}. ${standing()}`);
  });
  const insert = document.getElementById("f-insert");
  const comment = document.getElementById("f-comment");
  insert?.addEventListener("change", () => {
    if (!insert.value || !comment) return;
    comment.value = comment.value.trim() ? `${comment.value.trimEnd()}\n\n${insert.value}` : insert.value;
    insert.value = "";
    say("Saved comment inserted.");
  });
}

// What the server said on arrival ("Saved. Answer 13 of 30.") is said again once the page is
// ready, so a screen reader announces it rather than reading it as part of the page.
if (live && live.textContent.trim()) say(live.textContent.trim());
