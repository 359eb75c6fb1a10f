// The comparison page: Enter in the variant's name adds the variant, as the button beside it
// does, rather than the form's first button (comparing the rules). Without JavaScript the
// buttons work as they are.
(function () {
  "use strict";
  var name = document.getElementById("variant_name");
  var add = document.querySelector('button[name="action"][value="add"]');
  if (!name || !add) { return; }
  name.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      add.click();
    }
  });
})();
