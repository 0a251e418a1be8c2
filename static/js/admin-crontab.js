// Admin, periodic task form (django-celery-beat): says the chosen crontab schedule in words under
// the field, as the package's own inline script did. Started by app.js from data-module="crontab-in-words".
(function (M) {
  "use strict";

  M.register("crontab-in-words", function (el) {
    var readable = M.data("readable-crontabs") || {};
    var select = document.getElementById("id_crontab");
    var help = document.querySelector(".field-crontab .help");
    var translation = document.querySelector(".field-crontab_translation");
    if (translation) { translation.style.display = "none"; }
    if (!select || !help) { return; }
    select.addEventListener("change", function () {
      var words = readable[select.value];
      help.textContent = el.dataset.help;
      if (words) { help.appendChild(M.el("div", {}, ["Translation: " + words])); }
    });
  });
})(window.Missions);
