// The settings form's dates are on the clock of the zone its list names. Opened without a
// zone chosen, the page comes back in the browser's own, so the dates read as the
// instructor's wall clock.
const select = document.getElementById("f-tz");
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

if (select && select.dataset.given === "no" && browserZone && select.value !== browserZone) {
  const known = Array.from(select.options).some((option) => option.value === browserZone);
  if (known) {
    const address = new URL(location.href);
    address.searchParams.set("tz", browserZone);
    location.replace(address.toString());
  }
}
