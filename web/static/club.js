// Week grid: with a mouse, press and drag over the half-hour cells to tick or clear a stretch at once.
// Touch and keyboard keep the checkboxes' own behaviour (tap or space toggles one cell, swiping scrolls).
// Without this script the cells are ordinary checkboxes, and the form works the same.
(function () {
  "use strict";
  function enhance(grid) {
    var painting = null; // the state being painted, or null when no button is held
    var pressed = false; // a mouse press set the cell, so its click must not toggle it back
    grid.classList.add("painting");
    grid.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "mouse" || event.target.type !== "checkbox") { return; }
      event.preventDefault();
      pressed = true;
      painting = !event.target.checked;
      event.target.checked = painting;
    });
    grid.addEventListener("pointerover", function (event) {
      if (painting !== null && event.target.type === "checkbox") { event.target.checked = painting; }
    });
    grid.addEventListener("click", function (event) {
      if (pressed && event.target.type === "checkbox") { event.preventDefault(); }
      pressed = false;
    });
    document.addEventListener("pointerup", function () { painting = null; });
    document.addEventListener("pointercancel", function () { painting = null; });
  }
  document.querySelectorAll("[data-week-grid]").forEach(enhance);
})();
