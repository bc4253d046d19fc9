// The answer groups page: picking a saved comment fills the comment box, and the outcome of
// the action just taken (or why it was refused) gets the focus, so it is read out at once.
for (const pick of document.querySelectorAll("select.saved-pick")) {
  pick.addEventListener("change", () => {
    const box = document.getElementById(pick.dataset.comment);
    const chosen = pick.selectedOptions[0];
    if (box && chosen && chosen.dataset.text !== undefined) box.value = chosen.dataset.text;
  });
}

const refused = document.getElementById("groups-error");
const live = document.getElementById("groups-live");
if (refused) refused.focus();
else if (live && live.textContent.trim()) live.focus();
