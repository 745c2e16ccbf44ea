// The kelurahan import's confirm: the save button is disabled while "save only if every row is right" is
// chosen and the file has a wrong row (the form carries data-has-errors). Without JavaScript the button
// follows the choice the page was drawn with, and the server refuses a strict save of a wrong file.
(function () {
  "use strict";

  function sync(form) {
    var button = form.querySelector("[data-save]");
    if (!button) return;
    var chosen = form.querySelector('input[name="cara"]:checked');
    var blocked = form.getAttribute("data-nothing-ready") === "1" ||
      (form.getAttribute("data-has-errors") === "1" && chosen && chosen.value === "semua");
    button.disabled = blocked;
    button.setAttribute("aria-disabled", blocked ? "true" : "false");
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "cara" && event.target.form) sync(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-import-confirm]");
    for (var i = 0; i < forms.length; i++) sync(forms[i]);
  });
})();
