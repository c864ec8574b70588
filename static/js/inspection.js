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

  // Saves can answer out of order; only the answer to a form's latest change is shown.
  var latest = 0;

  // Without network (or behind changes still waiting) a change goes to the device's queue
  // (static/js/offline.js), which sends it through the API when the network is back.
  function offline() { return window.StarfireOffline || null; }

  function save(form) {
    var sent = ++latest;
    form.dataset.sent = String(sent);
    if (offline() && offline().shouldQueue()) { return offline().queueScore(form); }
    var current = function () { return form.dataset.sent === String(sent); };
    var status = form.querySelector(".save-status");
    if (status) { status.textContent = form.dataset.msgSaving || "…"; }
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!current()) { return; }
        if (response.ok && body.ok) {
          show(form, body.message, false);
          if (body.version) { form.dataset.version = body.version; }
          var done = form.closest(".indicator");
          if (done) { done.classList.toggle("is-scored", body.score !== null); }
        } else {
          show(form, body.error || form.dataset.msgOffline, true);
        }
      });
    }).catch(function () {
      if (!current()) { return; }
      if (offline()) { return offline().queueScore(form); }
      show(form, form.dataset.msgOffline, true);
    });
  }

  // What the page says about the indicators left follows the ones marked scored, whoever marked
  // them (a save here, or a change kept on the device by offline.js): the count, the "next
  // unscored" link and the sign-off's warning with its list. The server renders the same, so the
  // page says it without this script too; the words come from the page (data-texts holds the
  // warning for each count, in the page's language).
  function showProgress() {
    var sections = Array.prototype.slice.call(document.querySelectorAll(".indicator"));
    var open = sections.filter(function (s) { return !s.classList.contains("is-scored"); });
    var progress = document.querySelector("[data-progress]");
    if (progress) { progress.textContent = String(sections.length - open.length); }
    var link = document.querySelector("[data-next-unscored]");
    if (link) {
      link.hidden = !open.length;
      if (open.length) { link.setAttribute("href", "#" + open[0].id); }
    }
    var warning = document.querySelector("[data-unscored-warning]");
    if (!warning) { return; }
    warning.hidden = !open.length;
    if (!open.length) { return; }
    var texts = JSON.parse(warning.dataset.texts || "[]");
    warning.querySelector("[data-unscored-count]").textContent = texts[open.length - 1] || "";
    var list = warning.querySelector("[data-unscored-list]");
    list.textContent = "";
    open.forEach(function (section, n) {
      if (n) { list.appendChild(document.createTextNode(warning.dataset.separator || "")); }
      var a = document.createElement("a");
      a.href = "#" + section.id;
      a.textContent = section.dataset.code || "";
      list.appendChild(a);
    });
  }

  if (window.MutationObserver) {
    var watch = new MutationObserver(showProgress);
    document.querySelectorAll(".indicator").forEach(function (section) {
      watch.observe(section, { attributes: true, attributeFilter: ["class"] });
    });
  }

  // Saves on their way (a request, or a change being written to the device's queue), and the
  // changes still waiting for the pause before they are saved: a logout (static/js/logout.js)
  // settles them first, so that no change made just before it is lost unasked.
  var saving = [];
  var due = [];
  function track(promise) {
    saving.push(promise);
    var done = function () { saving.splice(saving.indexOf(promise), 1); };
    promise.then(done, done);
    return promise;
  }
  // Saves every change now, then resolves once every save has ended (answered, or kept in the
  // device's queue); rejects when one of them could not end so (a change that may be lost).
  function settled() {
    due.slice().forEach(function (now) { now(); });
    var failed = false;
    function wait() {
      if (!saving.length) { return failed ? Promise.reject(new Error("not saved")) : Promise.resolve(); }
      return Promise.all(saving.map(function (p) {
        return p.then(null, function () { failed = true; });
      })).then(wait);
    }
    return wait();
  }

  document.querySelectorAll("form.js-autosave").forEach(function (form) {
    var timer = null;
    function now() {
      clearTimeout(timer);
      if (due.indexOf(now) >= 0) { due.splice(due.indexOf(now), 1); }
      return track(Promise.resolve(save(form)));
    }
    form.addEventListener("change", function () {
      clearTimeout(timer);
      if (due.indexOf(now) < 0) { due.push(now); }
      timer = setTimeout(now, 250);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      now();
    });
  });

  window.StarfireInspection = { settled: settled };

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
