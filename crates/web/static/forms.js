// Sends a form once: after the first submit its buttons are disabled — a moment later, once the
// browser has read which button was pressed — so a double click on 送信する does not send the
// application twice. Coming back to the page (the Back button) enables them again.
(function () {
  var forms = document.querySelectorAll('form[data-send-once]');
  function buttons(form) {
    return form.querySelectorAll('button[type=submit], input[type=submit]');
  }
  forms.forEach(function (form) {
    form.addEventListener('submit', function () {
      setTimeout(function () {
        buttons(form).forEach(function (button) { button.disabled = true; });
        form.setAttribute('aria-busy', 'true');
      }, 0);
    });
  });
  window.addEventListener('pageshow', function () {
    forms.forEach(function (form) {
      buttons(form).forEach(function (button) { button.disabled = false; });
      form.removeAttribute('aria-busy');
    });
  });
})();
