// The one error type of Madoguchi. Every failure a caller can see has a code from a closed
// list; the code fixes the HTTP status and the message in Japanese and English. Messages
// never carry personal data: details that help a person act (a field path, a limit) go in
// `details`, which holds only what the caller sent or what the schema says.

export const ERROR_CATALOG = {
  validation_failed: {
    status: 400,
    en: 'Some fields are missing or invalid. Check the listed fields and send the request again.',
    ja: '入力内容に不足または誤りがあります。表示された項目を確認して、もう一度送信してください。',
  },
  malformed_json: {
    status: 400,
    en: 'The request body is not valid JSON. Check the syntax and send it again.',
    ja: 'リクエスト本文が正しいJSONではありません。書式を確認して再送信してください。',
  },
  unsupported_media_type: {
    status: 415,
    en: 'This content type is not accepted here. Send JSON (application/json).',
    ja: 'この形式のデータは受け付けていません。JSON（application/json）で送信してください。',
  },
  payload_too_large: {
    status: 413,
    en: 'The request is larger than allowed. Make it smaller and send it again.',
    ja: 'リクエストのサイズが上限を超えています。小さくしてから再送信してください。',
  },
  not_found: {
    status: 404,
    en: 'Nothing was found at this address. Check the link or the identifier.',
    ja: '該当するものが見つかりません。リンクまたはIDをご確認ください。',
  },
  unauthenticated: {
    status: 401,
    en: 'You need to sign in to do this.',
    ja: 'この操作にはサインインが必要です。',
  },
  invalid_credentials: {
    status: 401,
    en: 'The email address or password is not correct, or sign-in is temporarily blocked. Try again later or ask an administrator.',
    ja: 'メールアドレスまたはパスワードが正しくないか、一時的にサインインが制限されています。しばらくしてから再度お試しいただくか、管理者にお問い合わせください。',
  },
  mfa_required: {
    status: 401,
    en: 'Enter the six-digit code from your authenticator app to finish signing in.',
    ja: 'サインインを完了するには、認証アプリに表示される6桁のコードを入力してください。',
  },
  mfa_enrollment_required: {
    status: 403,
    en: 'Your role requires a second factor. Set up an authenticator app before continuing.',
    ja: 'この役割では二要素認証が必須です。続行する前に認証アプリを設定してください。',
  },
  invalid_mfa_code: {
    status: 401,
    en: 'The code is not correct or has expired. Enter the current code from your authenticator app.',
    ja: 'コードが正しくないか、有効期限が切れています。認証アプリに表示されている最新のコードを入力してください。',
  },
  session_expired: {
    status: 401,
    en: 'Your session has expired. Sign in again.',
    ja: 'セッションの有効期限が切れました。もう一度サインインしてください。',
  },
  csrf_failed: {
    status: 403,
    en: 'The security token of this form is missing or out of date. Reload the page and try again.',
    ja: 'フォームのセキュリティトークンがないか、古くなっています。ページを再読み込みしてからもう一度お試しください。',
  },
  forbidden: {
    status: 403,
    en: 'Your role does not allow this action. Ask an administrator if you need it.',
    ja: 'この操作を行う権限がありません。必要な場合は管理者にご相談ください。',
  },
  token_invalid: {
    status: 400,
    en: 'This link is not valid or has expired. Ask for a new one.',
    ja: 'このリンクは無効か、有効期限が切れています。新しいリンクを依頼してください。',
  },
  weak_password: {
    status: 400,
    en: 'Choose a password of at least 12 characters that is not easy to guess.',
    ja: '12文字以上の推測されにくいパスワードを設定してください。',
  },
  conflict: {
    status: 409,
    en: 'This conflicts with the current state. Reload and try again.',
    ja: '現在の状態と矛盾しています。再読み込みしてからもう一度お試しください。',
  },
  already_exists: {
    status: 409,
    en: 'Something with the same identifier already exists.',
    ja: '同じ識別子のデータがすでに存在します。',
  },
  translation_missing: {
    status: 422,
    en: 'This cannot be published while a translation is missing. The listed texts need both Japanese and English.',
    ja: '翻訳が欠けているため公開できません。表示された箇所に日本語と英語の両方を入力してください。',
  },
  notice_incomplete: {
    status: 422,
    en: 'This cannot be published because some required items cannot be filled from the current settings. Complete the listed items first.',
    ja: '現在の設定では必要な記載事項を埋められないため公開できません。表示された項目を先に設定してください。',
  },
  upload_type_not_allowed: {
    status: 415,
    en: 'This file is not a JPEG, PNG, PDF or HEIC file. Send a photo or scan in one of these formats.',
    ja: 'このファイルはJPEG・PNG・PDF・HEICのいずれでもありません。これらの形式の写真またはスキャン画像を送信してください。',
  },
  upload_corrupt: {
    status: 422,
    en: 'This file is damaged or incomplete and cannot be opened. Save it again and send the new file.',
    ja: 'ファイルが壊れているか不完全なため、開くことができません。保存し直したファイルを送信してください。',
  },
  upload_too_large: {
    status: 413,
    en: 'A file is larger than 10 MB. Reduce its size (for example, a lower resolution) and send it again.',
    ja: '10MBを超えるファイルがあります。解像度を下げるなどしてサイズを小さくし、再送信してください。',
  },
  too_many_documents: {
    status: 422,
    en: 'Too many files. A request can carry at most 10 documents in all.',
    ja: 'ファイルの数が多すぎます。1件の請求に添付できる書類は合計10点までです。',
  },
  document_type_not_accepted: {
    status: 422,
    en: 'The document type given for a file is not one we accept for this purpose. Choose one of the listed documents.',
    ja: 'ファイルに指定された書類の種類は、この用途では受け付けていません。一覧にある書類から選んでください。',
  },
  invalid_transition: {
    status: 409,
    en: 'The request is not in a state where this can be done. Reload it to see its current state.',
    ja: '現在の請求の状態ではこの操作はできません。再読み込みして現在の状態をご確認ください。',
  },
  verification_code_invalid: {
    status: 422,
    en: 'The verification code is not correct. Check the code in the email and enter it again.',
    ja: '確認コードが正しくありません。メールに記載のコードを確認して、もう一度入力してください。',
  },
  verification_code_expired: {
    status: 410,
    en: 'The verification code has expired or was tried too many times. Ask for a new code.',
    ja: '確認コードの有効期限が切れたか、入力回数の上限に達しました。新しいコードを請求してください。',
  },
  email_not_verified: {
    status: 409,
    en: 'The email address of this request has not been verified yet. Enter the code from the verification email first.',
    ja: 'この請求のメールアドレスはまだ確認されていません。先に確認メールのコードを入力してください。',
  },
  link_expired: {
    status: 410,
    en: 'This download link has expired or has been used the maximum number of times. Contact the privacy office for a new link.',
    ja: 'このダウンロードリンクは有効期限が切れたか、利用回数の上限に達しました。新しいリンクは窓口にお問い合わせください。',
  },
  fee_not_applicable: {
    status: 409,
    en: 'No fee applies to this request.',
    ja: 'この請求には手数料はかかりません。',
  },
  connection_failed: {
    status: 502,
    en: 'A connected system could not be reached or refused the operation. Check the connection settings and try again.',
    ja: '接続先のシステムに接続できないか、操作が拒否されました。接続設定を確認して再度お試しください。',
  },
  rate_limited: {
    status: 429,
    en: 'Too many requests. Wait a moment and try again.',
    ja: 'リクエストが多すぎます。しばらく待ってから再度お試しください。',
  },
  service_unavailable: {
    status: 503,
    en: 'The service is not ready. Try again in a moment.',
    ja: 'サービスの準備ができていません。しばらくしてから再度お試しください。',
  },
  master_key_unavailable: {
    status: 503,
    en: 'Some encrypted data was protected with a master key that is not configured. Restore that key (listed in the details) before trying again.',
    ja: '暗号化されたデータの一部が、設定されていないマスターキーで保護されています。詳細に示されたキーを元に戻してから、もう一度お試しください。',
  },
  internal_error: {
    status: 500,
    en: 'Something went wrong on our side. Try again later; if it persists, quote the request id to the administrator.',
    ja: 'システム側で問題が発生しました。時間をおいて再度お試しください。解決しない場合は、リクエストIDを管理者にお伝えください。',
  },
} as const satisfies Record<string, { status: number; en: string; ja: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
export type Language = 'ja' | 'en';

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `body.email`. */
  path?: string;
  /** A short machine-readable reason, e.g. `too_long`, `required`. */
  reason?: string;
  /** Human-readable explanation; must not contain personal data. */
  message?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, options: { details?: ErrorDetail[]; cause?: unknown } = {}) {
    super(ERROR_CATALOG[code].en, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = options.details ?? [];
  }

  message_in(lang: Language): string {
    return ERROR_CATALOG[this.code][lang];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export function errorMessage(code: ErrorCode, lang: Language): string {
  return ERROR_CATALOG[code][lang];
}
