// A dossier's receipt: the button prints it (the browser's own dialog, to paper or to a PDF).
"use strict";
document.getElementById("print").addEventListener("click", () => window.print());
