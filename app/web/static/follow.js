// What the pages that follow work without reloading share: reading the small JSON a page
// polls, and bringing parts of a fresh copy of the page in once the work is done.
import { localise } from "./localtime.js";

export const UNREADABLE = Symbol("unreadable");

// The JSON at `url`; null when the network failed (try again later); UNREADABLE when the
// server answered something else (a sign-in page, an error), which polling will not mend.
export async function readState(url) {
  try {
    const answer = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = answer.headers.get("content-type") || "";
    if (!answer.ok || !type.startsWith("application/json")) return UNREADABLE;
    return await answer.json();
  } catch {
    return null;
  }
}

// The children of each element named in `ids` replaced by those of a fresh copy of this page.
export async function bringIn(ids) {
  const answer = await fetch(location.href, { credentials: "same-origin" });
  if (!answer.ok) return;
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  for (const id of ids) {
    const fresh = page.getElementById(id);
    const here = document.getElementById(id);
    if (fresh && here) here.replaceChildren(...fresh.childNodes);
  }
  localise(document);
}
