// The organisation's settings: the request settings as a form (fees, deadlines, retention,
// download links, the bank account), the identity documents the rule accepts, and the profile
// and security statement as JSON for the rarer edits. The server validates every save and
// answers with the rule that failed; a save made on top of someone else's is refused.
import { useState, type FormEvent, type ReactNode } from 'react';
import { useLanguage, useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field, Loading } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import { REQUEST_TYPES, type IdentityDocumentSetting, type Organization, type RequestSettings } from '../api-types.ts';
import { ActionResult, PageHeader, Section, useAction, type ActionState } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { manageMessages } from '../messages/manage.messages.ts';
import { api, useStaff } from '../session.tsx';

function NumberField({ label, value, onChange, min = 0, max, disabled }: { label: ReactNode; value: number; onChange(n: number): void; min?: number; max?: number; disabled: boolean }) {
  return (
    <Field label={label}>
      {(p) => <input {...p} type="number" min={min} max={max} value={Number.isFinite(value) ? value : ''} disabled={disabled} onChange={(e) => onChange(e.target.valueAsNumber)} className="input-short" />}
    </Field>
  );
}

function DocList({ title, docs }: { title: string; docs: readonly IdentityDocumentSetting[] }) {
  const { lang } = useLanguage();
  return (
    <>
      <h3>{title}</h3>
      <ul>
        {docs.map((d) => (
          <li key={d.code}>
            {d.label[lang]} <code className="muted">{d.code}</code>
            {d.caution[lang] ? <span className="cell-sub">{d.caution[lang]}</span> : null}
          </li>
        ))}
      </ul>
    </>
  );
}

