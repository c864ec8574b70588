// Every page: a <select data-autosubmit> sends its form as soon as it changes (committee, language,
// year, cycle). Without JavaScript the form's <noscript> button does the same.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
})();
