/* Yorisoi reports: small enhancements; every report page works without this file (CSP: no inline JS). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Fiscal-year pickers submit on change; their "Show" button is then not needed.
    document.querySelectorAll(".auto-submit select").forEach(function (select) {
      select.addEventListener("change", function () { if (select.form) select.form.submit(); });
    });
    document.querySelectorAll(".js-hide").forEach(function (node) { node.hidden = true; });
    // The A4 board paper's print button.
    document.querySelectorAll(".js-print").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
