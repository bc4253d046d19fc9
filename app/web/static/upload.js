// The upload form, improved: drop a file on it, and see the upload's progress. Without
// this script the form posts as it is and the server answers with the next page.
const form = document.getElementById("upload-form");

function say(text) {
  const live = document.getElementById("upload-live");
  if (live) live.textContent = text;
}

function showError(text) {
  let error = document.getElementById("upload-error");
  if (!error) {
    error = document.createElement("p");
    error.id = "upload-error";
    error.className = "error";
    error.setAttribute("role", "alert");
    form.before(error);
  }
  error.textContent = text;
}

if (form) {
  const input = form.querySelector("input[type=file]");
  const zone = document.getElementById("dropzone");
  const progress = document.getElementById("upload-progress");
  const button = form.querySelector("button[type=submit]");

  input.addEventListener("change", () => {
    if (input.files.length) say(`Chosen: ${input.files[0].name}`);
  });
  for (const kind of ["dragenter", "dragover"]) {
    zone.addEventListener(kind, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    say(`Chosen: ${input.files[0].name}`);
  });

  form.addEventListener("submit", (event) => {
    if (!input.files.length) return; // the browser says the file is required
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    say("Uploading…");
    request.upload.addEventListener("progress", (step) => {
      if (!step.lengthComputable) return;
      const percent = Math.round((100 * step.loaded) / step.total);
      progress.value = percent;
      progress.textContent = `${percent}%`;
    });
    request.addEventListener("load", () => {
      button.disabled = false;
      const url = new URL(request.responseURL || form.action, location.href);
      if (request.status === 200 && url.pathname.startsWith("/submissions/")) {
        say("Uploaded. Opening your submission…");
        location.assign(url.href);
        return;
      }
      progress.hidden = true;
      if (url.pathname === "/signin") {
        location.assign(url.href); // the session ended: sign in again, then come back
        return;
      }
      const page = new DOMParser().parseFromString(request.responseText, "text/html");
      const reason = page.getElementById("upload-error") || page.querySelector(".error-detail");
      const text = reason ? reason.textContent.trim() : `The upload failed (${request.status}).`;
      showError(text);
      say(`Not uploaded: ${text}`);
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      progress.hidden = true;
      showError("The upload did not reach the server. Check your connection and try again.");
    });
    request.send(new FormData(form));
  });
}
