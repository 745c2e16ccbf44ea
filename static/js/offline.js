// Nothing typed is lost on a phone with a bad signal (issue 12). Without JavaScript every form posts as
// before; with it:
// - every entry form (a form with a kirim_id: household, keluarga, member, pregnancy, birth) keeps a draft
//   in this phone's storage as it is typed, restored when the page is opened again, and dropped once the
//   server has taken the form (it answered with another page);
// - "Simpan" without a connection keeps the submission on the phone ("tersimpan di HP, akan dikirim saat
//   ada sinyal"); the waiting list is sent when the connection returns, each item once (its kirim_id: the
//   server saves a form key once, issue 11), and each shows its outcome at /antrian/;
// - the service worker (/sw.js) keeps the pages and files needed to open these forms without a connection.
// Drafts and the queue are kept per account (data-user on <body>), never sent for another account.
(function () {
  "use strict";
  var body = document.body;
  var user = body && body.getAttribute("data-user");
  if (!user || !window.localStorage) { return; }
  var PREFIX = "pkk:" + user + ":";
  var QUEUE = PREFIX + "antrian";
  var SENT = PREFIX + "terkirim";
  var SKIP = { csrfmiddlewaretoken: true, kirim_id: true };

  function read(key, fallback) {
    try { var v = JSON.parse(localStorage.getItem(key)); return v === null ? fallback : v; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function fields(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit" || el.type === "button") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { if (o.selected) { out.push([el.name, o.value]); } });
        return;
      }
      out.push([el.name, el.value]);
    });
    return out;
  }
  function notice(text, kind) {
    var main = document.querySelector("main");
    if (!main) { return null; }
    var box = document.createElement("div");
    box.className = "msg " + (kind || "msg-warning") + " offline-notice";
    box.setAttribute("role", "status");
    box.textContent = text;
    main.insertBefore(box, main.firstChild);
    return box;
  }
  function entryForms() {
    return Array.prototype.filter.call(document.forms, function (f) {
      return f.method.toLowerCase() === "post" && f.querySelector('input[name="kirim_id"]');
    });
  }
  // The draft of the n-th entry form of a page (antrian.js writes one back to let an item be fixed).
  function draftKey(form) { return PREFIX + "draf:" + location.pathname + "#" + entryForms().indexOf(form); }

  // -- the queue ------------------------------------------------------------------------------------
  function queue() { return read(QUEUE, []); }
  function showCount() {
    var waiting = queue().filter(function (i) { return i.status !== "tersimpan"; }).length;
    var link = document.getElementById("antrian-link");
    if (link) {
      link.hidden = waiting === 0;
      link.textContent = "Antrian HP (" + waiting + ")";
    }
  }
  var sending = false;
  function sendQueue() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    var items = queue();
    var chain = Promise.resolve();
    items.forEach(function (item) {
      if (item.status === "tersimpan") { return; }
      chain = chain.then(function () {
        var data = new URLSearchParams();
        item.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
        return fetch(item.url, { method: "POST", body: data, credentials: "same-origin", redirect: "follow",
                                 headers: { "X-Antrian-HP": "1" } })
          .then(function (response) {
            var landed = new URL(response.url, location.href).pathname;
            if (landed.indexOf("/masuk/") === 0) {
              item.status = "perlu masuk"; item.message = "Masuk lagi dengan akun ini, lalu antrian dikirim.";
            } else if (response.redirected && landed !== new URL(item.url, location.href).pathname) {
              item.status = "tersimpan"; item.message = ""; item.result = landed;
            } else if (response.ok) {
              return response.text().then(function (html) {
                var doc = new DOMParser().parseFromString(html, "text/html");
                var summary = doc.querySelector(".error-summary");
                item.status = "perlu diperbaiki";
                item.message = summary ? summary.innerText.replace(/\s+/g, " ").trim() : "Periksa lagi isian formulir ini.";
              });
            } else {
              item.status = "gagal"; item.message = "Server menjawab " + response.status + ": dicoba lagi nanti.";
            }
          })
          .catch(function () { item.status = "menunggu"; })
          .then(function () {
            var all = queue();
            all.forEach(function (other, i) { if (other.id === item.id) { all[i] = item; } });
            write(QUEUE, all);
          });
      });
    });
    return chain.then(function () { sending = false; showCount(); document.dispatchEvent(new Event("antrian-berubah")); });
  }
  window.pkkAntrian = {
    items: queue,
    send: sendQueue,
    write: function (items) { write(QUEUE, items); showCount(); },
    // An item the server refused goes back to its form as a draft, to be fixed and saved again.
    reopen: function (item) {
      var path = new URL(item.url, location.href).pathname;
      write(PREFIX + "draf:" + path + "#0", { fields: item.fields.filter(function (p) { return !SKIP[p[0]]; }), at: Date.now() });
      write(QUEUE, queue().filter(function (other) { return other.id !== item.id; }));
      location.href = path;
    },
  };

  // -- drafts and the offline submit ----------------------------------------------------------------
  var lastSent = read(SENT, null);
  var justPosted = false;
  if (lastSent) {
    // The previous page posted a form: another page now means the server took it; the same page again
    // means it came back (with its messages, or a row added) showing what was posted: the draft stays,
    // and is not laid over the page.
    if (lastSent.path !== location.pathname) { localStorage.removeItem(lastSent.key); } else { justPosted = true; }
    localStorage.removeItem(SENT);
  }
  entryForms().forEach(function (form) {
    var keyField = form.querySelector('input[name="kirim_id"]');
    // A page opened from the phone's copy carries an old key: every opening gets its own.
    keyField.value = randomKey();
    var key = draftKey(form);
    var draft = read(key, null);
    var returnedWithErrors = document.querySelector(".error-summary");
    // Restored once the page's own scripts have run (they are deferred like this one, and all run before
    // DOMContentLoaded): the event "pkk:draf" lets the page make the rows the draft holds first
    // (households-entry.js adds the member rows added on the phone).
    if (draft && !returnedWithErrors && !justPosted) { document.addEventListener("DOMContentLoaded", restore); }
    function restore() {
      form.dispatchEvent(new CustomEvent("pkk:draf", { bubbles: true, detail: { fields: draft.fields } }));
      draft.fields.forEach(function (pair) {
        var els = form.querySelectorAll('[name="' + pair[0].replace(/"/g, "") + '"]');
        Array.prototype.forEach.call(els, function (el) {
          if (SKIP[el.name] || el.type === "hidden" && /TOTAL_FORMS|INITIAL_FORMS/.test(el.name)) { return; }
          if (el.type === "checkbox" || el.type === "radio") { el.checked = el.value === pair[1]; }
          else if (el.type !== "file") { el.value = pair[1]; }
          el.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
      var box = notice("Isian yang belum tersimpan dipulihkan dari HP ini. ");
      if (box) {
        var drop = document.createElement("button");
        drop.type = "button"; drop.className = "linklike-inline"; drop.textContent = "Buang isian ini";
        drop.addEventListener("click", function () { localStorage.removeItem(key); location.reload(); });
        box.appendChild(drop);
      }
    }
    function save() {
      write(key, { fields: fields(form).filter(function (p) { return !SKIP[p[0]]; }), at: Date.now() });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      save();
      var submitter = event.submitter;
      var data = fields(form);
      if (submitter && submitter.name) { data.push([submitter.name, submitter.value]); }
      if (navigator.onLine) {
        write(SENT, { key: key, path: location.pathname });
        return;
      }
      event.preventDefault();
      if (submitter && submitter.name && submitter.name.indexOf("tambah") !== -1) {
        notice("Menambah baris perlu sinyal. Isian Anda tetap tersimpan di HP; isi baris yang ada lalu Simpan.");
        return;
      }
      var items = queue();
      var title = (document.querySelector("h1") || {}).textContent || "Formulir";
      items.push({ id: randomKey(), url: form.action || location.href, fields: data, title: title.trim(),
                   at: new Date().toISOString(), status: "menunggu", message: "" });
      if (!write(QUEUE, items)) {
        notice("HP penuh: isian tidak dapat disimpan di HP. Jangan tutup halaman ini sampai ada sinyal.", "msg-error");
        return;
      }
      localStorage.removeItem(key);
      keyField.value = randomKey();
      form.reset();
      showCount();
      notice("Tidak ada sinyal: tersimpan di HP, akan dikirim saat ada sinyal. Lihat Antrian HP di atas.");
      window.scrollTo(0, 0);
    });
  });

  // A logout clears the phone's copies of pages (they may carry names); drafts and the queue stay with
  // the account and are sent when it logs in again.
  Array.prototype.forEach.call(document.querySelectorAll('form[action$="/keluar/"]'), function (form) {
    form.addEventListener("submit", function () {
      if (window.caches) { caches.delete("pkk-halaman"); }
    });
  });

  window.addEventListener("online", sendQueue);
  showCount();
  sendQueue();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the forms work without it */ });
  }
})();
