/* Logging out wipes what this device keeps (static/js/wipe.js), among it the inspector's changes
 * not yet sent (the queue of static/js/offline.js). Changes still being saved are settled first
 * (static/js/inspection.js and offline.js: a change waiting for the pause is saved at once, saves
 * on their way end, online or in the queue). With changes then waiting, the inspector is told how
 * many before anything goes, and chooses: stay and let them be sent, or log out anyway. A device
 * that cannot tell (within a few seconds) asks the same, with a general warning.
 * With nothing waiting, or without this script, the logout goes as it always did.
 * The words come from the page (data-msg-* attributes of #logout-guard, translated by the server). */
(function () {
  "use strict";

  var dialog = document.getElementById("logout-guard");
  var form = document.querySelector("form[data-logout]");
  if (!dialog || !form || !window.Promise || typeof dialog.showModal !== "function") { return; }
  var D = dialog.dataset;
  var LIMIT_MS = 5000;
  var title = dialog.querySelector("#logout-guard-title");
  var titleText = title.textContent;

  // Resolves once the page's saves have ended (rejects when one may be lost); pages without
  // saves of their own have nothing to settle.
  function settled() {
    var inspection = window.StarfireInspection;
    var offline = window.StarfireOffline;
    return Promise.resolve(inspection && inspection.settled ? inspection.settled() : undefined)
      .then(function () { return offline && offline.settled ? offline.settled() : undefined; });
  }

  // How many of this user's changes wait in the device's queue, or null when the device cannot
  // tell; opening never creates the database (none means nothing waits).
  function waiting() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(0); return; }  // nothing can have been kept
      var none = false;
      var request;
      try { request = indexedDB.open("starfire-offline"); } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () { none = true; request.transaction.abort(); };
      request.onerror = function (event) {
        if (event.preventDefault) { event.preventDefault(); }
        resolve(none ? 0 : null);
      };
      request.onsuccess = function () {
        var database = request.result;
        if (!database.objectStoreNames.contains("queue")) { database.close(); resolve(0); return; }
        var all;
        try {
          all = database.transaction("queue", "readonly").objectStore("queue").getAll();
        } catch (e) { database.close(); resolve(null); return; }
        all.onsuccess = function () {
          database.close();
          resolve(all.result.filter(function (item) { return String(item.user) === D.user; }).length);
        };
        all.onerror = function () { database.close(); resolve(null); };
      };
    });
  }

  // The count after the saves settled, or null when either could not be known in time.
  function count() {
    var late = new Promise(function (resolve) { setTimeout(function () { resolve(null); }, LIMIT_MS); });
    var known = settled().then(waiting, function () { return null; });
    return Promise.race([known, late]);
  }

  function leave() {
    if (dialog.open) { dialog.close(); }
    form.submit();  // not through the submit event: the inspector has chosen
  }

  var looking = false;  // a second click while the saves settle and the queue is read does nothing more
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (looking) { return; }
    looking = true;
    count().then(function (n) {
      looking = false;
      if (n === 0) { leave(); return; }
      title.textContent = n === null ? D.titleUnknown : titleText;
      dialog.querySelector("[data-logout-waiting]").textContent = n === null ? D.msgUnknown
        : (n === 1 ? D.msgOne : D.msgOther).replace("%(n)s", String(n));
      if (!dialog.open) { dialog.showModal(); }  // focus goes to its first choice, staying
    });
  });

  // Staying: on an inspection page the changes are sent from here; elsewhere, from the list.
  dialog.querySelector("[data-logout-stay]").addEventListener("click", function () {
    dialog.close();
    var box = document.getElementById("offline-box");
    if (window.StarfireOffline && box) {
      box.hidden = false;
      box.scrollIntoView();
      window.StarfireOffline.sync();
    } else {
      window.location.href = D.stayUrl;
    }
  });
  dialog.querySelector("[data-logout-anyway]").addEventListener("click", leave);
})();
