// Starts ReDoc on the service's own specification, without its search worker.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-spec-url"), {
    disableSearch: true,
    hideDownloadButton: false,
    expandResponses: "200,201"
  }, root);
})();
