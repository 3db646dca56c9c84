/* ayuda.js — progressive enhancement for the default theme (vanilla, no build, no external
   requests). Everything works without it. Parts: root language pick, search combobox
   (ARIA 1.2, /api/suggest), ticket form (suggestions, page field), article feedback, tables, copy buttons. */
(function () {
  'use strict';
  var d = document;
  var reduce = !!(window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches);
  function $$(sel, root) { return Array.prototype.slice.call((root || d).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // A suggester: GET /api/suggest; `done` gets the hits, or [] on any failure.
  // Each suggester drops its own stale answers; cancel() drops the pending one.
  function suggester(url) {
    var seq = 0;
    url = url || '/api/suggest';
    function run(q, locale, done) {
      var my = ++seq;
      fetch(url + '?q=' + encodeURIComponent(q) + '&locale=' + encodeURIComponent(locale),
        { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
        .then(function (j) { if (my === seq) done((j && j.hits) || []); })
        .catch(function () { if (my === seq) done([]); });
    }
    run.cancel = function () { seq++; };
    return run;
  }

  // Snippets may contain <mark>: keep text and <mark> only, never other markup.
  function snippet(html) {
    var tpl = d.createElement('template'), out = d.createDocumentFragment();
    tpl.innerHTML = html || '';
    (function walk(node, into) {
      Array.prototype.forEach.call(node.childNodes, function (n) {
        if (n.nodeType === 3) into.appendChild(d.createTextNode(n.nodeValue));
        else if (n.nodeType === 1) {
          var target = into;
          if (n.nodeName === 'MARK') { target = el('mark'); into.appendChild(target); }
          walk(n, target);
        }
      });
    })(tpl.content, out);
    return out;
  }

  // 1. Root page: go to the best locale for navigator.languages, unless ?stay.
  function pickLanguage() {
    var list = d.querySelector('[data-locale-chooser]');
    if (!list || /[?&]stay(=|&|$)/.test(location.search)) return;
    var links = $$('a[data-locale]', list), prefs = navigator.languages || [navigator.language || ''];
    function find(test) {
      for (var i = 0; i < prefs.length; i++) {
        var p = String(prefs[i]).toLowerCase();
        for (var j = 0; j < links.length; j++) {
          if (test(p, links[j].getAttribute('data-locale').toLowerCase())) return links[j];
        }
      }
    }
    var hit = find(function (p, c) { return p === c; }) ||
      find(function (p, c) { return p.split('-')[0] === c.split('-')[0]; }) ||
      links.filter(function (a) { return a.getAttribute('data-locale') === list.getAttribute('data-default'); })[0];
    if (hit) location.replace(hit.href);
  }

  // 2. Search box -> ARIA 1.2 combobox with a listbox of suggestions.
  function combobox(form) {
    var input = form.querySelector('input[name="q"]');
    var locale = (form.querySelector('input[name="locale"]') || {}).value || d.documentElement.lang;
    var status = form.querySelector('[data-search-status]');
    if (!input || !window.fetch) return;
    var list = el('ul', 'suggest-list');
    list.id = input.id + '-listbox';
    list.hidden = true;
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', form.getAttribute('data-list-label') || '');
    input.parentNode.appendChild(list);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);
    var hits = [], active = -1, timer, suggest = suggester(form.getAttribute('data-suggest'));

    function announce(n) {
      if (!status) return;
      var msg = n === 0 ? form.getAttribute('data-msg-none') :
        n === 1 ? form.getAttribute('data-msg-one') : form.getAttribute('data-msg-many');
      status.textContent = (msg || '').replace('{count}', n);
    }
    function open(yes) {
      list.hidden = !yes;
      input.setAttribute('aria-expanded', yes ? 'true' : 'false');
      if (!yes) select(-1);
    }
    function select(i) {
      active = i;
      $$('[role="option"]', list).forEach(function (li, j) {
        li.setAttribute('aria-selected', j === i ? 'true' : 'false');
        if (j === i) {
          input.setAttribute('aria-activedescendant', li.id);
          li.scrollIntoView({ block: 'nearest', behavior: reduce ? 'auto' : 'smooth' });
        }
      });
      if (i < 0) input.removeAttribute('aria-activedescendant');
    }
    function go(i) { if (hits[i] && hits[i].url) location.href = hits[i].url; }
    function render() {
      list.textContent = '';
      hits.forEach(function (h, i) {
        var li = el('li');
        li.id = list.id + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.appendChild(el('span', 'suggest-title', h.title || ''));
        if (h.category) li.appendChild(el('span', 'suggest-cat', h.category));
        li.addEventListener('mousedown', function (e) { e.preventDefault(); });
        li.addEventListener('click', function () { go(i); });
        list.appendChild(li);
      });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { suggest.cancel(); hits = []; render(); open(false); if (status) status.textContent = ''; return; }
      timer = setTimeout(function () {
        suggest(q, locale, function (h) {
          hits = h.slice(0, 8);
          render();
          open(hits.length > 0 && d.activeElement === input);
          announce(hits.length);
        });
      }, 120);
    });
    input.addEventListener('keydown', function (e) {
      var n = hits.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { open(true); }
        var down = e.key === 'ArrowDown';
        select(active < 0 ? (down ? 0 : n - 1) : (active + (down ? 1 : n - 1)) % n);
      } else if (e.key === 'Enter') {
        if (!list.hidden && active >= 0) { e.preventDefault(); go(active); }
        // otherwise the form submits to /search
      } else if (e.key === 'Escape') {
        if (!list.hidden) { e.preventDefault(); open(false); }
        else if (input.value) { e.preventDefault(); input.value = ''; }
      }
    });
    input.addEventListener('blur', function () { open(false); });
    input.addEventListener('focus', function () { if (hits.length && input.value.trim().length > 1) open(true); });
  }

  // 3. Ticket form: time-trap token, suggestions while typing, hidden page and tz fields.
  //    The partner key is never kept by the page (any script of the site could read it); the
  //    field is a password field, so the browser's password manager offers to remember it.
  function ticketForm(box) {
    var form = box.closest('form');
    if (!form) return;
    var subject = form.elements.subject, description = form.elements.description;
    var suggested = form.elements.suggested, opened = form.elements.opened, page = form.elements.page;
    var locale = box.getAttribute('data-locale') || d.documentElement.lang;
    var MAX_IDS = 20; // the service refuses longer lists
    function addId(input, id) {
      if (!input || id == null) return;
      var ids = input.value ? input.value.split(',') : [];
      if (ids.indexOf(String(id)) < 0 && ids.length < MAX_IDS) ids.push(String(id));
      input.value = ids.join(',');
    }
    // The page is static: fetch a signed time token for the time trap (the service re-renders
    // the form with a fresh one after an error, so keep that). Refetch when the page comes back
    // from the back/forward cache, since the old token may have expired.
    var ts = form.elements.form_ts, tokenUrl = form.getAttribute('data-token-url') || '/api/tickets/token';
    function token(force) {
      if (!ts || !window.fetch || (ts.value && !force)) return;
      fetch(tokenUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j && j.time_token) { ts.value = j.time_token; form.setAttribute('data-token-ready', ''); } })
        .catch(function () { /* the service asks to send again */ });
    }
    token(false);
    if (ts && ts.value) form.setAttribute('data-token-ready', '');
    window.addEventListener('pageshow', function (e) { if (e.persisted) token(true); });
    // the partner's time zone, for the promised response time on the thank-you page
    var tz = form.elements.tz;
    if (tz && !tz.value) {
      try { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* ignore */ }
    }
    // page the partner came from: ?from=, else a same-origin referrer
    if (page && !page.value) {
      var from = new URLSearchParams(location.search).get('from');
      if (from) page.value = from;
      else if (d.referrer) {
        try {
          var u = new URL(d.referrer);
          if (u.origin === location.origin && u.pathname !== location.pathname) page.value = u.pathname + u.search;
        } catch (e) { /* ignore */ }
      }
    }
    var timer, last = '', suggest = suggester(form.getAttribute('data-suggest-url'));
    var status = form.querySelector('[data-suggestions-status]');
    function update() {
      var q = ((subject && subject.value) || '').trim();
      if (q.length < 4 && description) q = (q + ' ' + description.value.trim().split(/\s+/).slice(0, 12).join(' ')).trim();
      q = q.slice(0, 120);
      if (q === last || !window.fetch) return;
      last = q;
      if (q.length < 4) { suggest.cancel(); box.textContent = ''; if (status) status.textContent = ''; return; }
      suggest(q, locale, function (hits) {
        box.textContent = '';
        hits = hits.slice(0, 5);
        // announce how many, not the whole list (it sits between two fields)
        if (status) status.textContent = hits.length ? (box.getAttribute('data-title') || '') + ': ' + hits.length : '';
        if (!hits.length) return;
        var ul = el('ul');
        hits.forEach(function (h) {
          addId(suggested, h.id);
          var li = el('li'), a = el('a', null, h.title || '');
          a.href = h.url;
          a.target = '_blank';
          a.rel = 'noopener';
          a.appendChild(el('span', 'visually-hidden', ' ' + (box.getAttribute('data-new-tab') || '')));
          a.addEventListener('click', function () { addId(opened, h.id); });
          li.appendChild(a);
          if (h.snippet) { var s = el('span', 'snippet'); s.appendChild(snippet(h.snippet)); li.appendChild(s); }
          ul.appendChild(li);
        });
        box.appendChild(el('h2', null, box.getAttribute('data-title') || ''));
        box.appendChild(ul);
      });
    }
    function schedule() { clearTimeout(timer); timer = setTimeout(update, 400); }
    if (subject) subject.addEventListener('input', schedule);
    if (description) description.addEventListener('input', schedule);
    if (subject && subject.value) update();
  }

  // 4. "Was this article helpful?": post in place (JSON) and show the thanks; without
  //    JavaScript the form posts and the service sends the reader back to #feedback-thanks.
  //    Arriving from the search page's results, the article reports that a result was opened
  //    (the query and locale only), for the writers' content report.
  function feedback(form) {
    var box = form.closest('.feedback'), error = form.querySelector('[data-feedback-error]');
    var thanks = box && box.querySelector('.feedback-thanks'), pressed = null;
    if (!box || !thanks || !window.fetch) return;
    $$('button[name="helpful"]', form).forEach(function (b) {
      b.addEventListener('click', function () { pressed = b.value; });
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var f = form.elements;
      var body = {
        article: f.article.value, locale: f.locale.value, helpful: pressed || 'yes',
        comment: f.comment ? f.comment.value : '', website: f.website ? f.website.value : ''
      };
      if (error) error.textContent = '';
      fetch(form.getAttribute('action'), {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (res) {
        if (res.ok) {
          box.classList.add('is-done');
          thanks.focus();
          return;
        }
        var j = res.j || {}, msgs = [];
        if (j.errors) Object.keys(j.errors).forEach(function (k) { msgs.push(j.errors[k]); });
        if (j.error) msgs.push(j.error);
        if (error) error.textContent = msgs.join(' ') || form.getAttribute('data-msg-error') || '';
      }).catch(function () {
        if (error) error.textContent = form.getAttribute('data-msg-error') || '';
      });
    });
  }
  function reportOpened() {
    if (!d.referrer || !window.fetch) return;
    try {
      var u = new URL(d.referrer), q = u.searchParams.get('q');
      if (u.origin !== location.origin || u.pathname !== '/search' || !q) return;
      fetch('/api/search/opened', {
        method: 'POST', credentials: 'same-origin', keepalive: true,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ q: q, locale: u.searchParams.get('locale') || d.documentElement.lang })
      }).catch(function () { /* a lost report costs nothing */ });
    } catch (e) { /* ignore */ }
  }

  // 5. Wide tables scroll in a focusable, labelled region.
  function tables() {
    $$('.prose').forEach(function (prose) {
      $$('table', prose).forEach(function (t) {
        var p = t.parentNode;
        if (p.classList.contains('table-wrap') || p.classList.contains('overflow-x-auto')) return;
        var w = el('div', 'table-wrap');
        w.tabIndex = 0;
        w.setAttribute('role', 'region');
        var cap = t.querySelector('caption');
        w.setAttribute('aria-label', cap ? cap.textContent : (prose.getAttribute('data-table-label') || 'Table'));
        p.insertBefore(w, t);
        w.appendChild(t);
      });
    });
  }

  // 6. Code blocks: a copy button above each (keyboard: it is a button), which says "Copied" in
  //    the page's language for two seconds; the clipboard API where the page may use it (https,
  //    localhost), else a selection and the copy command.
  function copyButtons() {
    $$('.prose').forEach(function (prose) {
      var label = prose.getAttribute('data-copy-label') || 'Copy';
      var done = prose.getAttribute('data-copied-label') || 'Copied';
      $$('pre', prose).forEach(function (pre) {
        if (pre.parentNode.classList.contains('code-wrap')) return;
        var wrap = el('div', 'code-wrap'), tools = el('div', 'code-tools');
        var button = el('button', 'copy-code'), timer, name = pre.getAttribute('aria-label');
        button.type = 'button';
        // the visible word starts the accessible name, which says which block it copies
        function say(word) {
          button.textContent = word;
          if (name) button.setAttribute('aria-label', word + ': ' + name);
        }
        say(label);
        var status = el('span', 'visually-hidden');
        status.setAttribute('role', 'status');
        tools.appendChild(button);
        tools.appendChild(status);
        pre.parentNode.insertBefore(wrap, pre);
        wrap.appendChild(tools);
        wrap.appendChild(pre);
        function copied() {
          say(done);
          button.setAttribute('data-copied', '');
          status.textContent = done;
          clearTimeout(timer);
          timer = setTimeout(function () {
            say(label);
            button.removeAttribute('data-copied');
            status.textContent = '';
          }, 2000);
        }
        function fallback(text) {
          var area = el('textarea');
          area.value = text;
          area.setAttribute('readonly', '');
          area.className = 'visually-hidden';
          d.body.appendChild(area);
          area.select();
          var ok = false;
          try { ok = d.execCommand('copy'); } catch (e) { /* not allowed */ }
          d.body.removeChild(area);
          if (ok) copied();
        }
        button.addEventListener('click', function () {
          var code = pre.querySelector('code') || pre, text = code.textContent;
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(text).then(copied, function () { fallback(text); });
          } else fallback(text);
        });
      });
    });
  }

  // Task-list checkboxes from Markdown have no label: name them after their item's text.
  function taskLists() {
    $$('.prose li > input[type="checkbox"]').forEach(function (cb) {
      if (!cb.labels || !cb.labels.length) cb.setAttribute('aria-label', cb.parentNode.textContent.trim().slice(0, 120));
    });
  }

  function init() {
    pickLanguage();
    $$('form[role="search"]').forEach(combobox);
    var box = d.getElementById('suggestions');
    if (box) ticketForm(box);
    var vote = d.querySelector('form[data-feedback]');
    if (vote) { feedback(vote); reportOpened(); }
    tables();
    copyButtons();
    taskLists();
    var summary = d.getElementById('error-summary');
    if (summary) summary.focus({ preventScroll: false });
    // print the revision history too
    window.addEventListener('beforeprint', function () { $$('details.history').forEach(function (x) { x.open = true; }); });
  }
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', init); else init();
})();
