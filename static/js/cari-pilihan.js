// A long list of names to choose from on a phone (the mother on the pregnancy and birth forms, the
// person on the death form) gets a search box above it. A <select data-cari="Cari ibu"> (the label of
// the box; reports.forms_events.WargaChoiceField) keeps only the options whose text holds every word
// typed, in any order: the name, the age, the RT and the address, letter case and accents ignored.
// The select stays the field that is sent; the option chosen stays in the list whatever is typed, and
// when one name is left it is chosen. Without JavaScript the plain select works as before.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    var field = select.closest(".field") || select;
    var items = Array.prototype.map.call(select.options, function (option) {
      return { option: option, text: fold(option.text) };
    });
    var names = items.filter(function (item) { return item.option.value !== ""; }).length;
    var id = select.id + "_cari";
    var hint = "Ketik sebagian nama, RT atau alamat: daftar di bawah hanya menampilkan yang cocok.";

    var box = document.createElement("div");
    box.className = "field cari-pilihan";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = select.getAttribute("data-cari");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("enterkeyhint", "search");
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("aria-describedby", id + "_hasil");
    var status = document.createElement("p");
    status.id = id + "_hasil";
    status.className = "help";
    status.setAttribute("role", "status");
    status.textContent = hint;
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    field.parentNode.insertBefore(box, field);

    function filter() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var found = [];
      var kept = document.createDocumentFragment();
      items.forEach(function (item) {
        var option = item.option;
        var hit = option.value !== "" && words.every(function (word) { return item.text.indexOf(word) !== -1; });
        if (hit) { found.push(option); }
        // The empty choice and the chosen name stay, so that nothing changes without being asked.
        if (hit || option.value === "" || option.value === chosen) { kept.appendChild(option); }
      });
      select.textContent = "";
      select.appendChild(kept);
      select.value = chosen;
      if (!words.length) {
        status.textContent = hint;
        return;
      }
      if (found.length === 1 && found[0].value !== chosen) {
        select.value = found[0].value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      if (found.length === 1) {
        status.textContent = "1 nama cocok dan dipilih: " + found[0].text + ".";
      } else if (found.length) {
        status.textContent = found.length + " dari " + names + " nama cocok: pilih di daftar di bawah.";
      } else {
        status.textContent = "Tidak ada nama yang cocok dengan “" + input.value.trim() + "”.";
      }
    }

    input.addEventListener("input", filter);
    // Enter in the box goes to the list instead of sending the form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-cari]"), enhance);
})();
