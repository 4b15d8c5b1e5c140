// The minimal staff pages served until the full admin console exists: choose a password from a
// one-time link, sign in with password and authenticator code, set up the authenticator, and
// read the development mailbox. Plain DOM code, no framework, no inline script (CSP).
const lang = (document.documentElement.lang || 'ja') === 'en' ? 'en' : 'ja';
const T = {
  ja: {
    signIn: 'サインイン', email: 'メールアドレス', password: 'パスワード', code: '認証コード（6桁）', submit: '送信',
    setPassword: 'パスワードの設定', newPassword: '新しいパスワード（12文字以上）', saved: 'パスワードを設定しました。サインインしてください。',
    enroll: '認証アプリの設定', enrollHelp: '認証アプリに次のキーを登録し、表示された6桁のコードを入力してください。',
    signedIn: 'サインインしました', signOut: 'サインアウト', mailbox: '開発用メールボックス', mailboxNote: 'SMTPが設定されていないため、送信されるはずのメールはここに保管されています。',
    empty: 'メールはありません。', role: '役割',
  },
  en: {
    signIn: 'Sign in', email: 'Email address', password: 'Password', code: 'Authenticator code (6 digits)', submit: 'Submit',
    setPassword: 'Set your password', newPassword: 'New password (at least 12 characters)', saved: 'Your password is set. Please sign in.',
    enroll: 'Set up your authenticator app', enrollHelp: 'Add this key to your authenticator app, then enter the six-digit code it shows.',
    signedIn: 'You are signed in', signOut: 'Sign out', mailbox: 'Development mailbox', mailboxNote: 'No SMTP server is configured, so the mail Madoguchi would send is kept here.',
    empty: 'No messages.', role: 'Role',
  },
}[lang];

const main = document.getElementById('main');
let csrf = '';

async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'accept-language': lang, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : {};
  if (!res.ok) throw Object.assign(new Error(data.error?.message || res.statusText), { code: data.error?.code });
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function form(title, fields, onSubmit, note) {
  main.replaceChildren();
  const error = el('p', { role: 'alert', class: 'error' });
  const f = el('form');
  for (const [name, label, type, extra] of fields) {
    const id = `f-${name}`;
    f.append(el('label', { for: id }, label), el('input', { id, name, type, required: '', ...(extra || {}) }));
  }
  f.append(el('button', { type: 'submit' }, T.submit));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await onSubmit(Object.fromEntries(new FormData(f)));
    } catch (err) {
      error.textContent = err.message;
    }
  });
  main.append(el('h1', {}, title), ...(note ? [el('p', {}, note)] : []), error, f);
}

function showSignedIn(staff) {
  main.replaceChildren(el('h1', {}, T.signedIn), el('p', {}, `${staff?.email ?? ''} — ${T.role}: ${staff?.role ?? ''}`));
  const out = el('button', { type: 'button' }, T.signOut);
  out.addEventListener('click', async () => {
    await api('POST', '/api/admin/auth/sign-out', {});
    location.href = '/admin/';
  });
  main.append(el('p', {}, el('a', { href: '/admin/dev-mailbox' }, T.mailbox)), out);
}

async function afterStage(result) {
  csrf = result.csrfToken || csrf;
  if (result.stage === 'mfa_pending') {
    return form(T.signIn, [['code', T.code, 'text', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }]], async (v) =>
      afterStage(await api('POST', '/api/admin/auth/mfa', { code: v.code })),
    );
  }
  if (result.stage === 'mfa_enroll') {
    const enrol = await api('POST', '/api/admin/auth/mfa/enroll', {});
    form(T.enroll, [['code', T.code, 'text', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }]], async (v) =>
      afterStage(await api('POST', '/api/admin/auth/mfa/enroll/confirm', { code: v.code })),
      T.enrollHelp,
    );
    main.insertBefore(el('p', {}, el('code', { class: 'secret' }, enrol.secret)), main.querySelector('form'));
    return undefined;
  }
  const session = await api('GET', '/api/admin/session');
  csrf = session.csrfToken || csrf;
  return showSignedIn(session.staff);
}

async function mailbox() {
  const session = await api('GET', '/api/admin/session').catch(() => null);
  if (!session) return signIn();
  csrf = session.csrfToken || '';
  const data = await api('GET', '/api/admin/dev-mailbox');
  main.replaceChildren(el('h1', {}, T.mailbox), el('p', { class: 'banner' }, T.mailboxNote));
  const items = data.messages || [];
  if (items.length === 0) main.append(el('p', {}, T.empty));
  for (const m of items) {
    const d = el('details', {}, el('summary', {}, `${m.createdAt} — ${m.recipient} — ${m.subject} [${m.status}]`));
    d.addEventListener('toggle', async () => {
      if (!d.open || d.dataset.loaded) return;
      const full = await api('GET', `/api/admin/dev-mailbox/${encodeURIComponent(m.id)}`);
      d.dataset.loaded = '1';
      d.append(el('pre', {}, full.text ?? full.message?.text ?? ''));
    });
    main.append(d);
  }
}

function signIn() {
  form(T.signIn, [['email', T.email, 'email', { autocomplete: 'username' }], ['password', T.password, 'password', { autocomplete: 'current-password' }]], async (v) =>
    afterStage(await api('POST', '/api/admin/auth/sign-in', { email: v.email, password: v.password })),
  );
}

const path = location.pathname;
if (path.startsWith('/admin/setup-password')) {
  const token = new URLSearchParams(location.search).get('token') || '';
  form(T.setPassword, [['password', T.newPassword, 'password', { autocomplete: 'new-password', minlength: '12' }]], async (v) => {
    await api('POST', '/api/admin/auth/password-setup', { token, password: v.password });
    history.replaceState(null, '', '/admin/');
    signIn();
    main.prepend(el('p', { role: 'status' }, T.saved));
  });
} else if (path.startsWith('/admin/dev-mailbox')) {
  mailbox();
} else {
  api('GET', '/api/admin/session').then((s) => { csrf = s.csrfToken || ''; showSignedIn(s.staff); }, () => signIn());
}
