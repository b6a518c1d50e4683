/**
 * The dashboard page's only script, served as `/dashboard.js` (no library: EventSource does the
 * work). It listens to the server's events and swaps a section's content when its data changed,
 * keeping which `<details>` were open. The content it swaps in was rendered and escaped on the
 * server, like the static page; the script never builds markup from data itself.
 *
 * Kept as plain browser JavaScript in a string: it runs in the page, not in Node.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var live = document.getElementById('live');
  var updates = 0;
  var source = null;

  function sections() {
    return Array.prototype.slice.call(document.querySelectorAll('section[data-section]'));
  }

  function known() {
    var query = new URLSearchParams();
    sections().forEach(function (s) { query.set(s.getAttribute('data-section'), s.getAttribute('data-fingerprint') || ''); });
    return query.toString();
  }

  function setStatus(text, stale) {
    live.textContent = text;
    live.className = stale ? 'stale' : '';
  }

  function apply(message) {
    var section = sections().filter(function (s) { return s.getAttribute('data-section') === message.name; })[0];
    if (!section) return;
    var content = section.querySelector('.content');
    var open = Array.prototype.map.call(content.querySelectorAll('details'), function (d) { return d.open; });
    content.innerHTML = message.html;
    Array.prototype.forEach.call(content.querySelectorAll('details'), function (d, i) { if (i < open.length) d.open = open[i]; });
    section.setAttribute('data-fingerprint', message.fingerprint);
    section.classList.add('updated');
    setTimeout(function () { section.classList.remove('updated'); }, 1200);
    updates += 1;
    document.body.setAttribute('data-updates', String(updates));
  }

  function connect() {
    source = new EventSource('/events?' + known());
    source.addEventListener('section', function (event) { apply(JSON.parse(event.data)); });
    source.addEventListener('status', function (event) {
      var status = JSON.parse(event.data);
      setStatus(' \\u00b7 live: ' + status.text, !status.ok);
    });
    source.onerror = function () {
      setStatus(' \\u00b7 reconnecting to the dashboard\\u2026', true);
      source.close();
      setTimeout(connect, 1000);
    };
  }

  setStatus(' \\u00b7 connecting\\u2026', false);
  connect();
})();
`;
