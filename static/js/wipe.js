/* Signed out: nothing of the inspector's work stays on this device — the offline queue
 * (IndexedDB), the kept pages and files (Cache Storage) and the service worker go. */
(function () {
  "use strict";
  var jobs = [];
  if (window.indexedDB) {
    jobs.push(new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase("starfire-offline");
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    }));
  }
  if (window.caches) {
    jobs.push(caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key.indexOf("starfire-") === 0; })
        .map(function (key) { return caches.delete(key); }));
    }));
  }
  if (navigator.serviceWorker) {
    jobs.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
      return Promise.all(registrations.map(function (r) { return r.unregister(); }));
    }));
  }
  Promise.all(jobs).catch(function () {}).then(function () {
    document.documentElement.dataset.wiped = "1";
  });
})();
