// One request, worked from top to bottom: who asks and what, the clock and the assignee; the
// identity documents and check; the fee; the findings; the decision and its letter; the
// delivery; and the timeline with notes and messages. Each panel reloads the request after an
// action, so the status, deadline and possible actions are always the server's.
import { useCallback, useState, type FormEvent } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Link } from '../../shared/router.tsx';
import { Alert, Button, ErrorAlert, Field, Loading } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { Address, IdentityDocumentSetting, Organization, RequestDetail } from '../api-types.ts';
import { ActionResult, DateTime, DeadlineBadge, DefinitionList, PageHeader, Section, StatusBadge, useAction, useAssignees } from '../admin-ui.tsx';
import { common } from '../messages/common.messages.ts';
import { fulfillmentMessages } from '../messages/fulfillment.messages.ts';
import { requestMessages } from '../messages/request.messages.ts';
import { DecisionPanel } from '../request/decision-panel.tsx';
import { DeliveryPanel } from '../request/delivery-panel.tsx';
import { FeePanel } from '../request/fee-panel.tsx';
import { FindingsPanel } from '../request/findings-panel.tsx';
import { FulfillmentPanel } from '../request/fulfillment-panel.tsx';
import { IdentityPanel } from '../request/identity-panel.tsx';
import { TimelinePanel } from '../request/timeline-panel.tsx';
import { api, useStaff } from '../session.tsx';

function address(a: Address): string {
  return a.postalCode ? `〒${a.postalCode} ${a.text}` : a.text;
}

/** Labels of the organisation's identity documents, by code. */
function useDocumentLabels(): Map<string, IdentityDocumentSetting> {
  const { can } = useStaff();
  const org = useAsync(
    (signal) => (can('organization.read') ? api<{ organization: Organization }>('/api/admin/organization', { signal }).then((r) => r.organization) : Promise.resolve(null)),
    [can],
  );
  const map = new Map<string, IdentityDocumentSetting>();
  const identity = org.data?.settings.identity;
  if (identity) {
    for (const d of [...identity.photoDocuments, ...identity.nonPhotoDocuments, ...identity.statutoryAgentDocuments, ...identity.appointedAgentDocuments]) map.set(d.code, d);
  }
  return map;
}

function Assignment({ request, onChanged }: { request: RequestDetail; onChanged(): void }) {
  const t = useT(requestMessages);
  const tq = useT(common);
  const { me, can } = useStaff();
  const staff = useAssignees();
  const action = useAction();
  const assign = async (assigneeId: string | null) => {
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/assign`, { body: { assigneeId } }), t('req.assigned'));
    if (ok) onChanged();
  };
  const canWork = can('requests.work');
  return (
    <div className="assignment">
      <span className="assignment-label">{t('req.assignee')}:</span> <strong>{request.assignee?.displayName ?? tq('common.none')}</strong>
      {canWork ? (
        <>
          {request.assigneeId !== me.id ? (
            <Button variant="secondary" busy={action.busy} onClick={() => void assign(me.id)}>
              {t('req.assignMe')}
            </Button>
          ) : null}
          <label className="visually-hidden" htmlFor="assign-select">
            {t('req.assignee')}
          </label>
          <select id="assign-select" className="select-compact" value={request.assigneeId ?? ''} disabled={action.busy} onChange={(e) => void assign(e.target.value || null)}>
            <option value="">{t('req.unassign')}</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.displayName}
              </option>
            ))}
          </select>
        </>
      ) : null}
      <ActionResult action={action} />
    </div>
  );
}

function Withdraw({ request, onChanged }: { request: RequestDetail; onChanged(): void }) {
  const t = useT(requestMessages);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [channel, setChannel] = useState('phone');
  const action = useAction();
  if (!request.actions.includes('withdraw')) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(() => api(`/api/admin/requests/${encodeURIComponent(request.id)}/withdraw`, { body: { reason, channel } }), t('req.withdrawn'));
    if (ok) {
      setOpen(false);
      onChanged();
    }
  };
  return (
    <details className="subtle" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{t('req.withdraw')}</summary>
      <form onSubmit={submit}>
        <Field label={t('req.withdrawReason')} required>
          {(p) => <textarea {...p} value={reason} maxLength={4000} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <Field label={t('req.withdrawChannel')} required>
          {(p) => (
            <select {...p} value={channel} onChange={(e) => setChannel(e.target.value)}>
              {(['phone', 'letter', 'email', 'in_person', 'other'] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`req.channel.${c}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ErrorAlert error={action.error} />
        <Button type="submit" variant="danger" busy={action.busy} disabled={!reason.trim()}>
          {t('req.withdraw')}
        </Button>
      </form>
    </details>
  );
}

