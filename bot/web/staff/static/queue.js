// Keeps the queue page current without reloading: when the server says the queue changed,
// fetch the page again and swap in its table and title. Without JavaScript the page still
// works; it just needs refreshing by hand.
(function () {
  "use strict";
  if (!window.EventSource || !window.DOMParser) { return; }
  var events = new EventSource("/queue/events");
  events.addEventListener("signed-out", function () {
    events.close();
    window.location.assign("/login");
  });
  events.addEventListener("changed", function () {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var list = fresh.getElementById("queue-list");
        if (list) { document.getElementById("queue-list").replaceWith(list); }
        document.title = fresh.title;
      });
  });
})();
