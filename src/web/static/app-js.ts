/**
 * The staff application's progressive script, served at /static/app.js. Every page works without it;
 * features register here by data attribute (e.g. live scores on forms).
 */
export const APP_JS = `
"use strict";
document.addEventListener('DOMContentLoaded', function () {
  // Confirm buttons that end something (sign out is not one of them).
  document.querySelectorAll('[data-confirm]').forEach(function (el) {
    el.addEventListener('click', function (event) {
      if (!window.confirm(el.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
});
`;
