// A print button for pages meant to be printed (the enterprise's inspection QR code). A file, not an inline
// handler: the CSP allows scripts from 'self' only. Without JavaScript the button stays hidden and the page
// still tells the reader to print it.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () {
      window.print();
    });
  }
})();
