// Registration: a plain household has no tax code, so its field is hidden while "Household" is
// chosen. The server ignores the field for households; without script it shows and stays optional.
(function () {
  "use strict";

  function setupTaxCode() {
    var kind = document.getElementById("kind");
    var taxCode = document.getElementById("tax_code");
    if (!kind || !taxCode) return;
    var box = taxCode.closest(".field");
    function update() {
      box.hidden = kind.value === "household";
    }
    kind.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", setupTaxCode);
})();
