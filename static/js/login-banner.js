// The sign-in button stays disabled until the system-use notice is accepted. The server checks the
// box too (accounts.forms); this only saves a round trip.
(function () {
  "use strict";
  var form = document.querySelector("form[data-banner-form]");
  if (!form) { return; }
  var consent = form.querySelector("input[name=accept_banner]");
  var submit = form.querySelector("button[type=submit]");
  function sync() { submit.disabled = !consent.checked; }
  consent.addEventListener("change", sync);
  sync();
})();
