// Every <time datetime> written in UTC by the server is shown in the browser's time zone;
// the UTC text stays in the title. Without this script the page shows UTC.
const format = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  timeZoneName: "short",
});

export function localise(root = document) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    if (element.dataset.localised) continue;
    const moment = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) continue;
    element.title = element.textContent.trim();
    element.textContent = format.format(moment);
    element.dataset.localised = "yes";
  }
}

localise();
