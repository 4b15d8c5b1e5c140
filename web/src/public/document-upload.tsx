// Choosing identity documents: pick what the document is, then the file(s); each file is
// checked in the browser (type by content, size) before it joins the list, images are
// previewed, and a refused file gets a message saying what to do. Used by the request
// wizard and by the status page when the office asks for more documents.
import { useEffect, useId, useRef, useState } from 'react';
import { formatBytes, useLanguage, useLocalized, useT } from '../shared/i18n.tsx';
import { Alert, Button } from '../shared/ui.tsx';
import type { DocumentRole, IdentityDocument, RequestForm } from './public-api.ts';
import { m } from './public.messages.ts';
import { ACCEPT_ATTRIBUTE, checkUpload, type UploadKind } from './upload-check.ts';

export interface DocEntry {
  uid: string;
  role: DocumentRole;
  /** A document code of the settings, or `other`. */
  type: string;
  file: File;
  kind: UploadKind;
  /** An object URL for JPEG and PNG previews (the browser cannot draw PDF or HEIC here). */
  previewUrl: string | null;
}

let counter = 0;

export function releaseEntry(entry: DocEntry): void {
  if (entry.previewUrl) URL.revokeObjectURL(entry.previewUrl);
}

export interface DocGroup {
  label: string;
  documents: IdentityDocument[];
}

/** The documents a role accepts, in the groups the person reads them in. */
export function documentGroups(form: RequestForm, role: DocumentRole, requester: 'principal' | 'statutory_agent' | 'appointed_agent', t: (k: 'wizard.photoDocs' | 'wizard.nonPhotoDocs' | 'role.agent_authority') => string): DocGroup[] {
  const id = form.identity;
  switch (role) {
    case 'principal_identity':
    case 'agent_identity':
      return [
        { label: t('wizard.photoDocs'), documents: id.photoDocuments },
        { label: t('wizard.nonPhotoDocs'), documents: id.nonPhotoDocuments },
      ];
    case 'agent_authority':
      return [{ label: t('role.agent_authority'), documents: requester === 'statutory_agent' ? id.statutoryAgentDocuments : requester === 'appointed_agent' ? id.appointedAgentDocuments : [] }];
    case 'other':
      return [];
  }
}

