// Follow an export job while it is queued or running: update the bar, then show the download link.
// Without this script the page's refresh link does the same.
(function () {
  var box = document.getElementById("export-job");
  if (!box) return;
  var url = box.dataset.statusUrl, state = box.dataset.state;
  if (!url || (state !== "queued" && state !== "running")) return;
  var bar = document.getElementById("export-progress"), count = document.getElementById("export-count");
  var label = document.getElementById("export-state"), tries = 0;
  function show(data) {
    label.textContent = data.label;
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    count.textContent = data.total ? data.done + " / " + data.total : "";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        show(data);
        if (data.state === "done" || data.state === "failed" || data.state === "expired") {
          window.location.reload();
          return;
        }
        if (++tries < 600) setTimeout(poll, tries < 10 ? 1000 : 3000);
      })
      .catch(function () { if (++tries < 600) setTimeout(poll, 5000); });
  }
  setTimeout(poll, 800);
})();
