/* The inspector's work without signal: changes kept on the device (IndexedDB) and sent through
 * the API, in order and with the version each was based on, when the network is there.
 * Messages come from the page (data-msg-* attributes of #offline-box, translated by the server).
 * A change leaves the device only after the server confirmed it; a conflict, a withdrawn
 * assignment or a refusal is shown until the inspector resolves or discards it. */
(function () {
  "use strict";

  var box = document.getElementById("offline-box");
  if (!box || !window.indexedDB || !window.Promise) { return; }
  var D = box.dataset;
  var USER = D.user;
  var ASSIGNMENT = D.assignment ? Number(D.assignment) : null;
  var DB_NAME = "starfire-offline";
  var PAGES_PREFIX = "starfire-pages-";
  var MAX_SIDE = 1600;
  var pendingHere = 0;

  function fmt(text, values) {
    return (text || "").replace(/%\((\w+)\)s/g, function (m, key) {
      return values[key] === undefined || values[key] === null ? "—" : String(values[key]);
    });
  }

  // --- IndexedDB: "queue" (the changes, in the order made) and "meta" (whose device this is) ----
  var opened = null;
  function db() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
          request.result.createObjectStore("meta", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }
  function tx(store, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var t = database.transaction(store, mode);
        var request = work(t.objectStore(store));
        t.oncomplete = function () { resolve(request ? request.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function items() { return tx("queue", "readonly", function (s) { return s.getAll(); }); }
  function save(item) { return tx("queue", "readwrite", function (s) { return s.put(item); }); }
  function drop(id) { return tx("queue", "readwrite", function (s) { return s.delete(id); }); }
  // Read, change and write one entry in one transaction (the inspector may have changed it since
  // it was read); `change` returns the entry to keep, or null to remove it.
  function update(id, change) {
    return tx("queue", "readwrite", function (s) {
      var request = s.get(id);
      request.onsuccess = function () {
        if (!request.result) { return; }
        var kept = change(request.result);
        if (kept) { s.put(kept); } else { s.delete(id); }
      };
      return null;
    });
  }

  function dropPages(keepUser) {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf(PAGES_PREFIX) === 0 && key !== PAGES_PREFIX + keepUser;
      }).map(function (key) { return caches.delete(key); }));
    });
  }

  // The device keeps one inspector's work: another user's is wiped before anything else.
  var ready = tx("meta", "readonly", function (s) { return s.get("user"); }).then(function (found) {
    if (found && found.value === USER) { return; }
    return tx("queue", "readwrite", function (s) { return s.clear(); })
      .then(function () { return dropPages(USER); })
      .then(function () { return tx("meta", "readwrite", function (s) { return s.put({ key: "user", value: USER }); }); });
  });

  // --- the page -------------------------------------------------------------------------
  function formFor(indicator) {
    var input = document.querySelector("form.js-autosave input[name=indicator][value='" + indicator + "']");
    return input ? input.form : null;
  }
  function status(form, text) {
    var el = form && form.querySelector(".save-status");
    if (el) { el.textContent = text; }
  }
  function fill(form, score, finding) {
    form.querySelector("input[name=score]").value = score === null || score === undefined ? "" : score;
    form.querySelector("textarea[name=finding]").value = finding || "";
  }
  // The page's count, "next unscored" link and sign-off warning follow (static/js/inspection.js).
  function markScored(form, scored) {
    var section = form.closest(".indicator");
    if (section) { section.classList.toggle("is-scored", scored); }
  }
  function say(text, isAlert) {
    var el = document.getElementById("offline-message");
    if (!el) { return; }
    el.textContent = text;
    el.hidden = !text;
    el.classList.toggle("errors", !!isAlert);
    if (text) { box.hidden = false; }
  }

  function button(text, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = text;
    b.addEventListener("click", action);
    return b;
  }

  function problemLine(item) {
    var li = document.createElement("li");
    li.className = "offline-problem";
    li.dataset.state = item.state;
    var text = document.createElement("span");
    var what = { code: item.code, name: item.name };
    if (item.state === "conflict") {
      var current = item.current || {};
      text.textContent = fmt(D.msgConflict, {
        code: item.code, mine: item.score === "" ? null : item.score, theirs: current.score
      });
      li.appendChild(text);
      li.appendChild(button(D.msgKeepMine, function () { keepMine(item); }));
      li.appendChild(button(D.msgTakeTheirs, function () { takeTheirs(item); }));
      return li;
    }
    text.textContent = item.state === "withdrawn" ? fmt(D.msgWithdrawn, what)
      : fmt(D.msgRefused, { code: item.code, error: item.error || "" });
    li.appendChild(text);
    li.appendChild(button(D.msgDiscard, function () { drop(item.id).then(refresh); }));
    return li;
  }

  // The queue indicator, the problems to resolve, and the pending values put back on the page.
  function refresh() {
    return items().then(function (all) {
      var mine = all.filter(function (i) { return i.user === USER; });
      var waiting = mine.length;
      pendingHere = mine.filter(function (i) { return i.assignment === ASSIGNMENT; }).length;
      var counter = document.getElementById("offline-queue");
      counter.dataset.count = String(waiting);
      counter.textContent = waiting === 0 ? "" : fmt(waiting === 1 ? D.msgWaitingOne : D.msgWaitingOther, { n: waiting });
      counter.hidden = waiting === 0;
      var problems = document.getElementById("offline-problems");
      problems.textContent = "";
      var photos = {};
      mine.forEach(function (item) {
        if (item.state !== "pending") { problems.appendChild(problemLine(item)); }
        if (item.assignment !== ASSIGNMENT) { return; }
        if (item.kind === "score") {
          var form = formFor(item.indicator);
          if (form && !form.contains(document.activeElement)) {
            fill(form, item.score, item.finding);
            status(form, D.msgQueued);
          }
          // A change kept on this device counts as made, also on a page kept from before it.
          if (form) { markScored(form, item.score !== ""); }
        } else {
          (photos[item.indicator] = photos[item.indicator] || []).push(item.name);
        }
      });
      document.querySelectorAll("[data-queued-photos]").forEach(function (el) {
        var names = photos[el.dataset.queuedPhotos] || [];
        el.textContent = names.length ? fmt(D.msgPhotosQueued, { n: names.length, names: names.join("、") }) : "";
        el.hidden = !names.length;
      });
      problems.hidden = !problems.childNodes.length;
      box.hidden = waiting === 0 && navigator.onLine && document.getElementById("offline-message").hidden;
      if (!navigator.onLine) { say(D.msgOffline, false); }
      return waiting;
    });
  }

  // --- capture ---------------------------------------------------------------------------
  // Changes being written to the queue: a logout (static/js/logout.js) waits for them before it
  // counts what waits. `settled` resolves once none is being written, and rejects when one of
  // them failed (a change that may be lost).
  var writing = [];
  function written(promise) {
    writing.push(promise);
    var done = function () { writing.splice(writing.indexOf(promise), 1); };
    promise.then(done, done);
    return promise;
  }
  function settled() {
    var failed = false;
    function wait() {
      if (!writing.length) { return failed ? Promise.reject(new Error("not kept")) : Promise.resolve(); }
      return Promise.all(writing.map(function (p) {
        return p.then(null, function () { failed = true; });
      })).then(wait);
    }
    return wait();
  }

  // Resolves once the change is in the queue; showing it and sending it follow.
  function queueScore(form) {
    var indicator = Number(form.querySelector("input[name=indicator]").value);
    var score = form.querySelector("input[name=score]").value.trim();
    var finding = form.querySelector("textarea[name=finding]").value;
    var kept = written(ready.then(items).then(function (all) {
      // A later change of an indicator still waiting replaces it (same place, same base version).
      var same = all.filter(function (i) {
        return i.user === USER && i.kind === "score" && i.assignment === ASSIGNMENT && i.indicator === indicator;
      })[0];
      var item = same || {
        kind: "score", user: USER, assignment: ASSIGNMENT, indicator: indicator,
        code: form.dataset.code, version: form.dataset.version, state: "pending"
      };
      item.score = score;
      item.finding = finding;
      return save(item);
    }));
    kept.then(function () {
      status(form, D.msgQueued);
      markScored(form, score !== "");
      return refresh();
    }).then(sync);
    return kept;
  }

  function resize(file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });  // not decodable here: the server checks it
  }

  // Photos are made smaller on the device; without network (or behind waiting changes) they wait
  // in the queue, otherwise the form sends the smaller files.
  function photos(input) {
    var files = Array.prototype.slice.call(input.files || []);
    var indicator = Number(input.form.querySelector("input[name=indicator]").value);
    var code = input.form.dataset.code;
    var kept = written(Promise.all(files.map(resize)).then(function (small) {
      if (navigator.onLine && pendingHere === 0 && window.DataTransfer) {
        var list = new DataTransfer();
        small.forEach(function (f) { list.items.add(f); });
        input.files = list.files;
        input.form.submit();
        return false;
      }
      return ready.then(function () {
        return small.reduce(function (done, file) {
          return done.then(function () {
            return save({ kind: "photo", user: USER, assignment: ASSIGNMENT, indicator: indicator, code: code,
                          blob: file, name: file.name, state: "pending" });
          });
        }, Promise.resolve());
      }).then(function () { input.value = ""; return true; });
    }));
    return kept.then(function (queued) { return queued ? refresh().then(sync) : undefined; });
  }

  // --- sync ------------------------------------------------------------------------------
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function api(url, options) {
    options.credentials = "same-origin";
    options.headers = options.headers || {};
    options.headers["X-CSRFToken"] = csrf();
    options.headers.Accept = "application/json";
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, ok: response.ok, body: body };
      });
    });
  }

  function confirmed(item, body) {
    if (item.assignment !== ASSIGNMENT) { return; }
    var form = formFor(item.indicator);
    if (!form) { return; }
    if (item.kind === "score") {
      form.dataset.version = body.version;
      markScored(form, body.score !== null && body.score !== undefined);
      status(form, D.msgSynced);
    }
  }

  // Send one change; resolves true to go on with the next, false to stop (no network, no session).
  function send(item) {
    var root = D.apiInspections + item.assignment + "/";
    var request;
    if (item.kind === "score") {
      request = api(root + "scores/" + item.indicator + "/", {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ score: item.score === "" ? null : item.score, finding: item.finding, version: item.version })
      });
    } else {
      var body = new FormData();
      body.append("indicator", String(item.indicator));
      body.append("file", item.blob, item.name);
      request = api(root + "photos/", { method: "POST", body: body });
    }
    return request.then(function (answer) {
      if (answer.ok) {
        confirmed(item, answer.body);
        // Changed again while it was on its way: the newer value waits, based on the new version.
        return update(item.id, function (stored) {
          if (item.kind !== "score" || (stored.score === item.score && stored.finding === item.finding)) { return null; }
          stored.version = answer.body.version;
          return stored;
        }).then(function () { return true; });
      }
      var detail = answer.body.detail || "";
      if (answer.status === 401 || answer.status === 429 || answer.status >= 500 ||
          (answer.status === 403 && /CSRF/.test(detail))) {
        say(D.msgSyncLater, true);
        return false;
      }
      var errors = answer.body.errors || {};
      var first = Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(" "); })[0];
      return update(item.id, function (stored) {
        if (answer.status === 409 && answer.body.code === "conflict") {
          stored.state = "conflict";
          stored.current = answer.body.current;
        } else if (answer.status === 404 || answer.status === 403) {
          stored.state = "withdrawn";
        } else {
          stored.state = "refused";
          stored.error = first || detail;
        }
        return stored;
      }).then(function () { return true; });
    }, function () { return false; });
  }

  // Assignments that ended (no longer in the inspector's list) are no longer kept on the device:
  // their pages are dropped; their changes are shown as withdrawn until the inspector discards them.
  function dropEnded() {
    // the visits still open (not signed off, the submission still accepted); with more than a
    // page of them the device cannot tell which ended, and keeps everything
    return api(D.apiInspections + "?open=true&page_size=200", { method: "GET" }).then(function (answer) {
      if (!answer.ok || !answer.body.results || answer.body.next) { return; }
      var live = {};
      answer.body.results.forEach(function (a) { live[a.id] = true; });
      var pages = window.caches ? caches.open(PAGES_PREFIX + USER).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (request) {
            var m = /\/(\d+)\/$/.exec(new URL(request.url).pathname);
            if (m && !live[m[1]]) { return cache.delete(request); }
          }));
        });
      }) : Promise.resolve();
      return pages.then(items).then(function (all) {
        return Promise.all(all.filter(function (i) { return i.state === "pending" && !live[i.assignment]; })
          .map(function (i) {
            return update(i.id, function (stored) { stored.state = "withdrawn"; return stored; });
          }));
      });
    }, function () { /* no network: nothing to learn */ });
  }

  var syncing = null;
  function sync() {
    if (syncing) { return syncing.then(function () { return syncing || sync(); }); }
    if (!navigator.onLine) { return refresh(); }
    syncing = ready.then(items).then(function (all) {
      var waiting = all.filter(function (i) { return i.user === USER && i.state === "pending"; });
      if (!waiting.length) { return true; }
      return dropEnded().then(items).then(function (fresh) {
        return fresh.filter(function (i) { return i.user === USER && i.state === "pending"; });
      });
    }).then(function (waiting) {
      if (waiting === true) { return "nothing"; }
      return waiting.reduce(function (go, item) {
        return go.then(function (ok) { return ok ? send(item) : false; });
      }, Promise.resolve(true));
    }).catch(function () { return false; }).then(function (ok) {
      syncing = null;
      return refresh().then(function (left) {
        if (ok === true && navigator.onLine) { say(left ? "" : D.msgAllSynced, false); }
      });
    });
    return syncing;
  }

  function keepMine(item) {
    update(item.id, function (stored) {
      stored.version = (stored.current || {}).version;
      stored.state = "pending";
      delete stored.current;
      return stored;
    }).then(refresh).then(sync);
  }
  function takeTheirs(item) {
    var current = item.current || {};
    var form = item.assignment === ASSIGNMENT ? formFor(item.indicator) : null;
    drop(item.id).then(function () {
      if (form) {
        fill(form, current.score, current.finding);
        form.dataset.version = current.version;
        markScored(form, current.score !== null && current.score !== undefined);
        status(form, D.msgSynced);
      }
      return refresh();
    });
  }

  // --- sign-off needs the server, and every change confirmed ----------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("#sign-off")) { return; }
    var refusal = !navigator.onLine ? D.msgSignOffOffline : (pendingHere > 0 ? D.msgSignOffWaiting : "");
    if (refusal) {
      event.preventDefault();
      event.stopPropagation();
      say(refusal, true);
      box.hidden = false;
      box.scrollIntoView();
    }
  }, true);

  // --- keeping the pages: the service worker -------------------------------------------------
  // Done once the inspector pauses (QUIET_MS without a save), so that it never competes with
  // their saves on a weak connection.
  var QUIET_MS = 2000;
  var keepTimer = null;
  var kept = false;
  function keepWhenQuiet() {
    if (kept) { return; }
    clearTimeout(keepTimer);
    keepTimer = setTimeout(function () { kept = true; keepPages(); }, QUIET_MS);
  }
  function keepPages() {
    if (!navigator.serviceWorker || !D.sw) { return; }
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kept") { document.documentElement.dataset.offlineReady = "1"; }
    });
    navigator.serviceWorker.register(D.sw, { scope: D.scope }).catch(function () {});
    // A visit's page is kept by the worker as it comes through it; only the list (the app's
    // start page) asks for more, so that a visit's page never competes with its own saves.
    if (ASSIGNMENT) {
      if (navigator.serviceWorker.controller) { document.documentElement.dataset.offlineReady = "1"; }
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      var urls = [location.pathname];
      if (D.listUrl !== location.pathname) { urls.push(D.listUrl); }
      var visits = document.querySelectorAll("a[data-visit]");
      visits.forEach(function (a) { urls.push(a.getAttribute("href")); });
      // The list names every open visit: any other kept visit has ended and is dropped.
      registration.active.postMessage({ type: "keep", user: USER, urls: urls, prune: !ASSIGNMENT });
    });
  }

  window.StarfireOffline = {
    // Whether a change must go to the queue rather than straight to the page's form.
    shouldQueue: function () { keepWhenQuiet(); return !navigator.onLine || pendingHere > 0; },
    queueScore: queueScore,
    photos: photos,
    sync: sync,
    settled: settled
  };

  window.addEventListener("online", function () { say("", false); sync(); });
  window.addEventListener("offline", function () { refresh(); });
  ready.then(refresh).then(function (waiting) { return waiting ? sync() : undefined; });
  keepWhenQuiet();
})();
