// The timeline of a request, newest first, with who did what and whether the requester sees
// it; and the two ways to add to it: an internal note, or a message to the requester.
import { useState, type FormEvent } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Button, ErrorAlert, Field, Loading } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { RequestDetail, RequestStatus, TimelineEntry } from '../api-types.ts';
import { REQUEST_STATUSES } from '../api-types.ts';
import { ActionResult, DateTime, Section, useAction, useStaffName } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { requestMessages } from '../messages/request.messages.ts';
import { api, useStaff } from '../session.tsx';

const KNOWN_KINDS = [
  'submitted',
  'verification_resent',
  'documents_added',
  'assigned',
  'note',
  'message',
  'decision.drafted',
  'fee.payment_recorded',
  'fee.waived',
  'fee.extra_cost_set',
  'identity.override',
  'document.my_number_destroyed',
  'finding.added',
  'finding.removed',
  'delivery.created',
  'delivery.downloaded',
  'delivery.posted',
  'delivery.revoked',
  'delivery.expiry_warned',
  'fulfillment.started',
  'fulfillment.manual',
  'fulfillment.planned',
  'fulfillment.run',
  'fulfillment.executed',
  'fulfillment.task_opened',
  'retention.disposed',
] as const;
type KnownKind = (typeof KNOWN_KINDS)[number];

const isStatus = (s: string | null): s is RequestStatus => s !== null && (REQUEST_STATUSES as readonly string[]).includes(s);

function Compose({ request, kind, onSent }: { request: RequestDetail; kind: 'note' | 'message'; onSent(): void }) {
  const t = useT(requestMessages);
  const [text, setText] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/${kind === 'note' ? 'notes' : 'messages'}`, { body: { text } }), t('tl.sent'));
    if (ok) {
      setText('');
      onSent();
    }
  };
  return (
    <form onSubmit={submit} className="compose">
      <Field label={kind === 'note' ? t('tl.noteLabel') : t('tl.messageLabel')} required>
        {(p) => <textarea {...p} value={text} maxLength={4000} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <ActionResult action={action} />
      <Button type="submit" variant="secondary" busy={action.busy} disabled={!text.trim()}>
        {kind === 'note' ? t('tl.addNote') : t('tl.send')}
      </Button>
    </form>
  );
}

export function TimelinePanel({ request, tick, onChanged }: { request: RequestDetail; tick: number; onChanged(): void }) {
  const t = useT(requestMessages);
  const tc = useT(common);
  const { can } = useStaff();
  const staffName = useStaffName();
  const timeline = useAsync((signal) => api<{ events: TimelineEntry[] }>(`/api/admin/requests/${encodeURIComponent(request.id)}/timeline`, { signal }).then((r) => r.events), [request.id, tick]);

  const who = (e: TimelineEntry) => {
    if (e.actor.type === 'staff') return staffName(e.actor.id);
    if (e.actor.type === 'requester') return tc('common.requester');
    return tc('common.system');
  };
  const title = (e: TimelineEntry) => {
    if (e.kind.startsWith('status.')) {
      if (isStatus(e.fromStatus) && isStatus(e.toStatus)) return t('tl.status', { from: tc(`status.${e.fromStatus}`), to: tc(`status.${e.toStatus}`) });
      return t('tl.kind.status');
    }
    return (KNOWN_KINDS as readonly string[]).includes(e.kind) ? t(`tl.kind.${e.kind as KnownKind}`) : e.kind;
  };
  const events = [...(timeline.data ?? [])].reverse();

  return (
    <Section title={t('tl.title')} id="timeline">
      <ErrorAlert error={timeline.error} />
      {timeline.loading && !timeline.data ? <Loading /> : null}
      {timeline.data && events.length === 0 ? <p>{t('tl.empty')}</p> : null}
      <ol className="timeline">
        {events.map((e) => (
          <li key={e.id} className={`tl-item tl-${e.kind.split('.')[0]}`}>
            <div className="tl-head">
              <strong>{title(e)}</strong>
              <span className={e.visibleToRequester ? 'badge badge-ok' : 'badge badge-muted'}>{e.visibleToRequester ? t('tl.visible') : t('tl.internal')}</span>
            </div>
            <div className="tl-meta">
              <DateTime iso={e.at} /> · {who(e)}
            </div>
            {e.text ? <p className="tl-text prewrap">{e.text}</p> : null}
          </li>
        ))}
      </ol>
      {can('requests.work') ? (
        <div className="two-col">
          <details className="subtle">
            <summary>{t('tl.note')}</summary>
            <Compose request={request} kind="note" onSent={onChanged} />
          </details>
          {request.emailVerifiedAt ? (
            <details className="subtle">
              <summary>{t('tl.message')}</summary>
              <Compose request={request} kind="message" onSent={onChanged} />
            </details>
          ) : null}
        </div>
      ) : null}
    </Section>
  );
}
