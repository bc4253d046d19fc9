// Each chart on an instructor page is drawn from the data table beside it: the table is the
// source (readable without the chart), and a click on a bar follows the link of its row.
const Chart = window.Chart;

function rowsOf(table) {
  return [...table.tBodies[0].rows].map((row) => {
    const head = row.querySelector("th");
    const cell = row.querySelector("td[data-value]");
    const link = head.querySelector("a");
    return {
      label: head.textContent.trim().replace(/\s+/g, " "),
      value: Number(cell ? cell.dataset.value : 0),
      href: link ? link.href : null,
    };
  });
}

function draw(figure) {
  const table = document.getElementById(figure.dataset.table);
  const canvas = figure.querySelector("canvas");
  if (!table || !canvas || !Chart) return;
  const rows = rowsOf(table);
  const style = getComputedStyle(figure);
  const colour = style.getPropertyValue("--bar").trim() || "#1f5fa8";
  const ink = style.getPropertyValue("color") || "#1b1b1b";
  const max = figure.dataset.max ? Number(figure.dataset.max) : undefined;
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => r.label),
      datasets: [{ label: figure.dataset.series || "", data: rows.map((r) => r.value),
        backgroundColor: colour, maxBarThickness: 48 }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: {
        y: { beginAtZero: true, max, ticks: { precision: 0, color: ink } },
        x: { ticks: { color: ink, autoSkip: false, maxRotation: 60 } },
      },
      onHover: (event, bars) => {
        const target = bars.length ? rows[bars[0].index] : null;
        canvas.style.cursor = target && target.href ? "pointer" : "default";
      },
      onClick: (event, bars) => {
        const target = bars.length ? rows[bars[0].index] : null;
        if (target && target.href) location.assign(target.href);
      },
    },
  });
  figure.dataset.drawn = "yes";
  return chart;
}

for (const figure of document.querySelectorAll("figure.chart[data-table]")) draw(figure);