function RequestSettingsForm({ org, action, onSaved }: { org: Organization; action: ActionState; onSaved(): void }) {
  const t = useT(manageMessages);
  const tc = useT(common);
  const { can } = useStaff();
  const readOnly = !can('organization.manage');
  const [s, setS] = useState<RequestSettings>(org.settings);
  const bank = s.fees.bankTransfer;
  const set = (patch: (draft: RequestSettings) => RequestSettings) => setS((cur) => patch(cur));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(() => api('/api/admin/organization/settings', { method: 'PUT', body: { settings: s, expectedVersion: org.settingsVersion } }), t('set.saved'));
    if (ok) onSaved();
  };
  const localized = (label: string, value: { ja: string; en: string }, on: (v: { ja: string; en: string }) => void) => (
    <div className="bilingual">
      <Field label={`${label}（${tc('common.ja')}）`}>{(p) => <input {...p} type="text" lang="ja" disabled={readOnly} value={value.ja} onChange={(e) => on({ ...value, ja: e.target.value })} />}</Field>
      <Field label={`${label} (${tc('common.en')})`}>{(p) => <input {...p} type="text" lang="en" disabled={readOnly} value={value.en} onChange={(e) => on({ ...value, en: e.target.value })} />}</Field>
    </div>
  );
  return (
    <form onSubmit={submit}>
      {org.usingDefaultSettings ? <Alert tone="info">{t('set.default')}</Alert> : null}
      <fieldset>
        <legend>{t('set.fees')}</legend>
        <p className="field-hint">{t('set.feeNote')}</p>
        <div className="form-grid">
          {REQUEST_TYPES.map((type) => (
            <NumberField
              key={type}
              label={tc(`type.${type}`)}
              value={s.fees.perRequest[type]}
              max={100000}
              disabled={readOnly}
              onChange={(n) => set((d) => ({ ...d, fees: { ...d.fees, perRequest: { ...d.fees.perRequest, [type]: n } } }))}
            />
          ))}
        </div>
        <Field label={t('set.paperYen')}>
          {(p) => (
            <input
              {...p}
              type="number"
              min={0}
              max={100000}
              className="input-short"
              disabled={readOnly}
              value={s.fees.paperDeliveryYen ?? ''}
              onChange={(e) => set((d) => ({ ...d, fees: { ...d.fees, paperDeliveryYen: e.target.value === '' ? null : e.target.valueAsNumber } }))}
            />
          )}
        </Field>
        <label className="inline-choice">
          <input type="checkbox" disabled={readOnly} checked={s.fees.specialMethodAtCost} onChange={(e) => set((d) => ({ ...d, fees: { ...d.fees, specialMethodAtCost: e.target.checked } }))} />
          {t('set.specialAtCost')}
        </label>
      </fieldset>
      <fieldset>
        <legend>{t('set.bank')}</legend>
        <label className="inline-choice">
          <input
            type="checkbox"
            disabled={readOnly}
            checked={bank !== null}
            onChange={(e) =>
              set((d) => ({
                ...d,
                fees: {
                  ...d.fees,
                  bankTransfer: e.target.checked
                    ? { bankName: { ja: '', en: '' }, branchName: { ja: '', en: '' }, accountType: 'ordinary', accountNumber: '', accountHolder: { ja: '', en: '' } }
                    : null,
                },
              }))
            }
          />
          {t('set.useBank')}
        </label>
        {bank ? (
          <>
            {localized(t('set.bankName'), bank.bankName, (v) => set((d) => ({ ...d, fees: { ...d.fees, bankTransfer: d.fees.bankTransfer && { ...d.fees.bankTransfer, bankName: v } } })))}
            {localized(t('set.branch'), bank.branchName, (v) => set((d) => ({ ...d, fees: { ...d.fees, bankTransfer: d.fees.bankTransfer && { ...d.fees.bankTransfer, branchName: v } } })))}
            <div className="form-grid">
              <Field label={t('set.accountType')}>
                {(p) => (
                  <select
                    {...p}
                    disabled={readOnly}
                    value={bank.accountType}
                    onChange={(e) => set((d) => ({ ...d, fees: { ...d.fees, bankTransfer: d.fees.bankTransfer && { ...d.fees.bankTransfer, accountType: e.target.value === 'checking' ? 'checking' : 'ordinary' } } }))}
                  >
                    <option value="ordinary">{t('set.account.ordinary')}</option>
                    <option value="checking">{t('set.account.checking')}</option>
                  </select>
                )}
              </Field>
              <Field label={t('set.accountNumber')}>
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    inputMode="numeric"
                    maxLength={7}
                    disabled={readOnly}
                    value={bank.accountNumber}
                    onChange={(e) => set((d) => ({ ...d, fees: { ...d.fees, bankTransfer: d.fees.bankTransfer && { ...d.fees.bankTransfer, accountNumber: e.target.value } } }))}
                  />
                )}
              </Field>
            </div>
            {localized(t('set.holder'), bank.accountHolder, (v) => set((d) => ({ ...d, fees: { ...d.fees, bankTransfer: d.fees.bankTransfer && { ...d.fees.bankTransfer, accountHolder: v } } })))}
          </>
        ) : (
          <p className="muted">{t('set.bankNone')}</p>
        )}
      </fieldset>
      <fieldset>
        <legend>{t('set.deadlines')}</legend>
        <div className="form-grid">
          <NumberField label={t('set.targetDays')} value={s.deadlines.targetDays} min={1} max={90} disabled={readOnly} onChange={(n) => set((d) => ({ ...d, deadlines: { ...d.deadlines, targetDays: n } }))} />
          <NumberField label={t('set.escalationDays')} value={s.deadlines.escalationDays} min={1} max={180} disabled={readOnly} onChange={(n) => set((d) => ({ ...d, deadlines: { ...d.deadlines, escalationDays: n } }))} />
          <NumberField label={t('set.replyDays')} value={s.deadlines.replyDays} min={1} max={90} disabled={readOnly} onChange={(n) => set((d) => ({ ...d, deadlines: { ...d.deadlines, replyDays: n } }))} />
          <NumberField label={t('set.retention')} value={s.documentRetentionMonths} min={1} max={120} disabled={readOnly} onChange={(n) => set((d) => ({ ...d, documentRetentionMonths: n }))} />
          <NumberField label={t('set.linkDays')} value={s.delivery.downloadLinkDays} min={1} max={90} disabled={readOnly} onChange={(n) => set((d) => ({ ...d, delivery: { ...d.delivery, downloadLinkDays: n } }))} />
          <NumberField label={t('set.maxDownloads')} value={s.delivery.maxDownloads} min={1} max={50} disabled={readOnly} onChange={(n) => set((d) => ({ ...d, delivery: { ...d.delivery, maxDownloads: n } }))} />
        </div>
        <label className="inline-choice">
          <input type="checkbox" disabled={readOnly} checked={s.deadlines.pauseWhileWaiting} onChange={(e) => set((d) => ({ ...d, deadlines: { ...d.deadlines, pauseWhileWaiting: e.target.checked } }))} />
          {t('set.pause')}
        </label>
      </fieldset>
      <Section title={t('set.identity')}>
        <DocList title={t('set.photo', { n: s.identity.photoDocumentsRequired })} docs={s.identity.photoDocuments} />
        <DocList title={t('set.nonPhoto', { n: s.identity.nonPhotoDocumentsRequired })} docs={s.identity.nonPhotoDocuments} />
        <DocList title={t('set.statutory')} docs={s.identity.statutoryAgentDocuments} />
        <DocList title={t('set.appointed')} docs={s.identity.appointedAgentDocuments} />
        <p>{t('set.agentIdentity', { value: s.identity.agentIdentityRequired ? tc('common.yes') : tc('common.no') })}</p>
      </Section>
      <JsonSection title={t('set.requests')} value={s} onApply={(v) => setS(v as RequestSettings)} readOnly={readOnly} />
      {readOnly ? null : (
        <Button type="submit" busy={action.busy}>
          {t('set.save')}
        </Button>
      )}
    </form>
  );
}

