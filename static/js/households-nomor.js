// NIK and No. KK checked as they are typed, on every entry page (templates/households/entry): the rules
// of households/validation.py with its messages, under the field (aria-describedby, aria-invalid).
// tests/browser/test_entry_steps.py compares this file's verdicts with validation.py's on a table of
// numbers. The server's check stays the one that counts, and some of it is the server's alone: the
// kecamatan warning, a number already registered, two members with one NIK. Inputs carry data-check
// ("nik" or "no_kk", households.forms.number_input); the page carries the official kabupaten/kota codes
// (data-kode-kabkota, households.validation.regency_codes_text).
(function () {
  "use strict";

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  // The kinds that refuse a value: "error", and "confirm" until the box "memang demikian" is ticked.
  var ERROR = "error", CONFIRM = "confirm";
  var regencies = null;

  // The official kabupaten/kota codes, which the page carries (data-kode-kabkota, from data/wilayah).
  function knownRegency(code) {
    if (regencies === null) {
      var holder = document.querySelector("[data-kode-kabkota]");
      if (!holder) return true; // a page without them leaves this rule to the server
      regencies = {};
      holder.getAttribute("data-kode-kabkota").split(" ").forEach(function (c) { regencies[c] = true; });
    }
    return regencies[code] === true;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function formatProblems(number, label) {
    if (!number || number.length !== 16 || !/^[0-9]+$/.test(number)) {
      return [{ kind: ERROR, message: label + " harus tepat 16 angka." }];
    }
    return [];
  }
  function areaProblems(number, label) {
    if (!knownRegency(number.slice(0, 4))) {
      return [{ kind: CONFIRM, message: "Empat angka pertama " + label + " (" + number.slice(0, 4) + ") bukan kode " +
        "kabupaten/kota yang dikenal. Periksa lagi, atau centang konfirmasi bila memang demikian tertulis di kartu." }];
    }
    return [];
  }
  // tanggalLahir: "YYYY-MM-DD" as a date input gives it (or ""); jenisKelamin: "L", "P" or "".
  function checkNik(nik, tanggalLahir, jenisKelamin) {
    var problems = formatProblems(nik, "NIK");
    if (problems.length) return problems;
    problems = areaProblems(nik, "NIK");
    var day = parseInt(nik.slice(6, 8), 10), month = parseInt(nik.slice(8, 10), 10), yy = parseInt(nik.slice(10, 12), 10);
    var female = day > 40;
    var realDay = female ? day - 40 : day;
    if (!(realDay >= 1 && realDay <= 31 && month >= 1 && month <= 12)) {
      problems.push({ kind: CONFIRM, message: "Bagian tanggal lahir pada NIK (angka ke-7 sampai ke-12) bukan tanggal yang sah." });
      return problems;
    }
    if ((jenisKelamin === "L" || jenisKelamin === "P") && female !== (jenisKelamin === "P")) {
      problems.push({ kind: CONFIRM,
        message: "NIK tidak cocok dengan jenis kelamin: untuk perempuan, tanggal lahir pada NIK ditambah 40." });
    }
    var born = /^(\d{4})-(\d{2})-(\d{2})$/.exec(tanggalLahir || "");
    var y = born ? parseInt(born[1], 10) : 0, m = born ? parseInt(born[2], 10) : 0, d = born ? parseInt(born[3], 10) : 0;
    var real = new Date(Date.UTC(2000, m - 1, d)); // a leap year: 29-02 is a date
    if (born && y >= 1 && real.getUTCMonth() === m - 1 && real.getUTCDate() === d &&
        !(m === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0)))) {
      if (realDay !== d || month !== m || yy !== y % 100) {
        problems.push({ kind: CONFIRM, message: "Tanggal lahir pada NIK (" + pad(realDay) + "-" + pad(month) + "-.." +
          pad(yy) + ") tidak sama dengan tanggal lahir yang diisi (" + born[3] + "-" + born[2] + "-" + born[1] + ")." });
      }
    }
    return problems;
  }
  function checkNoKk(noKk) {
    var problems = formatProblems(noKk, "No. KK");
    if (problems.length) return problems;
    problems = areaProblems(noKk, "No. KK");
    var day = parseInt(noKk.slice(6, 8), 10), month = parseInt(noKk.slice(8, 10), 10);
    if (!(day >= 1 && day <= 31 && month >= 1 && month <= 12)) {
      problems.push({ kind: CONFIRM, message: "Bagian tanggal terbit pada No. KK (angka ke-7 sampai ke-12) tidak sah." });
    }
    return problems;
  }
  // forms.digits_only: the card's spaces, dots and dashes are not part of the number.
  function digitsOnly(value) { return (value || "").replace(/[ .-]/g, ""); }
  window.pkkNomor = { nik: checkNik, noKk: checkNoKk, digitsOnly: digitsOnly };

  function sibling(input, name) {
    var prefix = input.name.slice(0, input.name.lastIndexOf(input.getAttribute("data-check") === "nik" ? "nik" : "no_kk"));
    return input.form.querySelectorAll('[name="' + prefix + name + '"]');
  }
  function siblingValue(input, name) {
    var els = sibling(input, name);
    for (var i = 0; i < els.length; i++) {
      if (els[i].type !== "radio" || els[i].checked) return els[i].type === "checkbox" ? els[i].checked : els[i].value;
    }
    return "";
  }

  function check(input) {
    var number = digitsOnly(input.value);
    var box = document.getElementById(input.id + "_check");
    if (!box) {
      box = make("div", "live-check");
      box.id = input.id + "_check";
      box.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", box);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      input.setAttribute("aria-describedby", described.concat(box.id).join(" "));
    }
    var problems = [];
    if (number) {
      var nik = input.getAttribute("data-check") === "nik";
      problems = nik ? checkNik(number, siblingValue(input, "tanggal_lahir"), siblingValue(input, "jenis_kelamin"))
        : checkNoKk(number);
      var confirmed = siblingValue(input, nik ? "nik_dikonfirmasi" : "no_kk_dikonfirmasi") === true;
      problems = problems.filter(function (p) { return p.kind === ERROR || (p.kind === CONFIRM && !confirmed); });
    }
    box.textContent = "";
    problems.forEach(function (p) { box.appendChild(make("p", "error", p.message)); });
    if (problems.length) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    var field = input.closest(".field");
    if (field) field.classList.toggle("has-error", problems.length > 0);
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.getAttribute || !input.getAttribute("data-check")) return;
    input.pkkEdited = true;
    var old = document.getElementById(input.id + "_error"); // the server's message was about the old value
    if (old) old.hidden = true;
    var shown = document.getElementById(input.id + "_check");
    if (digitsOnly(input.value).length >= 16 || (shown && shown.textContent)) check(input);
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.name || !el.form) return;
    if (el.getAttribute("data-check")) { if (el.pkkEdited) check(el); return; }
    // The birth date, the sex or the confirmation box of a row: its NIK is judged again.
    var match = /^(.*)(tanggal_lahir|jenis_kelamin|nik_dikonfirmasi|no_kk_dikonfirmasi)$/.exec(el.name);
    if (!match) return;
    el.form.querySelectorAll('[name="' + match[1] + 'nik"], [name="' + match[1] + 'no_kk"]').forEach(function (input) {
      if (input.pkkEdited) check(input);
    });
  });
})();
