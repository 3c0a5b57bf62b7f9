// Tells about a file larger than the library accepts before it is sent, and drops it from the
// form (the server checks too; this only spares a long upload).
(function () {
  "use strict";
  function size(bytes) {
    var units = ["KB", "MB", "GB"];
    var value = bytes / 1024;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return value.toFixed(1) + "\u00a0" + units[unit];
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var limit = Number(input.dataset.maxBytes);
    var note = document.createElement("p");
    note.className = "field-errors";
    note.setAttribute("role", "alert");
    note.hidden = true;
    input.insertAdjacentElement("afterend", note);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var tooLarge = Boolean(file && limit && file.size > limit);
      note.textContent = tooLarge
        ? input.dataset.tooLarge.replace("{size}", size(file.size))
            .replace("{limit}", input.dataset.limit || size(limit))
        : "";
      note.hidden = !tooLarge;
      if (tooLarge) { input.value = ""; }
    });
  });
})();
