// Actions an officer took without network (start, complete, report), kept on this device until the
// server has them. The queue belongs to the signed-in user (its storage key holds the user id): a
// colleague signing in on the same MDT neither sends nor sees it. Each action keeps its
// Idempotency-Key and time, so a resend after a lost answer runs once. Sign-in problems (401, an
// expired CSRF token or second factor) keep the action for after the next sign-in; a refusal on the
// merits (400, 403 out of scope, 404, 409 another device first, 422) drops it with the server's reason.

(function (M) {
  "use strict";

  var KEY_PREFIX = "missions.offlineQueue.user.";
  var AUTH_REFUSAL = /CSRF|second factor|credentials|sign in/i;

  M.OfflineQueue = function (userId) { this.storageKey = KEY_PREFIX + userId; };

  // Whether an answer means "sign in again" rather than "no".
  M.OfflineQueue.isAuthError = function (response) {
    return response.status === 401 ||
      (response.status === 403 && AUTH_REFUSAL.test((response.data && response.data.detail) || ""));
  };

  var proto = M.OfflineQueue.prototype;

  proto.items = function () {
    try { return JSON.parse(localStorage.getItem(this.storageKey) || "[]"); } catch (e) { return []; }
  };

  proto.save = function (items) {
    if (items.length) { localStorage.setItem(this.storageKey, JSON.stringify(items)); }
    else { localStorage.removeItem(this.storageKey); }
  };

  // item: {key, path, body, mission, action}; the time it was saved is added.
  proto.add = function (item) {
    var items = this.items();
    item.savedAt = new Date().toISOString();
    items.push(item);
    this.save(items);
    return items.length;
  };

  proto.forMission = function (missionId) {
    return this.items().filter(function (item) { return item.mission === missionId; });
  };

  proto.remove = function (key) {
    this.save(this.items().filter(function (item) { return item.key !== key; }));
  };

  // Send the actions in the order they were taken with post(path, body, key) → {status, data}
  // (rejecting when there is no network). Stops at the first that cannot go now. Resolves to
  // {sent, refused: [{item, detail}], waiting, authNeeded, offline}.
  proto.flush = function (post) {
    var queue = this;
    var result = { sent: 0, refused: [], waiting: 0, authNeeded: false, offline: false };
    function next() {
      var items = queue.items();
      result.waiting = items.length;
      if (!items.length) { return Promise.resolve(result); }
      var item = items[0];
      return post(item.path, item.body, item.key).then(function (r) {
        if (M.OfflineQueue.isAuthError(r)) { result.authNeeded = true; return result; }
        if (r.status >= 500) { result.offline = true; return result; }  // the server's trouble: later
        queue.remove(item.key);
        if (r.status >= 200 && r.status < 300) { result.sent += 1; }
        else { result.refused.push({ item: item, detail: (r.data && r.data.detail) || ("HTTP " + r.status) }); }
        return next();
      }, function () { result.offline = true; return result; });
    }
    return next();
  };
})(window.Missions);
