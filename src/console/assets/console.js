// The console's only script: live numbers on pages that ask for them (data-live="URL"), by
// polling a JSON answer every two seconds, as Sidekiq's dashboard does. Pages work without it.
(function () {
  'use strict';
  function poll(element) {
    var url = element.getAttribute('data-live');
    var stop = false;
    function tick() {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) return;
          Object.keys(data.fields || {}).forEach(function (name) {
            var target = element.querySelector('[data-field="' + name + '"]');
            if (target) target.textContent = String(data.fields[name]);
          });
          if (data.done) stop = true;
        })
        .catch(function () {
          /* the next tick tries again */
        })
        .then(function () {
          if (!stop) setTimeout(tick, 2000);
        });
    }
    tick();
  }
  document.querySelectorAll('[data-live]').forEach(poll);
})();
