// Follows a solver run: polls its JSON progress and opens the proposal when it is ready.
// Without JavaScript the page still works: reloading it shows the same figures.
(function () {
  "use strict";
  var box = document.getElementById("run");
  if (!box || !box.dataset.poll || box.dataset.state === "done" || box.dataset.state === "failed") { return; }
  var reload = document.getElementById("run-reload");
  if (reload) { reload.hidden = true; }

  function show(run) {
    var fill = (run.progress && run.progress.fill) || 0;
    document.getElementById("run-state").textContent = run.state_label;
    document.getElementById("run-progress").value = fill;
    document.getElementById("run-fill").textContent = Math.round(fill * 100) + " %";
    document.getElementById("run-seconds").textContent = (run.progress && run.progress.seconds) || 0;
  }

  function poll() {
    fetch(box.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (run) {
        show(run);
        if (run.state === "done" && run.schedule_id) {
          window.location.assign(box.dataset.done.replace(/0$/, String(run.schedule_id)));
        } else if (run.state === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { if (reload) { reload.hidden = false; } });
  }
  window.setTimeout(poll, 500);
}());
