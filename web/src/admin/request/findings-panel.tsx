// What was found for a request: the findings attached so far (opened on demand, each opening
// audited), attaching records typed in as CSV, a file (scan, photo, CSV or JSON export), or
// "nothing found" for a system; and taking a finding out of the answer.
import { useState, type FormEvent } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Alert, Button, ErrorAlert, Field, Table, type Column } from '../../shared/ui.tsx';
import { useAsync } from '../../shared/use-async.ts';
import type { Finding, FindingRecord, RequestDetail } from '../api-types.ts';
import { ActionResult, ActionsHeader, DateTime, Section, downloadFrom, useAction } from '../admin-ui.tsx';
import { requestMessages } from '../messages/request.messages.ts';
import { api, useStaff } from '../session.tsx';

const MAX_FILE_BYTES = 10 * 1024 * 1024;
const OPEN_STATUSES = ['in_progress', 'in_review'];

/** Splits CSV text (RFC 4180 quoting) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((v) => v.trim() !== '')) rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  row.push(cell);
  if (row.some((v) => v.trim() !== '')) rows.push(row);
  return rows;
}

type RecordsResult = { ok: true; records: FindingRecord[] } | { ok: false; error: 'needRows' } | { ok: false; error: 'parse'; line: number };

function recordsFromCsv(text: string): RecordsResult {
  const rows = parseCsv(text);
  const header = rows[0]?.map((h) => h.trim());
  if (!header || rows.length < 2) return { ok: false, error: 'needRows' };
  const records: FindingRecord[] = [];
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i] ?? [];
    if (r.length !== header.length) return { ok: false, error: 'parse', line: i + 1 };
    records.push(Object.fromEntries(header.map((h, j) => [h, (r[j] ?? '').trim()])));
  }
  return { ok: true, records };
}

function AddFinding({ request, onDone }: { request: RequestDetail; onDone(): void }) {
  const t = useT(requestMessages);
  const [mode, setMode] = useState<'records' | 'file' | 'nothing'>('records');
  const [systemName, setSystemName] = useState('');
  const [collection, setCollection] = useState('');
  const [label, setLabel] = useState('');
  const [csv, setCsv] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const url = `/api/admin/requests/${encodeURIComponent(request.id)}/findings`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const target = { systemName: systemName.trim(), collection: collection.trim(), ...(label.trim() ? { label: label.trim() } : {}) };
    let send: () => Promise<unknown>;
    if (mode === 'file') {
      if (!file) return;
      if (file.size > MAX_FILE_BYTES) {
        setProblem(t('find.tooLarge'));
        return;
      }
      const form = new FormData();
      form.append('systemName', target.systemName);
      form.append('collection', target.collection);
      if (target.label) form.append('label', target.label);
      form.append('file', file, file.name);
      send = () => api(url, { method: 'POST', body: form });
    } else {
      let records: FindingRecord[] = [];
      if (mode === 'records') {
        const parsed = recordsFromCsv(csv);
        if (!parsed.ok) {
          setProblem(parsed.error === 'needRows' ? t('find.needRows') : t('find.parseError', { line: parsed.line }));
          return;
        }
        records = parsed.records;
      }
      send = () => api(url, { body: { ...target, records } });
    }
    const ok = await action.run(send, t('find.added'));
    if (ok) {
      setCsv('');
      setFile(null);
      setLabel('');
      onDone();
    }
  };

  return (
    <form onSubmit={submit} className="add-finding">
      <h3>{t('find.add')}</h3>
      <div className="form-grid">
        <Field label={t('find.system')} required>
          {(p) => <input {...p} type="text" name="systemName" maxLength={100} value={systemName} onChange={(e) => setSystemName(e.target.value)} />}
        </Field>
        <Field label={t('find.collection')} required>
          {(p) => <input {...p} type="text" name="collection" maxLength={100} value={collection} onChange={(e) => setCollection(e.target.value)} />}
        </Field>
        <Field label={t('find.label')}>{(p) => <input {...p} type="text" name="label" maxLength={200} value={label} onChange={(e) => setLabel(e.target.value)} />}</Field>
      </div>
      <fieldset>
        <legend>{t('find.mode')}</legend>
        {(['records', 'file', 'nothing'] as const).map((m) => (
          <label key={m} className="inline-choice">
            <input type="radio" name="finding-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            {t(`find.mode.${m}`)}
          </label>
        ))}
      </fieldset>
      {mode === 'records' ? (
        <Field label={t('find.records')} hint={t('find.recordsHint')} error={problem} required>
          {(p) => <textarea {...p} name="records" className="mono" value={csv} onChange={(e) => setCsv(e.target.value)} rows={6} />}
        </Field>
      ) : null}
      {mode === 'file' ? (
        <Field label={t('find.fileLabel')} error={problem} required>
          {(p) => <input {...p} type="file" name="file" accept=".jpg,.jpeg,.png,.pdf,.heic,.csv,.json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
      ) : null}
      <ActionResult action={action} />
      <Button type="submit" busy={action.busy} disabled={!systemName.trim() || !collection.trim() || (mode === 'file' && !file) || (mode === 'records' && !csv.trim())}>
        {t('find.submit')}
      </Button>
    </form>
  );
}

function RecordsView({ finding, records, onClose }: { finding: Finding; records: FindingRecord[]; onClose(): void }) {
  const t = useT(requestMessages);
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].slice(0, 50);
  const columns: Column<{ i: number; r: FindingRecord }>[] = keys.map((k) => ({ key: k, header: k, cell: ({ r }) => (r[k] === null || r[k] === undefined ? '' : String(r[k])) }));
  return (
    <div className="viewer">
      <Table caption={t('find.viewer', { system: finding.systemName, collection: finding.collection })} columns={columns} rows={records.slice(0, 500).map((r, i) => ({ i, r }))} rowKey={(x) => String(x.i)} />
      <Button variant="link" onClick={onClose}>
        {t('docs.close')}
      </Button>
    </div>
  );
}

export function FindingsPanel({ request, tick, onChanged }: { request: RequestDetail; tick: number; onChanged(): void }) {
  const t = useT(requestMessages);
  const { can } = useStaff();
  const base = `/api/admin/requests/${encodeURIComponent(request.id)}/findings`;
  const findings = useAsync((signal) => api<{ findings: Finding[] }>(base, { signal }).then((r) => r.findings), [base, tick]);
  const [opened, setOpened] = useState<{ finding: Finding; records: FindingRecord[] } | null>(null);
  const opening = useAction();
  const removing = useAction();
  const editable = OPEN_STATUSES.includes(request.status) && can('requests.work');

  const open = async (f: Finding) => {
    if (f.file) {
      await opening.run(() => downloadFrom(`${base}/${encodeURIComponent(f.id)}/file`, f.file?.fileName ?? 'finding'));
      return;
    }
    const res = await opening.run(() => api<{ finding: Finding; records: FindingRecord[] | null }>(`${base}/${encodeURIComponent(f.id)}`));
    if (res) setOpened({ finding: res.finding, records: res.records ?? [] });
  };
  const remove = async (f: Finding) => {
    const ok = await removing.run(() => api(`${base}/${encodeURIComponent(f.id)}`, { method: 'DELETE' }), t('find.removed'));
    if (ok) {
      if (opened?.finding.id === f.id) setOpened(null);
      onChanged();
    }
  };

  const columns: Column<Finding>[] = [
    { key: 'system', header: t('find.system'), cell: (f) => f.systemName },
    { key: 'collection', header: t('find.collection'), cell: (f) => f.collection },
    { key: 'label', header: t('find.label'), cell: (f) => f.label ?? '—' },
    { key: 'rows', header: t('find.rows'), cell: (f) => (f.file ? f.file.fileName : f.rowCount), className: 'num' },
    { key: 'source', header: t('find.source'), cell: (f) => t(`find.source.${f.source}`) },
    { key: 'at', header: t('find.at'), cell: (f) => <DateTime iso={f.createdAt} /> },
    {
      key: 'actions',
      header: <ActionsHeader />,
      cell: (f) =>
        can('requests.work') ? (
          <div className="cell-actions">
            <Button variant="secondary" onClick={() => void open(f)} busy={opening.busy}>
              {f.file ? t('find.file') : t('find.open')}
            </Button>
            {editable ? (
              <Button variant="link" onClick={() => void remove(f)} busy={removing.busy}>
                {t('find.remove')}
              </Button>
            ) : null}
          </div>
        ) : null,
    },
  ];

  return (
    <Section title={t('find.title')} id="findings">
      <p>{t('find.lead')}</p>
      <ErrorAlert error={findings.error} />
      <Table caption={t('find.caption')} columns={columns} rows={findings.data ?? []} rowKey={(f) => f.id} empty={t('find.none')} />
      <ErrorAlert error={opening.error} />
      <ActionResult action={removing} />
      {opened ? <RecordsView finding={opened.finding} records={opened.records} onClose={() => setOpened(null)} /> : null}
      {editable ? <AddFinding request={request} onDone={onChanged} /> : <Alert tone="info">{t('find.closed')}</Alert>}
    </Section>
  );
}