export function DocumentPicker({
  role,
  groups,
  maxBytes,
  slotsLeft,
  maxFiles,
  onAdd,
}: {
  role: DocumentRole;
  /** Empty for role `other`: any supporting document, no type to choose. */
  groups: readonly DocGroup[];
  maxBytes: number;
  slotsLeft: number;
  maxFiles: number;
  onAdd: (entries: DocEntry[]) => void;
}) {
  const t = useT(m);
  const pick = useLocalized();
  const baseId = useId();
  const [type, setType] = useState(groups.length === 0 ? 'other' : '');
  const [problems, setProblems] = useState<string[]>([]);
  const fileRef = useRef<HTMLInputElement>(null);
  const selectId = `${baseId}-type`;
  const fileId = `${baseId}-file`;
  const errorId = `${baseId}-error`;

  const onFiles = async (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const chosen = [...files];
    if (fileRef.current) fileRef.current.value = '';
    if (!type) {
      setProblems([t('wizard.chooseTypeFirst')]);
      return;
    }
    const found: string[] = [];
    const accepted: DocEntry[] = [];
    for (const file of chosen) {
      if (accepted.length >= slotsLeft) {
        found.push(t('wizard.tooManyFiles', { count: maxFiles }));
        break;
      }
      const result = await checkUpload(file, maxBytes);
      if ('problem' in result) {
        const p = result.problem;
        found.push(
          p.reason === 'too_large'
            ? t('wizard.fileTooLarge', { name: file.name, size: formatBytes(file.size), max: formatBytes(p.maxBytes) })
            : p.reason === 'empty'
              ? t('wizard.fileEmpty', { name: file.name })
              : t('wizard.fileWrongType', { name: file.name }),
        );
        continue;
      }
      counter += 1;
      accepted.push({
        uid: `doc-${counter}`,
        role,
        type,
        file,
        kind: result.kind,
        previewUrl: result.kind === 'jpeg' || result.kind === 'png' ? URL.createObjectURL(file) : null,
      });
    }
    setProblems(found);
    if (accepted.length > 0) onAdd(accepted);
  };

  const selected = groups.flatMap((g) => g.documents).find((d) => d.code === type);
  const caution = selected ? pick(selected.caution) : '';

  return (
    <div className="doc-picker">
      {groups.length > 0 ? (
        <div className="field">
          <label htmlFor={selectId}>{t('wizard.docType')}</label>
          <select id={selectId} value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">{t('wizard.docTypeChoose')}</option>
            {groups.map((g) => (
              <optgroup key={g.label} label={g.label}>
                {g.documents.map((d) => (
                  <option key={d.code} value={d.code}>
                    {pick(d.label)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {caution ? <p className="field-hint caution">{caution}</p> : null}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={fileId}>{t('wizard.addDocument')}</label>
        <input
          ref={fileRef}
          id={fileId}
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          multiple
          disabled={slotsLeft <= 0}
          aria-describedby={problems.length > 0 ? errorId : undefined}
          onChange={(e) => void onFiles(e.target.files)}
        />
      </div>
      {problems.length > 0 ? (
        <div id={errorId}>
          <Alert tone="error">
            {problems.map((p, i) => (
              <p key={i}>{p}</p>
            ))}
          </Alert>
        </div>
      ) : null}
    </div>
  );
}

export function DocumentList({ entries, typeLabel, onRemove }: { entries: readonly DocEntry[]; typeLabel: (entry: DocEntry) => string; onRemove?: (uid: string) => void }) {
  const t = useT(m);
  const { lang } = useLanguage();
  if (entries.length === 0) return <p className="muted">{t('wizard.noDocuments')}</p>;
  return (
    <ul className="doc-list" lang={lang}>
      {entries.map((e) => (
        <li key={e.uid} className="doc-item">
          {e.previewUrl ? (
            <img className="doc-preview" src={e.previewUrl} alt={t('wizard.previewAlt', { type: typeLabel(e), name: e.file.name })} />
          ) : (
            <span className="doc-preview doc-preview-file" aria-hidden="true">
              {e.kind.toUpperCase()}
            </span>
          )}
          <span className="doc-meta">
            <strong>{typeLabel(e)}</strong>
            <span className="muted">
              {e.file.name} · {formatBytes(e.file.size)}
            </span>
          </span>
          {onRemove ? (
            <Button variant="secondary" onClick={() => onRemove(e.uid)} aria-label={t('wizard.removeDocument', { name: e.file.name })}>
              ×
            </Button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** Revokes the preview URLs of entries still listed when the page goes away. */
export function useReleaseOnUnmount(entries: readonly DocEntry[]): void {
  const ref = useRef(entries);
  ref.current = entries;
  useEffect(() => () => ref.current.forEach(releaseEntry), []);
}

/** Whether the documents chosen satisfy the identity rule (the server's rule, mirrored). */
export function ruleShortfalls(form: RequestForm, requester: 'principal' | 'statutory_agent' | 'appointed_agent', entries: readonly DocEntry[]): DocumentRole[] {
  const id = form.identity;
  const codes = (role: DocumentRole) => new Set(entries.filter((e) => e.role === role).map((e) => e.type));
  const identityMet = (have: Set<string>) =>
    id.photoDocuments.filter((d) => have.has(d.code)).length >= id.photoDocumentsRequired || id.nonPhotoDocuments.filter((d) => have.has(d.code)).length >= id.nonPhotoDocumentsRequired;
  const missing: DocumentRole[] = [];
  if (requester === 'principal') {
    if (!identityMet(codes('principal_identity'))) missing.push('principal_identity');
    return missing;
  }
  const authority = codes('agent_authority');
  const ok = requester === 'statutory_agent' ? id.statutoryAgentDocuments.some((d) => authority.has(d.code)) : id.appointedAgentDocuments.every((d) => authority.has(d.code));
  if (!ok) missing.push('agent_authority');
  if (id.agentIdentityRequired && !identityMet(codes('agent_identity'))) missing.push('agent_identity');
  return missing;
}
