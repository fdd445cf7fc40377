// Progressive enhancement of the filing form: show the level as impacts are chosen.
// Without JavaScript the level is computed when the form is submitted.
(function () {
  var form = document.getElementById("filing");
  var out = document.getElementById("live-level");
  if (!form || !out) return;
  var english = document.documentElement.lang === "en";
  function impacts() {
    var list = [];
    form.querySelectorAll("select.impact").forEach(function (s) {
      if (!s.value) return;
      var parts = s.name.replace(/^impact_/, "").split("_");
      var kind = parts.shift();
      list.push({ kind: kind, asset: parts.join("_"), severe: s.value === "severe" });
    });
    return list;
  }
  function update() {
    var body = JSON.stringify({ impacts: impacts() });
    fetch("/api/v1/classify", { method: "POST", headers: { "content-type": "application/json" }, body: body })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (res.ok) {
          var label = english ? "Level " + res.j.level : "第" + "〇一二三四"[res.j.level] + "級";
          out.textContent = label + " — " + (english ? res.j.rule.en : res.j.rule.zh);
          out.dataset.level = res.j.level;
        } else {
          out.textContent = res.j.error;
          delete out.dataset.level;
        }
      })
      .catch(function () {});
  }
  form.querySelectorAll("select.impact").forEach(function (s) { s.addEventListener("change", update); });
})();
