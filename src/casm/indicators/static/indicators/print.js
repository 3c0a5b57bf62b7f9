// The profile's "Print" button (shown only where scripts run, since it needs one), and the
// charts' tables opened for printing so that paper gets the figures too.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details.chart-table").forEach(function (details) {
    details.open = true;
  });
});
