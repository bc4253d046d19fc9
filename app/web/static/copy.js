// Copy buttons beside a secret shown once: the button appears only where the clipboard can
// be written, and says when it worked.
const live = document.getElementById("copy-live");

for (const button of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      if (live) live.textContent = "Copied.";
      button.dataset.copied = "yes";
    } catch {
      if (live) live.textContent = "Could not copy: select the text and copy it yourself.";
    }
  });
}
