// A button with data-print prints the page (the handover slips). Without JavaScript the browser's own
// print command does the same.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
