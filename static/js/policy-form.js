// Policy form: show only the fields of the chosen rule type (issue 6). A separate file because the CSP allows
// scripts from 'self' only. Without JavaScript every field stays visible with the hint "fill in the fields of
// the chosen rule only", and the server ignores the fields of the other rule types (form_data).
(function () {
  "use strict";
  var select = document.getElementById("rule_type");
  if (!select) {
    return;
  }
  var groups = document.querySelectorAll("[data-rule-type]");
  var hint = document.getElementById("rule-hint");
  function show() {
    for (var i = 0; i < groups.length; i++) {
      var active = groups[i].getAttribute("data-rule-type") === select.value;
      groups[i].hidden = !active;
      // Hidden fields are not sent: a stale value of another rule type cannot confuse the reader later.
      var inputs = groups[i].querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) {
        inputs[j].disabled = !active;
      }
    }
    if (hint) {
      hint.hidden = true;
    }
  }
  select.addEventListener("change", show);
  show();
})();
