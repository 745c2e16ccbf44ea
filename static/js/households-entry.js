// Household entry screens (templates/households/entry). Without JavaScript every page is one form that
// the server judges; with it, three things on top, none of which the server relies on:
// 1. a dependent field (jenis KB, frekuensi Posyandu, jenis koperasi, ...) shows only while its question
//    has the answer that needs it: it carries data-show-if (the name of the question's input) and
//    data-show-value ("1" for Ya, "on" for a ticked box, or a choice value);
// 2. "+ Tambah baris anggota" copies the formset's empty row (the <template data-empty-row> of
//    _anggota_formset.html, Django's empty_form with __prefix__) and counts it in TOTAL_FORMS, instead of
//    posting for a page with one more row;
// 3. a form with <section data-step> shows one step at a time, with "Langkah 2 dari 7", Kembali and
//    Lanjut; the page's buttons marked data-step-last (Simpan) only on the last step. It is still one
//    form and one POST (its kirim_id and offline.js's draft and queue see the whole form). A page back
//    from the server with messages opens on the first step holding one, and a link of the error summary
//    opens the step of its field;
(function () {
  "use strict";

  // -- 1. dependent fields ---------------------------------------------------------------------------

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

  // -- 2. rows added on the page ---------------------------------------------------------------------

  function notice(form, text) {
    var box = form.querySelector(".row-notice");
    if (!box) {
      box = document.createElement("p");
      box.className = "row-notice error";
      box.setAttribute("role", "alert");
      var button = form.querySelector("[data-add-row]");
      button.parentNode.insertBefore(box, button);
    }
    box.textContent = text;
  }

  function addRow(form, prefix) {
    var total = form.querySelector('[name="' + prefix + '-TOTAL_FORMS"]');
    var most = form.querySelector('[name="' + prefix + '-MAX_NUM_FORMS"]');
    var empty = form.querySelector('template[data-empty-row="' + prefix + '"]');
    var rows = form.querySelector('[data-rows="' + prefix + '"]');
    var index = parseInt(total.value, 10);
    if (most && index >= parseInt(most.value, 10)) {
      notice(form, "Paling banyak " + most.value + " baris dalam satu formulir. Simpan dulu, lalu tambah lagi.");
      return null;
    }
    var holder = document.createElement("div");
    holder.innerHTML = empty.innerHTML.replace(/__prefix__/g, String(index)).replace(/__nomor__/g, String(index + 1));
    var row = holder.querySelector("[data-row]");
    rows.appendChild(row);
    total.value = String(index + 1);
    syncAll(row);
    total.dispatchEvent(new Event("change", { bubbles: true })); // offline.js keeps the draft
    return row;
  }

  // A draft kept on the phone (offline.js) may hold more rows than the page was drawn with.
  document.addEventListener("pkk:draf", function (event) {
    var form = event.target;
    var needed = {};
    event.detail.fields.forEach(function (pair) {
      var match = /^(.+)-(\d+)-[^-]+$/.exec(pair[0]);
      if (match && form.querySelector('template[data-empty-row="' + match[1] + '"]')) {
        needed[match[1]] = Math.max(needed[match[1]] || 0, parseInt(match[2], 10) + 1);
      }
    });
    Object.keys(needed).forEach(function (prefix) {
      var total = form.querySelector('[name="' + prefix + '-TOTAL_FORMS"]');
      while (parseInt(total.value, 10) < needed[prefix] && addRow(form, prefix)) { /* one more */ }
    });
    var steps = form.pkkSteps;
    if (steps) steps.show(0, false);
  });

  // -- 3. steps --------------------------------------------------------------------------------------

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function Steps(form) {
    var current = 0;
    var status = make("div", "step-status");
    var count = make("p", "step-count");
    var title = make("h2", "step-title");
    var bar = make("ol", "step-bar");
    title.tabIndex = -1;
    bar.setAttribute("aria-hidden", "true");
    status.appendChild(count);
    status.appendChild(title);
    status.appendChild(bar);
    form.insertBefore(status, form.firstChild);

    var nav = make("div", "step-nav");
    var back = make("button", "btn", "‹ Kembali");
    var next = make("button", "btn primary", "Lanjut ›");
    back.type = next.type = "button";
    nav.appendChild(back);
    nav.appendChild(next);
    var last = form.querySelector("[data-step-last]");
    form.insertBefore(nav, last && last.parentNode === form ? last : null);
    form.classList.add("steps-on");

    function sections() { return Array.prototype.slice.call(form.querySelectorAll("section[data-step]")); }

    function heading(section) {
      var row = section.closest("[data-row]");
      if (!row) return section.getAttribute("data-step");
      var number = Array.prototype.indexOf.call(row.parentNode.querySelectorAll("[data-row]"), row) + 1;
      var name = row.querySelector('input[name$="-nama"]');
      var who = "Anggota " + number + (name && name.value.trim() ? ": " + name.value.trim() : "");
      return who + " · " + section.getAttribute("data-step");
    }

    function show(index, moveFocus) {
      var all = sections();
      current = Math.max(0, Math.min(index, all.length - 1));
      var here = all[current];
      var final = current === all.length - 1;
      all.forEach(function (section, i) { section.hidden = i !== current; });
      // A row (a member) or the rows' box shows while it holds the step on show.
      form.querySelectorAll("[data-row], [data-rows]").forEach(function (el) { el.hidden = !el.contains(here); });
      form.querySelectorAll("[data-step-last]").forEach(function (el) { el.hidden = !final; });
      form.querySelectorAll("[data-no-steps]").forEach(function (el) { el.hidden = true; });
      count.textContent = "Langkah " + (current + 1) + " dari " + all.length;
      title.textContent = heading(here);
      bar.textContent = "";
      all.forEach(function (section, i) { bar.appendChild(make("li", i < current ? "done" : i === current ? "now" : "")); });
      back.hidden = current === 0;
      next.hidden = final;
      if (moveFocus) {
        title.focus({ preventScroll: true });
        status.scrollIntoView({ block: "start" });
      }
    }

    function showField(el, moveFocus) {
      var section = el.closest("section[data-step]");
      var index = section ? sections().indexOf(section) : -1;
      if (index >= 0 && (index !== current || section.hidden)) show(index, moveFocus);
    }

    // The member's name, as it is typed, in the step's title.
    form.addEventListener("input", function (event) {
      if (/-nama$/.test(event.target.name || "")) title.textContent = heading(sections()[current]);
    });
    back.addEventListener("click", function () { show(current - 1, true); });
    next.addEventListener("click", function () { show(current + 1, true); });
    // Enter in a field goes on to the next step instead of sending the form (or adding a row) half-way.
    form.addEventListener("keydown", function (event) {
      var el = event.target;
      if (event.key !== "Enter" || el.tagName !== "INPUT" || /^(submit|button|checkbox|radio)$/.test(el.type)) return;
      event.preventDefault();
      if (current < sections().length - 1) show(current + 1, true);
    });

    var opening = 0;
    if (document.querySelector(".error-summary")) {
      var wrong = form.querySelector(".has-error, .errors");
      var section = wrong && (wrong.closest("section[data-step]") ||
                              (wrong.closest("[data-row]") || form).querySelector("section[data-step]"));
      if (section) opening = sections().indexOf(section);
    }
    show(opening, false);
    return { show: show, showField: showField, last: function () { show(sections().length - 1, true); } };
  }

  Array.prototype.forEach.call(document.forms, function (form) {
    if (form.querySelector("section[data-step]")) form.pkkSteps = Steps(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-row]");
    if (button && button.form) {
      event.preventDefault();
      var row = addRow(button.form, button.getAttribute("data-add-row"));
      var steps = button.form.pkkSteps;
      if (row && steps) {
        steps.showField(row.querySelector("section[data-step]"), true);
      } else if (row) {
        row.querySelector("input:not([type=hidden]), select").focus();
      }
      return;
    }
    // A link of the error summary (or any link to a field) opens the step that holds the field first.
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    var target = link && document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    var form = target && target.closest("form");
    if (form && form.pkkSteps) form.pkkSteps.showField(target, false);
  });
})();
