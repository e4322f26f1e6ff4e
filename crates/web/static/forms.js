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

// While a subject is typed, the published FAQ entries like it (GET /api/v1/faq) are offered
// under the field, so many questions are answered before they are sent. Without JavaScript the
// review page (確認) offers them instead.
(function () {
  document.querySelectorAll('input[data-faq-suggest]').forEach(function (input) {
    var box = document.getElementById(input.getAttribute('data-faq-suggest'));
    if (!box) { return; }
    var list = box.querySelector('ul');
    var timer = null;
    var asked = '';
    function show(entries) {
      list.textContent = '';
      entries.slice(0, 5).forEach(function (entry) {
        var item = document.createElement('li');
        var link = document.createElement('a');
        link.href = entry.url;
        link.textContent = entry.question;
        link.target = '_blank';
        item.appendChild(link);
        list.appendChild(item);
      });
      box.hidden = entries.length === 0;
    }
    function ask() {
      var words = input.value.trim();
      if (words === asked) { return; }
      asked = words;
      if (words.length < 2) { show([]); return; }
      fetch('/api/v1/faq?q=' + encodeURIComponent(words), { headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (entries) { if (input.value.trim() === words) { show(entries); } })
        .catch(function () { show([]); });
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 300);
    });
    if (input.value.trim() !== '') { ask(); }
  });
})();

// A survey's conditional questions: a question with data-show-when="KEY:ANSWER" is shown only
// while question KEY has ANSWER chosen (and is itself shown). Hidden questions keep their inputs
// disabled, so what they held is not sent; the server drops such answers anyway. Each
// conditional question keeps saying when it applies (so a screen-reader user who meets it knows
// why it appeared); without JavaScript every question shows.
(function () {
  document.querySelectorAll('form[data-survey]').forEach(function (form) {
    var conditional = form.querySelectorAll('[data-show-when]');
    if (!conditional.length) { return; }
    function chosen(key, answer) {
      var inputs = form.querySelectorAll('input[name="q.' + key + '"]');
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i].checked && !inputs[i].disabled && inputs[i].value === answer) { return true; }
      }
      return false;
    }
    function update() {
      // In the survey's order, so a chain (A shows B shows C) settles in one pass.
      conditional.forEach(function (box) {
        var rule = box.getAttribute('data-show-when').split(':');
        var show = chosen(rule[0], rule[1]);
        box.hidden = !show;
        box.querySelectorAll('input, textarea').forEach(function (input) { input.disabled = !show; });
      });
    }
    form.addEventListener('change', update);
    update();
  });
})();
