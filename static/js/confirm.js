// A form with data-confirm asks before it is sent (Content-Security-Policy allows no inline handlers).
// Without JavaScript the form is sent as it is.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
