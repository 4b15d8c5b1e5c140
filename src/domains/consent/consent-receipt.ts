// The consent receipt: a self-contained JSON record of one consent decision, shaped after
// ISO/IEC TS 27560 (consent record information structure): who the controller is, which
// (pseudonymous) principal, what was agreed to or withdrawn, for which purposes with their
// data categories, under which notice version, how it was collected, and when. It carries no
// raw identifier; its SHA-256 over canonical JSON goes into the audit chain, so a receipt
// altered later no longer matches the tamper-evident log.
import { createHash } from 'node:crypto';
import { canonicalJson, type CanonicalValue } from '../../lib/canonical.ts';
import type { ConsentAction, ConsentSource, SubjectType } from './consent.ts';

export const RECEIPT_SCHEMA = 'madoguchi.consent-receipt/1';

export interface ReceiptPurpose {
  code: string;
  version: number;
  title: { ja: string; en: string };
  dataCategories: string[];
}

export interface ReceiptInput {
  receiptId: string;
  at: Date;
  controller: { ja: string; en: string } | null;
  subjectKey: string;
  subjectType: SubjectType;
  action: ConsentAction;
  source: ConsentSource;
  purposes: ReceiptPurpose[];
  notice: { kind: string; number: number } | null;
  evidence: { ipHash: string | null; userAgentHash: string | null };
  recordedBy: { type: string; id: string | null };
}

const METHOD: Record<ConsentSource, string> = {
  web: 'web form (electronic, recorded with hashed network evidence)',
  app: 'application (electronic)',
  paper: 'paper form transcribed by staff',
  import: 'imported from an earlier record',
};

export function buildReceipt(input: ReceiptInput): Record<string, CanonicalValue> {
  return {
    schema: RECEIPT_SCHEMA,
    receiptId: input.receiptId,
    timestamp: input.at.toISOString(),
    jurisdiction: 'JP',
    legalBasis: input.action === 'granted' ? 'APPI Art. 18(1): consent to use beyond the stated purposes' : 'withdrawal of consent',
    controller: input.controller ? { name: input.controller } : null,
    principal: { id: input.subjectKey, idType: `keyed-hash:${input.subjectType}` },
    consent: {
      status: input.action === 'granted' ? 'given' : 'withdrawn',
      method: METHOD[input.source],
      source: input.source,
    },
    notice: input.notice ? { policy: input.notice.kind, version: input.notice.number } : null,
    purposes: input.purposes.map((p) => ({ code: p.code, version: p.version, title: p.title, dataCategories: p.dataCategories })),
    evidence: input.evidence.ipHash || input.evidence.userAgentHash ? { ipHash: input.evidence.ipHash, userAgentHash: input.evidence.userAgentHash } : null,
    recordedBy: input.recordedBy,
  };
}

export function receiptHash(receipt: Record<string, CanonicalValue>): string {
  return createHash('sha256').update(canonicalJson(receipt), 'utf8').digest('hex');
}
