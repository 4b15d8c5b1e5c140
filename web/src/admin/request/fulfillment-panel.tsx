// The fulfilment engine's side of a request: who answers it (the engine or staff by hand), the
// plan of systems and collections in search order, each run with its per-collection results,
// the erasure prepared as a dry run (rows by reference, fields, legal holds, shared rows that
// need staff's decision) and the system owners' tasks; and, when the session may, running the
// engine again or carrying out the approved erasure. The server checks every state again.
import { useState } from 'react';
import { useT, type Vars } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Loading, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { EngineAction, FulfillmentCollectionSummary, FulfillmentExecution, FulfillmentStrategyField, FulfillmentTask, FulfillmentView, RequestDetail } from '../api-types.ts';
import { ActionResult, DateTime, DefinitionList, Section, useAction, useStaffName } from '../admin-ui.tsx';
import { fulfillmentMessages } from '../messages/fulfillment.messages.ts';
import { api, useStaff } from '../session.tsx';

type T = (key: keyof (typeof fulfillmentMessages)['ja'], vars?: Vars) => string;
type View = FulfillmentView;
type PlanRow = NonNullable<View['plan']>['collections'][number];
type Run = View['runs'][number];
type StepRow = Run['steps'][number];
type ErasureCollection = NonNullable<View['erasure']>['collections'][number];
type Decision = 'erase' | 'keep';

const ENGINE_ACTIONS: readonly EngineAction[] = ['access', 'erasure', 'correction', 'stop_provision'];
// The server words why the engine cannot answer in English; these are its four known reasons.
const UNAVAILABLE = {
  'staff answer this type of request': 'type_not_engine',
  'no system of the data map has a connection': 'nothing_connected',
  'the data map has no identity field for what the request gives': 'no_identity',
  'the request’s personal details were disposed of': 'subject_disposed',
} as const;
const GOOD = new Set(['done', 'changed', 'completed', 'prepared', 'nothing_to_do', 'already_done']);
const BAD = new Set(['failed', 'partial']);

function StatusCode({ status }: { status: string }) {
  const tone = GOOD.has(status) ? 'badge-ok' : BAD.has(status) ? 'badge-bad' : 'badge-muted';
  return <span className={`badge ${tone} mono`}>{status}</span>;
}

const num = (n: number | undefined) => (n === undefined ? '—' : n);
const fieldList = (fields: readonly FulfillmentStrategyField[]) => fields.map((f) => `${f.field} (${f.strategy})`).join(', ') || '—';
const isEngineAction = (a: string): a is EngineAction => (ENGINE_ACTIONS as readonly string[]).includes(a);

