// A wide table in its scrolling box (.table-scroll) opens at its column marked data-mulai instead of
// its first: on a phone the completeness table (templates/reports/kelengkapan.html) opens at its latest
// month that is over, that column at the box's right edge and the months before it to its left; the
// months keep their order (oldest first, then Jumlah), as on a desktop and on paper. A box the table
// fits in does not move. Without JavaScript the table opens at its first column and is swiped.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".table-scroll [data-mulai]"), function (cell) {
    var box = cell.closest(".table-scroll");
    var boxRight = box.getBoundingClientRect().left + box.clientLeft + box.clientWidth;
    var past = cell.getBoundingClientRect().right - boxRight;
    if (past > 0) { box.scrollLeft += Math.ceil(past); }
  });
})();
