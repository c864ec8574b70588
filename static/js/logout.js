/* Logging out wipes what this device keeps (static/js/wipe.js), among it the inspector's changes
 * not yet sent (the queue of static/js/offline.js). With changes still waiting, the inspector is
 * told how many before anything goes, and chooses: stay and let them be sent, or log out anyway.
 * With nothing waiting, or without this script, the logout goes as it always did.
 * The words come from the page (data-msg-* attributes of #logout-guard, translated by the server). */
(function () {
  "use strict";

  var dialog = document.getElementById("logout-guard");
  var form = document.querySelector("form[data-logout]");
  if (!dialog || !form || !window.indexedDB || !window.Promise || typeof dialog.showModal !== "function") { return; }
  var D = dialog.dataset;

  // How many of this user's changes wait in the device's queue; opening never creates the database.
  // A device that cannot tell (within a few seconds) logs out as it did before this question.
  function waiting() {
    return new Promise(function (resolve) {
      setTimeout(function () { resolve(0); }, 5000);
      var request;
      try { request = indexedDB.open("starfire-offline"); } catch (e) { resolve(0); return; }
      request.onupgradeneeded = function () { request.transaction.abort(); };  // none on this device
      request.onerror = function (event) { if (event.preventDefault) { event.preventDefault(); } resolve(0); };
      request.onsuccess = function () {
        var database = request.result;
        if (!database.objectStoreNames.contains("queue")) { database.close(); resolve(0); return; }
        var all = database.transaction("queue", "readonly").objectStore("queue").getAll();
        all.onsuccess = function () {
          database.close();
          resolve(all.result.filter(function (item) { return String(item.user) === D.user; }).length);
        };
        all.onerror = function () { database.close(); resolve(0); };
      };
    });
  }

  function leave() {
    if (dialog.open) { dialog.close(); }
    form.submit();  // not through the submit event: the inspector has chosen
  }

  var looking = false;  // a second click while the queue is read does nothing more
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (looking) { return; }
    looking = true;
    waiting().then(function (n) {
      looking = false;
      if (!n) { leave(); return; }
      dialog.querySelector("[data-logout-waiting]").textContent =
        (n === 1 ? D.msgOne : D.msgOther).replace("%(n)s", String(n));
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
