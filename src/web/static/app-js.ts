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
// Live scores on data-entry forms (src/web/forms/live-scores.ts): the scoring rule's data comes in a
// <script type="application/json">; the server scores again on save and the page shows that score.
// The rules are plain functions of the rule's data and the values picked (live-scores.test.ts runs
// them against the server's scoring).
function liveNumber(v) {
  if (v === undefined || !/^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/.test(v)) return null;
  return Number(v);
}
// ODI v2.1a: sum / (5 x sections answered) x 100; the highest ticked box of a section counts.
function liveOdi(r, picked) {
  var sum = 0;
  var answered = 0;
  r.sections.forEach(function (s) {
    var best = null;
    picked(s.field).forEach(function (code) {
      var v = s.scores[code];
      if (typeof v === 'number' && (best === null || v > best)) best = v;
    });
    if (best !== null) {
      sum += best;
      answered += 1;
    }
  });
  var missing = r.sections.length - answered;
  if (answered === 0) return { value: null, text: 'not scored: no section answered' };
  if (missing > r.maxMissing) {
    return { value: null, text: 'not scored: ' + missing + ' sections missing (at most ' + r.maxMissing + ' may be)' };
  }
  var pct = (sum / (5 * answered)) * 100;
  return {
    value: pct,
    text: Math.round(pct * 10) / 10 + '% (' + answered + ' of ' + r.sections.length + ' sections answered)',
  };
}
// MME/day = daily dose x the protocol table's factor; a patch's daily dose is its rate.
function liveMme(r, picked) {
  var drug = picked(r.fields.drug)[0];
  if (!drug) return { value: null, text: 'choose a drug' };
  var cls = r.classes[drug];
  if (cls === 'non_opioid') return { value: 0, text: '0 MME/day (not an opioid)' };
  if (cls === 'opioid_no_factor') return { value: null, text: 'not computed: no MME factor for this drug' };
  var strength = liveNumber(picked(r.fields.strength)[0]);
  if (strength === null) return { value: null, text: 'enter the strength' };
  var daily = strength;
  if (picked(r.fields.unit)[0] !== r.rateUnit) {
    var perDay = liveNumber(picked(r.fields.perDay)[0]);
    if (perDay === null) return { value: null, text: 'enter the doses per day' };
    daily = Math.round(strength * perDay * 1e6) / 1e6;
  }
  var factor = r.factors[drug];
  if (typeof factor !== 'number') {
    return { value: null, text: 'computed on save (the factor depends on the daily dose)' };
  }
  var mme = Math.round(daily * factor * 100) / 100;
  return { value: mme, text: mme + ' MME/day (' + r.table + ')' };
}
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-live-score]').forEach(function (box) {
    var data = document.getElementById(box.getAttribute('data-live-score'));
    var out = box.querySelector('output');
    var form = box.closest('form');
    if (!data || !out || !form) return;
    var rule = JSON.parse(data.textContent);
    function picked(name) {
      var values = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) return;
        if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) return;
        if (el.value.trim() !== '') values.push(el.value.trim());
      });
      return values;
    }
    function update() {
      var result = rule.rule === 'odi' ? liveOdi(rule, picked) : rule.rule === 'mme' ? liveMme(rule, picked) : null;
      out.textContent = result ? result.text : '';
    }
    form.addEventListener('input', update);
    form.addEventListener('change', update);
    update();
  });
});
`;