/** Edits a section as JSON; the server's validation answers for it. */
function JsonSection({ title, value, onApply, readOnly }: { title: string; value: unknown; onApply(v: unknown): void; readOnly: boolean }) {
  const t = useT(manageMessages);
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <details
      className="subtle"
      onToggle={(e) => {
        // Opening shows the values as they are now, form edits included.
        if (e.currentTarget.open) setText(JSON.stringify(value, null, 2));
      }}
    >
      <summary>{t('set.advanced')}</summary>
      <Field label={t('set.json', { section: title })} error={bad ? t('set.jsonInvalid') : null}>
        {(p) => (
          <textarea
            {...p}
            className="mono json-edit"
            rows={14}
            readOnly={readOnly}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onBlur={() => {
              try {
                onApply(JSON.parse(text));
                setBad(false);
              } catch {
                setBad(true);
              }
            }}
          />
        )}
      </Field>
    </details>
  );
}

function JsonSave({ title, path, field, value, version, onSaved }: { title: string; path: string; field: 'profile' | 'security'; value: unknown; version: number; onSaved(): void }) {
  const t = useT(manageMessages);
  const { can } = useStaff();
  const [current, setCurrent] = useState<unknown>(value);
  const action = useAction();
  const readOnly = !can('organization.manage');
  const save = async () => {
    const ok = await action.run(() => api(path, { method: 'PUT', body: { [field]: current, expectedVersion: version } }), t('set.saved'));
    if (ok) onSaved();
  };
  return (
    <Section title={`${title.charAt(0).toUpperCase()}${title.slice(1)} (${t('set.version', { n: version })})`}>
      <JsonSection title={title} value={value} onApply={setCurrent} readOnly={readOnly} />
      <ActionResult action={action} />
      {readOnly ? null : (
        <Button variant="secondary" busy={action.busy} onClick={() => void save()}>
          {t('set.saveSection', { section: title })}
        </Button>
      )}
    </Section>
  );
}

export function SettingsPage() {
  const t = useT(manageMessages);
  const { lang } = useLanguage();
  const [tick, setTick] = useState(0);
  const org = useAsync((signal) => api<{ organization: Organization }>('/api/admin/organization', { signal }).then((r) => r.organization), [tick]);
  // Outside the forms, which start afresh on each new version once saved.
  const saveSettings = useAction();
  if (!org.data) return org.loading ? <Loading /> : <ErrorAlert error={org.error} />;
  const o = org.data;
  const reload = () => setTick((n) => n + 1);
  return (
    <>
      <PageHeader title={t('set.title')} />
      {o.profile ? (
        <p>
          {t('set.orgName')}: <strong>{o.profile.name[lang] || o.profile.name.ja}</strong>
        </p>
      ) : null}
      <Section title={`${t('set.requests')} (${t('set.version', { n: o.settingsVersion })})`}>
        <RequestSettingsForm key={o.settingsVersion} org={o} action={saveSettings} onSaved={reload} />
        <ActionResult action={saveSettings} />
      </Section>
      <JsonSave title={t('set.profile')} path="/api/admin/organization/profile" field="profile" value={o.profile} version={o.profileVersion} onSaved={reload} />
      <JsonSave title={t('set.security')} path="/api/admin/organization/security" field="security" value={o.security} version={o.securityVersion} onSaved={reload} />
    </>
  );
}
