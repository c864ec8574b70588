// Poll the tally run while it is queued or running, then reload to show the new figures.
(function () {
  var status = document.getElementById("tally-status");
  if (!status) return;
  var url = status.dataset.statusUrl, state = status.dataset.state;
  if (!url || (state !== "queued" && state !== "running")) return;
  var tries = 0;
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      if (data.state === "done" || data.state === "failed") { window.location.reload(); return; }
      status.querySelector("strong").textContent = data.label;
      if (++tries < 120) setTimeout(poll, 1000);
    }).catch(function () { if (++tries < 120) setTimeout(poll, 2000); });
  }
  setTimeout(poll, 800);
})();