function PlanSection({ plan, t }: { plan: NonNullable<View['plan']>; t: T }) {
  const rows = [...plan.collections].sort((a, b) => a.step - b.step);
  const columns: Column<PlanRow>[] = [
    { key: 'step', header: t('ful.col.step'), cell: (c) => c.step, className: 'num' },
    { key: 'system', header: t('ful.col.system'), cell: (c) => c.system },
    { key: 'collection', header: t('ful.col.collection'), cell: (c) => <span className="mono">{`${c.dataset}.${c.collection}`}</span> },
    { key: 'handling', header: t('ful.col.handling'), cell: (c) => t(`ful.handling.${c.handling}`) },
    { key: 'by', header: t('ful.col.searchedBy'), cell: (c) => <span className="mono">{c.searchedBy.map((s) => `${s.field} ← ${s.from}`).join(', ') || '—'}</span> },
  ];
  return (
    <>
      <h3>{t('ful.plan')}</h3>
      <DefinitionList items={[[t('ful.identityTypes'), plan.identityTypes.join(', ') || '—']]} />
      <Table caption={t('ful.planCaption')} columns={columns} rows={rows} rowKey={(c) => c.id} empty={t('ful.noPlan')} />
      {plan.notSearched.length > 0 ? (
        <>
          <h4>{t('ful.notSearched')}</h4>
          <ul>
            {plan.notSearched.map((s) => (
              <li key={s.id}>
                <span className="mono">{s.id}</span>: {s.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {plan.cutEdges.length > 0 ? (
        <>
          <h4>{t('ful.cutEdges')}</h4>
          <ul>
            {plan.cutEdges.map((c) => (
              <li key={`${c.from}.${c.fromField}>${c.to}.${c.toField}`}>
                <span className="mono">{`${c.from}.${c.fromField} → ${c.to}.${c.toField}`}</span>: {c.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function RunSection({ run, t, staffName }: { run: Run; t: T; staffName: (id: string | null) => string }) {
  const results = run.outcome.length > 0 ? run.outcome : run.collections;
  const columns: Column<FulfillmentCollectionSummary>[] = [
    { key: 'node', header: t('ful.col.node'), cell: (c) => <span className="mono">{c.node}</span> },
    { key: 'status', header: t('ful.col.status'), cell: (c) => <StatusCode status={c.status} /> },
    { key: 'rows', header: t('ful.col.rows'), cell: (c) => num(c.rows ?? c.found), className: 'num' },
    { key: 'planned', header: t('ful.col.planned'), cell: (c) => num(c.planned), className: 'num' },
    { key: 'changed', header: t('ful.col.changed'), cell: (c) => num(c.changed), className: 'num' },
    { key: 'held', header: t('ful.col.held'), cell: (c) => num(c.held), className: 'num' },
    { key: 'shared', header: t('ful.col.shared'), cell: (c) => num(c.shared), className: 'num' },
    { key: 'error', header: t('ful.col.error'), cell: (c) => (c.error ? <span className="mono">{c.error}</span> : '—') },
  ];
  const stepColumns: Column<StepRow>[] = [
    { key: 'node', header: t('ful.col.node'), cell: (s) => <span className="mono">{s.node}</span> },
    { key: 'status', header: t('ful.col.status'), cell: (s) => <StatusCode status={s.status} /> },
    { key: 'planned', header: t('ful.col.planned'), cell: (s) => s.planned, className: 'num' },
    { key: 'changed', header: t('ful.col.changed'), cell: (s) => s.changed, className: 'num' },
    { key: 'error', header: t('ful.col.error'), cell: (s) => (s.errorCode ? <span className="mono">{s.errorCode}</span> : '—') },
  ];
  const action = isEngineAction(run.action) ? t(`ful.action.${run.action}`) : run.action;
  return (
    <div className="fulfillment-run">
      <h4>
        {action} <StatusCode status={run.status} /> {run.dryRun ? <span className="badge badge-muted">{t('ful.dryRun')}</span> : null}
      </h4>
      <p className="tl-meta">
        <DateTime iso={run.createdAt} /> · {staffName(run.createdBy)}
        {run.finishedAt ? (
          <>
            {' '}
            → <DateTime iso={run.finishedAt} />
          </>
        ) : null}
      </p>
      {run.categories.length > 0 ? <DefinitionList items={[[t('ful.categories'), run.categories.join(', ')]]} /> : null}
      <Table caption={t('ful.runCaption', { id: run.id })} columns={columns} rows={results} rowKey={(c) => c.node} />
      {run.steps.length > 0 ? <Table caption={t('ful.stepsCaption', { id: run.id })} columns={stepColumns} rows={run.steps} rowKey={(s) => s.node} /> : null}
    </div>
  );
}

function ErasureCollectionView({ c, t, decisions, onDecide, decidable }: { c: ErasureCollection; t: T; decisions: Record<string, Decision>; onDecide(ref: string, d: Decision | null): void; decidable: boolean }) {
  const changeColumns: Column<ErasureCollection['changes'][number]>[] = [
    { key: 'ref', header: t('ful.col.ref'), cell: (r) => <span className="mono">{r.ref}</span> },
    { key: 'change', header: t('ful.col.change'), cell: (r) => t(`ful.change.${r.action}`) },
    { key: 'fields', header: t('ful.col.fields'), cell: (r) => <span className="mono">{fieldList(r.fields)}</span> },
  ];
  const sharedColumns: Column<ErasureCollection['shared'][number]>[] = [
    { key: 'ref', header: t('ful.col.ref'), cell: (r) => <span className="mono">{r.ref}</span> },
    { key: 'reason', header: t('ful.col.reason'), cell: (r) => r.reasons.join('; ') || '—' },
    { key: 'fields', header: t('ful.col.fields'), cell: (r) => <span className="mono">{fieldList(r.fields)}</span> },
    {
      key: 'decision',
      header: t('ful.col.decision'),
      cell: (r) =>
        decidable ? (
          <select
            className="select-compact"
            aria-label={t('ful.decisionLabel', { ref: r.ref })}
            value={decisions[r.ref] ?? ''}
            onChange={(e) => onDecide(r.ref, e.target.value === 'erase' || e.target.value === 'keep' ? e.target.value : null)}
          >
            <option value="">{t('ful.decision.undecided')}</option>
            <option value="erase">{t('ful.decision.erase')}</option>
            <option value="keep">{t('ful.decision.keep')}</option>
          </select>
        ) : decisions[r.ref] ? (
          t(`ful.decision.${decisions[r.ref] ?? 'keep'}`)
        ) : (
          t('ful.decision.undecided')
        ),
    },
  ];
  const heldColumns: Column<ErasureCollection['held'][number]>[] = [
    { key: 'field', header: t('ful.col.field'), cell: (h) => <span className="mono">{h.field}</span> },
    { key: 'reason', header: t('ful.col.reason'), cell: (h) => h.reason },
    { key: 'basis', header: t('ful.col.basis'), cell: (h) => h.basis ?? '—' },
  ];
  const skippedColumns: Column<ErasureCollection['skippedFields'][number]>[] = [
    { key: 'field', header: t('ful.col.field'), cell: (h) => <span className="mono">{h.field}</span> },
    { key: 'reason', header: t('ful.col.reason'), cell: (h) => h.reason },
  ];
  return (
    <div className="fulfillment-erasure">
      <h4>
        <span className="mono">{c.node}</span> <StatusCode status={c.status} />
      </h4>
      <p>{t('ful.rowsFound', { found: c.rowsFound, unchanged: c.unchanged })}</p>
      {c.error ? <Alert tone="error">{c.error}</Alert> : null}
      <Table caption={t('ful.changesCaption', { node: c.node })} columns={changeColumns} rows={c.changes} rowKey={(r) => r.ref} empty={t('ful.noChanges')} />
      {c.shared.length > 0 ? <Table caption={t('ful.sharedCaption', { node: c.node })} columns={sharedColumns} rows={c.shared} rowKey={(r) => r.ref} /> : null}
      {c.held.length > 0 ? <Table caption={t('ful.heldCaption', { node: c.node })} columns={heldColumns} rows={c.held} rowKey={(h) => `${h.field}:${h.reason}`} /> : null}
      {c.skippedFields.length > 0 ? <Table caption={t('ful.skippedCaption', { node: c.node })} columns={skippedColumns} rows={c.skippedFields} rowKey={(h) => h.field} /> : null}
    </div>
  );
}

function TasksSection({ tasks, t, staffName }: { tasks: FulfillmentTask[]; t: T; staffName: (id: string | null) => string }) {
  const columns: Column<FulfillmentTask>[] = [
    { key: 'system', header: t('ful.col.system'), cell: (x) => x.system },
    { key: 'action', header: t('ful.col.action'), cell: (x) => (isEngineAction(x.action) ? t(`ful.action.${x.action}`) : x.action) },
    { key: 'status', header: t('ful.col.status'), cell: (x) => <span className={x.status === 'done' ? 'badge badge-ok' : 'badge badge-warn'}>{t(`ful.task.${x.status}`)}</span> },
    { key: 'owner', header: t('ful.col.owner'), cell: (x) => (x.owner ? staffName(x.owner) : '—') },
    { key: 'due', header: t('ful.col.due'), cell: (x) => <DateTime iso={x.dueAt} withTime={false} /> },
    { key: 'completed', header: t('ful.col.completed'), cell: (x) => <DateTime iso={x.completedAt} /> },
  ];
  return (
    <>
      <h3>{t('ful.tasks')}</h3>
      <Table caption={t('ful.tasksCaption')} columns={columns} rows={tasks} rowKey={(x) => x.id} empty={t('ful.noTasks')} />
    </>
  );
}

export function FulfillmentPanel({ request, tick, onChanged }: { request: RequestDetail; tick: number; onChanged(): void }) {
  const t = useT(fulfillmentMessages);
  const { can } = useStaff();
  const staffName = useStaffName();
  const base = `/api/admin/requests/${encodeURIComponent(request.id)}/fulfillment`;
  const view = useAsync((signal) => api<{ fulfillment: FulfillmentView }>(base, { signal }).then((r) => r.fulfillment), [base, tick]);
  const [decisions, setDecisions] = useState<Record<string, Decision>>({});
  const rerun = useAction();
  const execute = useAction();
  const [executed, setExecuted] = useState<FulfillmentExecution | null>(null);
  const [failedCount, setFailedCount] = useState(0);

  const v = view.data;
  if (!v) {
    return (
      <Section title={t('ful.title')} id="fulfillment">
        {view.loading ? <Loading /> : <ErrorAlert error={view.error} />}
      </Section>
    );
  }

  const isErasure = v.action === 'erasure';
  const runnable = v.action !== null && (request.status === 'in_progress' || (isErasure && request.status === 'in_review'));
  // The server refuses a run the engine cannot answer, so the button is not offered then.
  const mayRerun = can('fulfillment.run') && runnable && v.unavailableReason === null;
  const mayExecute = can('fulfillment.run') && can('requests.decide') && isErasure && v.erasure !== null;
  const decided = Object.keys(decisions).length > 0;
  const unavailableKey = v.unavailableReason !== null && v.unavailableReason in UNAVAILABLE ? UNAVAILABLE[v.unavailableReason as keyof typeof UNAVAILABLE] : null;

  const runAgain = async () => {
    const body = isErasure && decided ? { sharedDecisions: decisions } : {};
    const res = await rerun.run(() => api<{ outcome: { failed: unknown[] } }>(`${base}/rerun`, { body }), t('ful.rerunDone'));
    if (res) {
      setFailedCount(res.outcome.failed.length);
      setDecisions({});
      onChanged();
    }
  };
  const carryOut = async () => {
    if (!window.confirm(t('ful.executeConfirm'))) return;
    const res = await execute.run(() => api<{ execution: FulfillmentExecution }>(`${base}/erasure/execute`, { method: 'POST', body: {} }));
    if (res) {
      setExecuted(res.execution);
      onChanged();
    }
  };
  const decide = (ref: string, d: Decision | null) =>
    setDecisions((prev) => {
      const next = { ...prev };
      if (d === null) delete next[ref];
      else next[ref] = d;
      return next;
    });

  const provider = v.answeredBy === 'engine' ? t('ful.provider.engine') : v.answeredBy === 'manual' ? t('ful.provider.manual') : v.answeredBy === null ? t('ful.provider.none') : v.answeredBy;
  const buttons =
    mayRerun || mayExecute ? (
      <>
        {mayRerun ? (
          <Button variant="secondary" busy={rerun.busy} onClick={() => void runAgain()}>
            {decided ? t('ful.rerunWithDecisions') : t('ful.rerun')}
          </Button>
        ) : null}
        {mayExecute ? (
          <Button variant="danger" busy={execute.busy} onClick={() => void carryOut()}>
            {t('ful.execute')}
          </Button>
        ) : null}
      </>
    ) : undefined;

  return (
    <Section title={t('ful.title')} id="fulfillment" actions={buttons}>
      <p>{t('ful.lead')}</p>
      <ErrorAlert error={view.error} />
      <ActionResult action={rerun} />
      {rerun.done && failedCount > 0 ? <Alert tone="warning">{t('ful.rerunFailed', { n: failedCount })}</Alert> : null}
      {execute.error ? <ErrorAlert error={execute.error} /> : null}
      {executed ? (
        <Alert tone={executed.status === 'partial' ? 'warning' : 'success'}>
          {t('ful.executed', { status: t(`ful.exec.${executed.status}`), changed: executed.changed })}
        </Alert>
      ) : null}
      {v.answeredBy === 'manual' ? <Alert tone="info">{t('ful.manualNote')}</Alert> : null}
      <DefinitionList
        items={[
          [t('ful.provider'), provider],
          [t('ful.action'), v.action ? t(`ful.action.${v.action}`) : t('ful.action.none')],
          v.unavailableReason !== null ? [t('ful.unavailable'), unavailableKey ? t(`ful.unavailable.${unavailableKey}`) : v.unavailableReason] : null,
        ]}
      />
      {v.plan ? <PlanSection plan={v.plan} t={t} /> : null}
      <h3>{t('ful.runs')}</h3>
      {v.runs.length === 0 ? <p>{t('ful.noRuns')}</p> : v.runs.map((run) => <RunSection key={run.id} run={run} t={t} staffName={staffName} />)}
      {v.erasure ? (
        <>
          <h3>{t('ful.erasure')}</h3>
          <p>{t('ful.erasureLead')}</p>
          {v.erasure.categories.length > 0 ? <DefinitionList items={[[t('ful.categories'), v.erasure.categories.join(', ')]]} /> : null}
          {v.erasure.collections.map((c) => (
            <ErasureCollectionView key={c.node} c={c} t={t} decisions={decisions} onDecide={decide} decidable={mayRerun} />
          ))}
        </>
      ) : null}
      <TasksSection tasks={v.tasks} t={t} staffName={staffName} />
    </Section>
  );
}
