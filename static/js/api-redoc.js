// Starts Redoc on the API's documentation page (templates/api/redoc.html) with the schema's
// address from this script's tag. Redoc adds its styles as <style> elements: they carry this
// script's nonce, which the page's Content-Security-Policy allows for styles.
(function () {
  "use strict";
  var script = document.currentScript;
  Redoc.init(script.dataset.schemaUrl, { nonce: script.nonce }, document.getElementById("redoc"));
})();
