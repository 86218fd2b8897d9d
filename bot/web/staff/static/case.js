// The reply box's counter: characters, and how many SMS segments the reply costs. The
// character sets come from the server (flows/gsm.py), so there is one list of them.
// GSM-7 text takes 160 characters in one SMS, 153 per part when split; anything else (curly
// quotes, emoji) is sent as UCS-2: 70, then 67 per part. A character is never split.
(function () {
  "use strict";
  var box = document.getElementById("text");
  var counter = document.getElementById("counter");
  if (!box || !counter) { return; }
  var basic = box.getAttribute("data-gsm") || "";
  var extended = box.getAttribute("data-gsm-extended") || "";

  function units(text) {
    var chars = Array.from(text), gsm = true, i;
    for (i = 0; i < chars.length; i += 1) {
      if (basic.indexOf(chars[i]) < 0 && extended.indexOf(chars[i]) < 0) { gsm = false; break; }
    }
    return {
      gsm: gsm,
      sizes: chars.map(function (ch) {
        if (gsm) { return extended.indexOf(ch) >= 0 ? 2 : 1; }
        return ch.length;  // UTF-16 code units: two for an emoji
      })
    };
  }

  function segments(text) {
    var u = units(text), single = u.gsm ? 160 : 70, multi = u.gsm ? 153 : 67;
    var total = u.sizes.reduce(function (a, b) { return a + b; }, 0);
    if (total <= single) { return 1; }
    var count = 1, used = 0;
    u.sizes.forEach(function (size) {
      if (used + size > multi) { count += 1; used = 0; }
      used += size;
    });
    return count;
  }

  function update() {
    var text = box.value.trim(), n = Array.from(text).length, parts = segments(text);
    var note = units(text).gsm ? "" : " (special characters make each SMS shorter)";
    counter.textContent = n + " characters, " + parts + " SMS" + note;
  }
  box.addEventListener("input", update);
  update();
})();
