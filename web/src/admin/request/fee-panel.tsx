// The fee of a request: its breakdown, the payments and waivers recorded, and recording a
// payment, setting the actual cost, or (officer) waiving what is owed.
import { useState, type FormEvent } from 'react';
import { formatYen, useLanguage, useT } from '../../shared/i18n.tsx';
import { Alert, Button, Field, Table, type Column } from '../../shared/ui.tsx';
import type { Payment, RequestDetail } from '../api-types.ts';
import { ActionResult, DateTime, DefinitionList, Section, useAction, useStaffName } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { requestMessages } from '../messages/request.messages.ts';
import { api, useStaff } from '../session.tsx';

/** Today on the Japanese calendar, as the bank statement dates it. */
function todayInJapan(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
}

function RecordPayment({ request, onDone }: { request: RequestDetail; onDone(): void }) {
  const t = useT(requestMessages);
  const outstanding = Math.max(0, (request.fee.askedYen ?? request.fee.totalYen) - request.fee.paidYen);
  const [paidOn, setPaidOn] = useState(todayInJapan());
  const [amount, setAmount] = useState(String(outstanding || ''));
  const [payer, setPayer] = useState('');
  const [reference, setReference] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { paidOn, amountYen: Number(amount), ...(payer.trim() ? { payerName: payer.trim() } : {}), ...(reference.trim() ? { reference: reference.trim() } : {}) };
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/payments`, { body }), t('fee.recorded'));
    if (ok) onDone();
  };
  return (
    <form onSubmit={submit}>
      <h3>{t('fee.record')}</h3>
      <div className="form-grid">
        <Field label={t('fee.paidOn')} required>
          {(p) => <input {...p} type="date" value={paidOn} onChange={(e) => setPaidOn(e.target.value)} />}
        </Field>
        <Field label={t('fee.amount')} required>
          {(p) => <input {...p} type="number" min={1} max={100000} inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <Field label={t('fee.payerName')}>{(p) => <input {...p} type="text" maxLength={100} value={payer} onChange={(e) => setPayer(e.target.value)} />}</Field>
        <Field label={t('fee.reference')}>{(p) => <input {...p} type="text" maxLength={100} value={reference} onChange={(e) => setReference(e.target.value)} />}</Field>
      </div>
      <ActionResult action={action} />
      <Button type="submit" busy={action.busy} disabled={!paidOn || !(Number(amount) >= 1)}>
        {t('fee.record')}
      </Button>
    </form>
  );
}

function ExtraCost({ request, onDone }: { request: RequestDetail; onDone(): void }) {
  const t = useT(requestMessages);
  const [amount, setAmount] = useState(String(request.fee.extraYen));
  const [basis, setBasis] = useState<string[]>(request.fee.paperAtCost ? ['paper_at_cost'] : []);
  const action = useAction();
  const toggle = (b: string) => setBasis((s) => (s.includes(b) ? s.filter((x) => x !== b) : [...s, b]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/fee/extra-cost`, { body: { amountYen: Number(amount), basis } }), t('fee.extraSaved'));
    if (ok) onDone();
  };
  return (
    <details className="subtle">
      <summary>{t('fee.extraCost')}</summary>
      <form onSubmit={submit}>
        <Field label={t('fee.extraAmount')} required>
          {(p) => <input {...p} type="number" min={0} max={100000} value={amount} onChange={(e) => setAmount(e.target.value)} className="input-short" />}
        </Field>
        <fieldset>
          <legend>{t('fee.basis')}</legend>
          {(['paper_at_cost', 'special_method'] as const).map((b) => (
            <label key={b} className="inline-choice">
              <input type="checkbox" checked={basis.includes(b)} onChange={() => toggle(b)} />
              {t(`fee.basis.${b}`)}
            </label>
          ))}
        </fieldset>
        <ActionResult action={action} />
        <Button type="submit" variant="secondary" busy={action.busy} disabled={basis.length === 0}>
          {t('fee.extraCost')}
        </Button>
      </form>
    </details>
  );
}

function Waive({ request, onDone }: { request: RequestDetail; onDone(): void }) {
  const t = useT(requestMessages);
  const [reason, setReason] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/fee/waiver`, { body: { reason } }), t('fee.waived'));
    if (ok) onDone();
  };
  return (
    <details className="subtle">
      <summary>{t('fee.waive')}</summary>
      <form onSubmit={submit}>
        <Field label={t('fee.waiveReason')} required>
          {(p) => <textarea {...p} value={reason} maxLength={4000} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <ActionResult action={action} />
        <Button type="submit" variant="secondary" busy={action.busy} disabled={!reason.trim()}>
          {t('fee.waive')}
        </Button>
      </form>
    </details>
  );
}

export function FeePanel({ request, onChanged }: { request: RequestDetail; onChanged(): void }) {
  const t = useT(requestMessages);
  const tc = useT(common);
  const { lang } = useLanguage();
  const { can } = useStaff();
  const staffName = useStaffName();
  const fee = request.fee;
  const yen = (n: number) => formatYen(n, lang);

  const columns: Column<Payment>[] = [
    { key: 'kind', header: t('fee.col.kind'), cell: (p) => t(`fee.kind.${p.kind}`) },
    { key: 'amount', header: t('fee.col.amount'), cell: (p) => yen(p.amountYen), className: 'num' },
    { key: 'paidOn', header: t('fee.col.paidOn'), cell: (p) => p.paidOn ?? '—' },
    { key: 'payer', header: t('fee.col.payer'), cell: (p) => p.payerName ?? '—' },
    { key: 'reference', header: t('fee.col.reference'), cell: (p) => p.reference ?? '—' },
    {
      key: 'recorded',
      header: t('fee.col.recorded'),
      cell: (p) => (
        <>
          <DateTime iso={p.recordedAt} /> <span className="cell-sub">{staffName(p.recordedBy)}</span>
        </>
      ),
    },
  ];

  const open = request.status === 'awaiting_fee';
  return (
    <Section title={t('fee.title')} id="fee">
      {!fee.applies ? (
        <p>{t('fee.notApplicable')}</p>
      ) : (
        <>
          <DefinitionList
            items={[
              [t('fee.status'), tc(`fee.${fee.status}`)],
              [t('fee.base'), yen(fee.baseYen)],
              fee.paperYen > 0 ? [t('fee.paper'), yen(fee.paperYen)] : null,
              fee.extraYen > 0 ? [t('fee.extra'), yen(fee.extraYen)] : null,
              [t('fee.total'), yen(fee.totalYen)],
              fee.askedYen !== null ? [t('fee.asked'), yen(fee.askedYen)] : null,
              [t('fee.paid'), yen(fee.paidYen)],
              fee.askedYen !== null ? [t('fee.outstanding'), yen(Math.max(0, fee.askedYen - fee.paidYen))] : null,
            ]}
          />
          <Table caption={t('fee.payments')} columns={columns} rows={request.payments} rowKey={(p) => p.id} empty={t('fee.noPayments')} />
          {open && can('requests.work') ? <RecordPayment request={request} onDone={onChanged} /> : null}
          {['identity_review', 'awaiting_documents', 'awaiting_fee'].includes(request.status) && can('requests.work') ? <ExtraCost request={request} onDone={onChanged} /> : null}
          {open && can('requests.decide') ? <Waive request={request} onDone={onChanged} /> : null}
          {fee.status === 'pending' && !open ? <Alert tone="info">{tc(`status.${request.status}`)}</Alert> : null}
        </>
      )}
    </Section>
  );
}
