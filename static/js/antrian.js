// The waiting list on this phone (/antrian/): each queued form with its outcome (offline.js sends them).
(function () {
  "use strict";
  var list = document.getElementById("daftar-antrian");
  var button = document.getElementById("kirim-sekarang");
  if (!list || !window.pkkAntrian) { return; }
  var LABELS = { menunggu: "menunggu sinyal", tersimpan: "tersimpan", "perlu diperbaiki": "perlu diperbaiki",
                 "perlu masuk": "perlu masuk lagi", gagal: "gagal, dicoba lagi" };
  function draw() {
    var items = window.pkkAntrian.items();
    list.textContent = "";
    if (!items.length) {
      var empty = document.createElement("li"); empty.className = "muted"; empty.textContent = "Tidak ada yang menunggu.";
      list.appendChild(empty); return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "antrian-item";
      li.setAttribute("data-status", item.status);
      var head = document.createElement("strong"); head.textContent = item.title;
      var badge = document.createElement("span");
      badge.className = "badge" + (item.status === "tersimpan" ? " ok" : item.status === "perlu diperbaiki" ? " warn" : "");
      badge.textContent = LABELS[item.status] || item.status;
      var when = document.createElement("div"); when.className = "muted small";
      when.textContent = new Date(item.at).toLocaleString("id-ID");
      li.appendChild(head); li.appendChild(document.createTextNode(" ")); li.appendChild(badge); li.appendChild(when);
      if (item.message) { var msg = document.createElement("p"); msg.className = "small"; msg.textContent = item.message; li.appendChild(msg); }
      if (item.status === "tersimpan" && item.result) {
        var open = document.createElement("a"); open.href = item.result; open.textContent = "Buka hasilnya"; li.appendChild(open);
      }
      if (item.status === "perlu diperbaiki") {
        var fix = document.createElement("button");
        fix.type = "button"; fix.className = "btn small"; fix.textContent = "Perbaiki isian";
        fix.addEventListener("click", function () { window.pkkAntrian.reopen(item); });
        li.appendChild(fix);
      }
      if (item.status === "tersimpan" || item.status === "perlu diperbaiki") {
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "linklike-inline"; remove.textContent = " Hapus dari daftar";
        remove.addEventListener("click", function () {
          window.pkkAntrian.write(window.pkkAntrian.items().filter(function (other) { return other.id !== item.id; }));
          draw();
        });
        li.appendChild(remove);
      }
      list.appendChild(li);
    });
  }
  button.addEventListener("click", function () { window.pkkAntrian.send().then(draw); });
  document.addEventListener("antrian-berubah", draw);
  draw();
})();
