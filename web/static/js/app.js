// Tawasul's own script: the little the pages need beyond htmx. No inline
// script anywhere (the Content-Security-Policy allows only the origin's
// files), so behaviour is bound here, by data attributes.
"use strict";

// A canned answer from the FAQ bank goes into the answer box at the caret,
// for the coordinator to adapt before sending; focus returns to the box.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert]");
  if (!button) return;
  const box = document.getElementById(button.dataset.target);
  if (!box) return;
  const text = button.dataset.insert;
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  box.value = box.value.slice(0, start) + text + box.value.slice(end);
  box.focus();
  box.selectionStart = box.selectionEnd = start + text.length;
});