function Overview({ request }: { request: RequestDetail }) {
  const t = useT(requestMessages);
  const tc = useT(common);
  const s = request.subject;
  return (
    <Section title={t('req.overview')} id="overview">
      <div className="two-col">
        <DefinitionList
          items={[
            [t('req.type'), tc(`type.${request.type}`)],
            [t('req.requester'), tc(`kind.${request.requesterKind}`)],
            [t('req.delivery'), tc(`delivery.${request.deliveryMethod}`)],
            [t('req.language'), request.language === 'ja' ? tc('common.ja') : tc('common.en')],
            [t('req.received'), <DateTime key="r" iso={request.receivedAt} />],
            [t('req.emailVerified'), <DateTime key="v" iso={request.emailVerifiedAt} />],
            [
              t('req.due'),
              <span key="d">
                <DateTime iso={request.dueAt} withTime={false} /> <DeadlineBadge request={request} />
              </span>,
            ],
            [t('req.escalation'), <DateTime key="e" iso={request.escalationAt} withTime={false} />],
            request.replyDueAt ? [t('req.replyDue'), <DateTime key="rd" iso={request.replyDueAt} withTime={false} />] : null,
            request.identityVerifiedAt ? [t('req.identityVerified'), <DateTime key="iv" iso={request.identityVerifiedAt} />] : null,
            request.closedReason ? [t('req.closedReason'), request.closedReason] : null,
            request.retentionUntil ? [t('req.retention'), <DateTime key="rt" iso={request.retentionUntil} withTime={false} />] : null,
          ]}
        />
        {s ? (
          <div>
            <h3>{t('req.person')}</h3>
            <DefinitionList
              items={[
                [t('req.name'), s.person.name],
                s.person.nameKana ? [t('req.kana'), s.person.nameKana] : null,
                [t('req.address'), address(s.person.address)],
                [t('req.dob'), s.person.dateOfBirth],
                s.person.phone ? [t('req.phone'), s.person.phone] : null,
              ]}
            />
            {s.agent ? (
              <>
                <h3>{t('req.agent')}</h3>
                <DefinitionList
                  items={[
                    [t('req.name'), s.agent.name],
                    [t('req.relationship'), s.agent.relationship],
                    [t('req.address'), address(s.agent.address)],
                    s.agent.dateOfBirth ? [t('req.dob'), s.agent.dateOfBirth] : null,
                  ]}
                />
              </>
            ) : null}
            <h3>{t('req.contact')}</h3>
            <DefinitionList items={[[t('req.email'), s.contact.email], s.contact.phone ? [t('req.phone'), s.contact.phone] : null]} />
          </div>
        ) : (
          <Alert tone="info">{t('req.disposed')}</Alert>
        )}
      </div>
      {s ? (
        <>
          <h3>{t('req.concerns')}</h3>
          <p className="prewrap">{s.concerns.description}</p>
          {s.concerns.correction ? (
            <DefinitionList
              items={[
                [t('req.correctionCurrent'), s.concerns.correction.current],
                [t('req.correctionRequested'), s.concerns.correction.requested],
              ]}
            />
          ) : null}
          {s.concerns.grounds ? <DefinitionList items={[[t('req.grounds'), s.concerns.grounds]]} /> : null}
        </>
      ) : null}
    </Section>
  );
}

export function RequestPage({ id }: { id: string }) {
  const t = useT(requestMessages);
  const tf = useT(fulfillmentMessages);
  const [tick, setTick] = useState(0);
  const detail = useAsync((signal) => api<{ request: RequestDetail }>(`/api/admin/requests/${encodeURIComponent(id)}`, { signal }).then((r) => r.request), [id, tick]);
  const labels = useDocumentLabels();
  const changed = useCallback(() => setTick((n) => n + 1), []);

  if (!detail.data) return detail.loading ? <Loading /> : <ErrorAlert error={detail.error} />;
  const request = detail.data;
  return (
    <>
      <p className="crumb">
        <Link to="/admin/requests">← {t('req.back')}</Link>
      </p>
      <PageHeader title={<span className="mono">{t('req.title', { ref: request.reference })}</span>}>
        <StatusBadge status={request.status} />
        <DeadlineBadge request={request} />
      </PageHeader>
      <Assignment request={request} onChanged={changed} />
      <ErrorAlert error={detail.error} />
      <nav className="jump" aria-label={t('req.jump')}>
        <a href="#overview">{t('req.overview')}</a>
        <a href="#identity">{t('id.title')}</a>
        <a href="#fee">{t('fee.title')}</a>
        <a href="#findings">{t('find.title')}</a>
        <a href="#fulfillment">{tf('ful.title')}</a>
        <a href="#decision">{t('dec.title')}</a>
        <a href="#delivery">{t('del.title')}</a>
        <a href="#timeline">{t('tl.title')}</a>
      </nav>
      <Overview request={request} />
      <IdentityPanel request={request} labels={labels} tick={tick} onChanged={changed} />
      <FeePanel request={request} onChanged={changed} />
      <FindingsPanel request={request} tick={tick} onChanged={changed} />
      <FulfillmentPanel request={request} tick={tick} onChanged={changed} />
      <DecisionPanel request={request} tick={tick} onChanged={changed} />
      <DeliveryPanel request={request} tick={tick} onChanged={changed} />
      <TimelinePanel request={request} tick={tick} onChanged={changed} />
      <Withdraw request={request} onChanged={changed} />
    </>
  );
}
