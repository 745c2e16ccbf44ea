// Household entry screens: shows a dependent field (jenis KB, frekuensi Posyandu, jenis koperasi, ...)
// only while its question has the answer that needs it. The fields carry data-show-if (the name of the
// question's input) and data-show-value ("1" for Ya, "on" for a ticked box, or a choice value).
// Without JavaScript every field stays visible and the server checks each pair.
(function () {
  "use strict";

  function answer(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) return el.type === "checkbox" ? "on" : el.value;
      } else {
        return el.value;
      }
    }
    return null;
  }

  function sync(el) {
    var box = el.closest(".field");
    if (!box || !el.form) return;
    var shown = answer(el.form, el.getAttribute("data-show-if")) === el.getAttribute("data-show-value");
    // A field with a message stays visible, so the message is never hidden.
    box.hidden = !shown && !box.classList.contains("has-error");
  }

  function syncAll(root) {
    var els = root.querySelectorAll("[data-show-if]");
    for (var i = 0; i < els.length; i++) sync(els[i]);
  }

  document.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (!name || !event.target.form) return;
    var els = event.target.form.querySelectorAll('[data-show-if="' + name + '"]');
    for (var i = 0; i < els.length; i++) sync(els[i]);
  });
  syncAll(document);
})();
