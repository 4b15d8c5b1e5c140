/*
 * Madoguchi cookie banner. Embed on any site with
 *   <script src="https://<madoguchi>/banner.js" defer></script>
 * and mark each script that needs consent as
 *   <script type="text/plain" data-mdg-category="analytics" src="..."></script>
 * It stays inert until its category is accepted. Global Privacy Control (navigator.globalPrivacyControl
 * or the Sec-GPC header seen by Madoguchi) refuses analytics and marketing. An element with
 * data-mdg-preferences reopens the choice. The only requests this script makes go to Madoguchi.
 * Hand-written, no dependencies, kept small (the server checks it stays under 15 KB gzipped).
 */
(function () {
  'use strict';
  if (window.MadoguchiConsent) return;

  var me = document.currentScript;
  var base = me && me.src ? new URL(me.src).origin : '';
  var STORE = 'mdg-consent-v1';
  var OPTIONAL = ['analytics', 'marketing'];
  var lang = ((me && me.getAttribute('data-lang')) || document.documentElement.lang || 'ja').slice(0, 2).toLowerCase() === 'en' ? 'en' : 'ja';

  var T = {
    ja: {
      accept: 'すべて同意する',
      reject: '必須以外を拒否する',
      prefs: '設定を選ぶ',
      save: '選択を保存する',
      close: '閉じる',
      policy: 'プライバシーポリシー',
      gpc: 'お使いのブラウザのGlobal Privacy Control（GPC）の設定に従い、アクセス解析と広告のための送信は行いません。',
      always: '常に有効',
      details: '送信先の詳細',
      none: 'このカテゴリで外部に送信するタグはありません。',
      recipient: '送信先',
      sent: '送信される情報',
      ours: '当社の利用目的',
      theirs: '送信先の利用目的',
      optout: 'オプトアウト',
      sep: '：',
      open: '（',
      close2: '）'
    },
    en: {
      accept: 'Accept all',
      reject: 'Reject all but necessary',
      prefs: 'Choose settings',
      save: 'Save my choice',
      close: 'Close',
      policy: 'Privacy policy',
      gpc: 'Your browser sends a Global Privacy Control (GPC) signal, so nothing is sent for analytics or advertising.',
      always: 'Always on',
      details: 'Who receives data',
      none: 'No tag in this category sends data to other companies.',
      recipient: 'Recipient',
      sent: 'Information sent',
      ours: 'Our purpose',
      theirs: "Recipient's purpose",
      optout: 'Opt out',
      sep: ': ',
      open: ' (',
      close2: ')'
    }
  }[lang];

  var gpc = navigator.globalPrivacyControl === true;
  var config = null;
  var root = null;
  var state = load();

  function load() {
    try {
      var v = JSON.parse(localStorage.getItem(STORE) || 'null');
      return v && typeof v.visitorId === 'string' ? v : null;
    } catch (e) {
      return null;
    }
  }

  function save(v) {
    try {
      localStorage.setItem(STORE, JSON.stringify(v));
    } catch (e) {
      /* storage refused (private mode): the choice holds for this page only */
    }
  }

  function visitorId() {
    if (state && state.visitorId) return state.visitorId;
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function accepted(category) {
    if (category === 'necessary') return true;
    if (gpc || !state) return false;
    return state[category] === true;
  }

  // Runs every waiting script of an accepted category, once, in document order.
  function activate() {
    var list = document.querySelectorAll('script[type="text/plain"][data-mdg-category]');
    for (var i = 0; i < list.length; i++) {
      var old = list[i];
      if (old.hasAttribute('data-mdg-done') || !accepted(old.getAttribute('data-mdg-category'))) continue;
      var s = document.createElement('script');
      for (var j = 0; j < old.attributes.length; j++) {
        var a = old.attributes[j];
        if (a.name !== 'type' && a.name.indexOf('data-mdg-') !== 0) s.setAttribute(a.name, a.value);
      }
      var type = old.getAttribute('data-mdg-type');
      if (type) s.type = type;
      if (old.src) s.async = false;
      else s.text = old.text;
      old.setAttribute('data-mdg-done', '');
      old.parentNode.insertBefore(s, old.nextSibling);
    }
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (attrs[k] !== false && attrs[k] != null) e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (children || []).forEach(function (c) {
      if (c) e.appendChild(c);
    });
    return e;
  }

  var CSS =
    '.mdg-b{position:fixed;left:0;right:0;bottom:0;z-index:2147483000;max-height:85vh;overflow:auto;background:#fff;color:#1b1b1b;' +
    'border-top:3px solid #17324d;box-shadow:0 -2px 12px rgba(0,0,0,.25);font:15px/1.6 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;padding:1rem 1.25rem;box-sizing:border-box}' +
    '.mdg-b *{box-sizing:border-box}.mdg-in{max-width:60rem;margin:0 auto}.mdg-title{font-weight:700;font-size:1.1em;margin:0 0 .4rem}' +
    '.mdg-b p{margin:.3rem 0}.mdg-b a{color:#0b4f8a;text-decoration:underline}.mdg-gpc{background:#eef5ee;border-left:4px solid #2e6b30;padding:.4rem .6rem}' +
    '.mdg-acts{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.75rem}.mdg-b button{font:inherit;padding:.5rem 1rem;border-radius:4px;cursor:pointer;border:2px solid #17324d;background:#17324d;color:#fff}' +
    '.mdg-b button.mdg-2{background:#fff;color:#17324d}.mdg-b button:focus-visible,.mdg-b a:focus-visible,.mdg-b input:focus-visible,.mdg-b summary:focus-visible{outline:3px solid #b35c00;outline-offset:2px}' +
    '.mdg-cat{border:1px solid #8a8a8a;border-radius:4px;padding:.5rem .75rem;margin:.5rem 0}.mdg-cat label{font-weight:700;margin-left:.35rem}' +
    '.mdg-cat input{width:1.1rem;height:1.1rem;vertical-align:-.15rem}.mdg-tag{margin:.4rem 0 .4rem 1rem}.mdg-tag dt{font-weight:700}.mdg-tag dd{margin:0 0 0 1rem}' +
    '.mdg-b fieldset{border:0;margin:0;padding:0}.mdg-b legend{font-weight:700}.mdg-b[hidden],.mdg-b [hidden]{display:none!important}';

  function tagList(cat) {
    if (!cat.tags.length) return el('p', { text: T.none });
    return el(
      'details',
      {},
      [el('summary', { text: T.details + T.open + cat.tags.length + T.close2 })].concat(
        cat.tags.map(function (t) {
          var opt = t.optOutUrl ? el('a', { href: t.optOutUrl, rel: 'noopener', target: '_blank', text: t.optOutUrl }) : null;
          return el('dl', { class: 'mdg-tag' }, [
            el('dt', { text: t.name }),
            el('dd', { text: T.recipient + T.sep + t.recipient }),
            el('dd', { text: T.sent + T.sep + t.dataSent }),
            el('dd', { text: T.ours + T.sep + t.companyPurpose }),
            el('dd', { text: T.theirs + T.sep + t.recipientPurpose }),
            opt ? el('dd', { text: T.optout + T.sep }, [opt]) : null
          ]);
        })
      )
    );
  }

  function build() {
    if (!document.getElementById('mdg-style')) document.head.appendChild(el('style', { id: 'mdg-style', text: CSS }));
    var cats = config.categories.map(function (c) {
      var id = 'mdg-c-' + c.key;
      var locked = c.required || (gpc && OPTIONAL.indexOf(c.key) >= 0);
      return el('div', { class: 'mdg-cat' }, [
        el('input', { type: 'checkbox', id: id, 'data-cat': c.key, checked: c.required || accepted(c.key), disabled: locked, 'aria-describedby': id + '-d' }),
        el('label', { for: id, text: c.title + (c.required ? T.open + T.always + T.close2 : '') }),
        el('p', { id: id + '-d', text: c.description }),
        tagList(c)
      ]);
    });
    var policy = config.policyUrl ? el('a', { href: config.policyUrl, text: T.policy }) : null;
    root = el('aside', { id: 'mdg-banner', class: 'mdg-b', lang: lang, 'aria-labelledby': 'mdg-title', hidden: true }, [
      el('div', { class: 'mdg-in' }, [
        el('p', { id: 'mdg-title', class: 'mdg-title', tabindex: '-1', text: config.title }),
        el('p', { text: config.message + ' ' }, [policy]),
        gpc ? el('p', { class: 'mdg-gpc', text: T.gpc }) : null,
        el('fieldset', { id: 'mdg-prefs', hidden: true }, [el('legend', { text: T.prefs })].concat(cats)),
        el('div', { class: 'mdg-acts' }, [
          el('button', { type: 'button', 'data-act': 'accept', text: T.accept }),
          el('button', { type: 'button', 'data-act': 'reject', text: T.reject }),
          el('button', { type: 'button', class: 'mdg-2', 'data-act': 'prefs', 'aria-expanded': 'false', 'aria-controls': 'mdg-prefs', text: T.prefs }),
          el('button', { type: 'button', 'data-act': 'save', hidden: true, text: T.save }),
          el('button', { type: 'button', class: 'mdg-2', 'data-act': 'close', hidden: true, text: T.close })
        ])
      ])
    ]);
    root.addEventListener('click', onAction);
    root.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && state && state.version === config.version) hide();
    });
    document.body.insertBefore(root, document.body.firstChild);
  }

  function q(sel) {
    return root.querySelector(sel);
  }

  function showPrefs(open) {
    q('#mdg-prefs').hidden = !open;
    q('[data-act="save"]').hidden = !open;
    q('[data-act="prefs"]').setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  function show(withPrefs) {
    if (!config) return;
    if (!root) build();
    var boxes = root.querySelectorAll('input[data-cat]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = accepted(boxes[i].getAttribute('data-cat'));
    q('[data-act="close"]').hidden = !(state && state.version === config.version);
    showPrefs(!!withPrefs);
    root.hidden = false;
  }

  function hide() {
    if (root) root.hidden = true;
  }

  function onAction(e) {
    var b = e.target.closest ? e.target.closest('button[data-act]') : null;
    if (!b) return;
    var act = b.getAttribute('data-act');
    if (act === 'prefs') return showPrefs(q('#mdg-prefs').hidden);
    if (act === 'close') return hide();
    var choice = {};
    OPTIONAL.forEach(function (c) {
      choice[c] = !gpc && (act === 'accept' || (act === 'save' && q('#mdg-c-' + c).checked));
    });
    decide(act === 'accept' ? 'accept_all' : act === 'reject' ? 'reject_all' : 'custom', choice);
  }

  function decide(method, choice) {
    state = { visitorId: visitorId(), version: config.version, analytics: choice.analytics, marketing: choice.marketing, at: new Date().toISOString() };
    save(state);
    hide();
    activate();
    var body = {
      visitorId: state.visitorId,
      bannerVersion: config.version,
      language: lang,
      method: method,
      choices: { analytics: choice.analytics, marketing: choice.marketing },
      gpc: gpc
    };
    fetch(base + '/api/public/banner/consent', {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      keepalive: true,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    }).catch(function () {
      /* the choice still holds in this browser; the proof is sent with the next choice */
    });
  }

  function open() {
    show(true);
    if (root) q('#mdg-title').focus();
  }

  document.addEventListener('click', function (e) {
    var t = e.target.closest ? e.target.closest('[data-mdg-preferences]') : null;
    if (!t) return;
    e.preventDefault();
    open();
  });

  function start() {
    fetch(base + '/api/public/banner/config?lang=' + lang, { credentials: 'omit', mode: 'cors' })
      .then(function (r) {
        if (!r.ok) throw new Error('config ' + r.status);
        return r.json();
      })
      .then(function (c) {
        config = c;
        gpc = gpc || c.gpc === true;
        // A choice made on another version of the banner (other tags) is asked again.
        if (state && state.version === c.version) activate();
        else show(false);
      })
      .catch(function () {
        // Madoguchi unreachable: keep an earlier choice, never assume consent.
        if (state) activate();
      });
  }

  window.MadoguchiConsent = {
    open: open,
    get: function () {
      return state ? { analytics: accepted('analytics'), marketing: accepted('marketing'), version: state.version } : null;
    }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
