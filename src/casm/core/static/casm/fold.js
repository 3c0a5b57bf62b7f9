// On a phone, long filter forms start folded (a <details data-fold-on-phone>), so that what
// they filter comes first; their summary stays, to unfold them. Without JavaScript they stay open.
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 40rem)").matches) { return; }
  document.querySelectorAll("details[data-fold-on-phone]").forEach(function (details) {
    details.open = false;
  });
})();
