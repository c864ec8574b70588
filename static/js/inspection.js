/* On-site acceptance: save an indicator's score as soon as it changes, without reloading.
 * Progressive enhancement only: every form posts normally when this script does not run.
 * The server answers requests marked "X-Requested-With: fetch" with JSON. */
(function () {
  "use strict";

  function show(form, text, isError) {
    var status = form.querySelector(".save-status");
    var error = form.querySelector(".field-error");
    if (isError) {
      if (error) { error.textContent = text; error.hidden = false; }
      if (status) { status.textContent = ""; }
      form.closest(".indicator") && form.closest(".indicator").classList.add("has-error");
    } else {
      if (error) { error.textContent = ""; error.hidden = true; }
      if (status) { status.textContent = text; }
      form.closest(".indicator") && form.closest(".indicator").classList.remove("has-error");
    }
    var input = form.querySelector("input[name=score]");
    if (input) { input.setAttribute("aria-invalid", isError ? "true" : "false"); }
  }

  // Saves can answer out of order; only the latest answer sets the page's progress.
  var lastSent = 0;

  // Without network (or behind changes still waiting) a change goes to the device's queue
  // (static/js/offline.js), which sends it through the API when the network is back.
  function offline() { return window.StarfireOffline || null; }

  function save(form) {
    if (offline() && offline().shouldQueue()) { return offline().queueScore(form); }
    var sent = ++lastSent;
    var status = form.querySelector(".save-status");
    if (status) { status.textContent = form.dataset.msgSaving || "…"; }
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body.ok) {
          show(form, body.message, false);
          if (body.version) { form.dataset.version = body.version; }
          var done = form.closest(".indicator");
          if (done) { done.classList.toggle("is-scored", body.score !== null); }
          var progress = document.querySelector("[data-progress]");
          if (progress && typeof body.scored === "number" && sent === lastSent) { progress.textContent = body.scored; }
          pointToNextUnscored();
        } else {
          show(form, body.error || form.dataset.msgOffline, true);
        }
      });
    }).catch(function () {
      if (offline()) { return offline().queueScore(form); }
      show(form, form.dataset.msgOffline, true);
    });
  }

  // "Next unscored" jumps to the first indicator without a score, after the one in view.
  function pointToNextUnscored() {
    var link = document.querySelector("[data-next-unscored]");
    if (!link) { return; }
    var open = document.querySelector(".indicator:not(.is-scored)");
    link.hidden = !open;
    if (open) { link.setAttribute("href", "#" + open.id); }
  }

  document.querySelectorAll("form.js-autosave").forEach(function (form) {
    var timer = null;
    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, 250);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      save(form);
    });
  });

  // A photo is uploaded as soon as it is taken (made smaller first, or kept on the device while
  // there is no network); the page reloads to show it.
  document.querySelectorAll("form.js-autoupload input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) { return; }
      if (offline()) { offline().photos(input); } else { input.form.submit(); }
    });
  });

  document.querySelectorAll("form.js-confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
