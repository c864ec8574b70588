// Self-assessment: save each indicator as soon as it changes, and update the progress without a reload.
// Without this script every indicator form still posts and comes back to its anchor.
(function () {
  "use strict";
  var root = document.getElementById("self-assessment");
  if (!root || !window.fetch || !window.FormData) { return; }

  function setStatus(form, text, cls) {
    var el = form.querySelector(".save-status");
    if (el) { el.textContent = text; el.className = "save-status " + (cls || ""); }
  }

  function showProgress(body) {
    var bar = document.getElementById("progress-bar");
    var text = document.getElementById("progress-text");
    if (bar) { bar.value = body.done; bar.max = body.total; }
    if (text) { text.textContent = body.progress_text; }
    var estimate = document.getElementById("estimate-text");
    if (estimate && body.estimate_text) { estimate.textContent = body.estimate_text; }
    var list = document.getElementById("missing-list");
    if (list && body.missing) {
      list.textContent = "";
      body.missing.forEach(function (m) {
        var li = document.createElement("li");
        li.textContent = m;
        list.appendChild(li);
      });
      var none = document.getElementById("missing-none");
      var intro = document.getElementById("missing-intro");
      if (none) { none.hidden = body.missing.length > 0; }
      if (intro) { intro.hidden = body.missing.length === 0; }
    }
  }

  function save(form) {
    var data = new FormData(form);
    var error = form.querySelector(".errorlist");
    setStatus(form, root.dataset.saving);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      var article = form.closest(".indicator");
      if (result.ok && result.body.ok) {
        setStatus(form, root.dataset.saved, "ok");
        if (error) { error.textContent = ""; }
        if (article) { article.classList.toggle("done", result.body.indicator_done); }
        showProgress(result.body);
      } else {
        setStatus(form, "", "");
        if (error) { error.textContent = result.body.error || root.dataset.failed; }
      }
    }).catch(function () {
      setStatus(form, root.dataset.failed, "bad");
    });
  }

  Array.prototype.forEach.call(root.querySelectorAll("form.score-form"), function (form) {
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(form); });
  });
})();
