// The sign-in buttons stay disabled until the system-use notice is accepted. The server checks the
// box too (accounts.forms; the single sign-on start asks for accept_banner=on), this only saves a
// round trip. The "Sign in with <provider>" form carries the consent in its hidden field.
(function () {
  "use strict";
  var form = document.querySelector("form[data-banner-form]");
  if (!form) { return; }
  var consent = form.querySelector("input[name=accept_banner]");
  var submit = form.querySelector("button[type=submit]");
  var ssoConsent = document.querySelector("input[data-sso-consent]");
  var ssoSubmit = document.querySelector("button[data-sso-sign-in]");
  function sync() {
    submit.disabled = !consent.checked;
    if (ssoConsent) { ssoConsent.value = consent.checked ? "on" : ""; }
    if (ssoSubmit) { ssoSubmit.disabled = !consent.checked; }
  }
  consent.addEventListener("change", sync);
  sync();
})();
