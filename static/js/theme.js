// Day and night themes: the device's preference (prefers-color-scheme) unless the person chose
// light or dark with the toggle in the top bar; the choice stays on this device (localStorage).
// Loaded in <head> after app.js, so the theme is on <html> before the page is drawn (no white flash).
// Pages and maps listen for "missions:theme" to redraw colours read from CSS (Missions.statusColour).

(function (M) {
  "use strict";

  var CHOICE_KEY = "missions.theme";
  var CHOICES = ["auto", "light", "dark"];
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  M.themeChoice = function () {
    var stored = null;
    try { stored = localStorage.getItem(CHOICE_KEY); } catch (e) { /* storage off: follow the device */ }
    return CHOICES.indexOf(stored) >= 0 ? stored : "auto";
  };

  // The theme in use: "light" or "dark".
  M.theme = function () { return document.documentElement.dataset.theme || "light"; };

  function apply() {
    var choice = M.themeChoice();
    var dark = choice === "dark" || (choice === "auto" && !!darkQuery && darkQuery.matches);
    var theme = dark ? "dark" : "light";
    var root = document.documentElement;
    root.dataset.themeChoice = choice;
    if (root.dataset.theme !== theme) {
      root.dataset.theme = theme;
      document.dispatchEvent(new CustomEvent("missions:theme", { detail: { theme: theme } }));
    }
  }

  M.setThemeChoice = function (choice) {
    try { localStorage.setItem(CHOICE_KEY, choice); } catch (e) { /* this page only */ }
    apply();
  };

  apply();
  if (darkQuery) {
    if (darkQuery.addEventListener) { darkQuery.addEventListener("change", apply); }
    else if (darkQuery.addListener) { darkQuery.addListener(apply); }
  }
  window.addEventListener("storage", function (e) { if (e.key === CHOICE_KEY) { apply(); } });

  // <select data-module="theme-toggle"> with options auto / light / dark.
  M.register("theme-toggle", function (select) {
    select.value = M.themeChoice();
    select.addEventListener("change", function () { M.setThemeChoice(select.value); });
    document.addEventListener("missions:theme", function () { select.value = M.themeChoice(); });
  });

  // The top bar's menu button on narrow screens: opens and closes the links (CSS shows them wide).
  M.register("site-menu", function (button) {
    var bar = button.closest(".topbar");
    button.addEventListener("click", function () {
      var open = !bar.classList.contains("open");
      bar.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})(window.Missions);
