// A system nobody can query: paper files, a SaaS screen, a spreadsheet on a share. Instead of
// rows it produces a task for the system's owner: a checklist saying what to search for (the
// field and the values that reached it), what to record or upload, what to erase and how
// (or not, under a legal hold), and by when. The connector itself answers no rows and refuses
// writes, so the engine treats such a collection as "waiting for the owner", never as empty.
import {
  ConnectorError,
  type Connector,
  type ConnectorOptions,
  type Row,
} from './connector.ts';

export type ManualAction = 'access' | 'erasure' | 'correction' | 'suspend_use' | 'stop_provision';

export interface Bilingual {
  ja: string;
  en: string;
}

export interface ManualItemInput {
  dataset: string;
  collection: string;
  /** Field name and the values (as text) to search for; values are the person's data. */
  searchBy: Array<{ field: string; values: string[] }>;
  fields: Array<{ name: string; categories: string[]; erase?: string }>;
  /** Fields selected for erasure and how; empty for access. */
  erase?: Array<{ field: string; strategy: string }>;
  deleteRecord?: boolean;
  holds?: Array<{ reason: string; basis?: string }>;
  /** For corrections: the field names to correct (values are kept in the task's encrypted body). */
  correct?: Array<{ field: string; value: string }>;
}

export interface ManualChecklistItem {
  collection: string;
  searchBy: Array<{ field: string; values: string[] }>;
  record: Array<{ field: string; categories: string[] }>;
  steps: Bilingual[];
}

export interface ManualChecklist {
  system: string;
  owner: string | null;
  action: ManualAction;
  dueAt: string;
  items: ManualChecklistItem[];
}

const STRATEGY_TEXT: Record<string, Bilingual> = {
  nullify: { ja: '記載を抹消する（黒塗り・削除）', en: 'remove the entry (black out or delete it)' },
  fixed_text: { ja: '所定の文言に置き換える', en: 'replace it with the set wording' },
  random: { ja: '判読できない文字列に置き換える', en: 'replace it with unreadable text' },
  hash: { ja: '判読できない値に置き換える', en: 'replace it with an unreadable value' },
  keyed_hash: { ja: '判読できない値に置き換える', en: 'replace it with an unreadable value' },
  delete_row: { ja: '記録そのものを廃棄する', en: 'destroy the whole record' },
};

/** The owner's checklist for one manual system; nothing here is sent anywhere by itself. */
export function buildManualChecklist(input: {
  system: string;
  owner: string | null;
  action: ManualAction;
  dueAt: Date;
  items: readonly ManualItemInput[];
}): ManualChecklist {
  const items = input.items.map((item): ManualChecklistItem => {
    const where = `${item.dataset}.${item.collection}`;
    const by = item.searchBy.map((s) => s.field).join(', ');
    const steps: Bilingual[] = [
      {
        ja: `「${where}」を ${by} で検索し、下記の値に一致する記録をすべて探してください。`,
        en: `Search "${where}" by ${by} for every record matching the values below.`,
      },
    ];
    switch (input.action) {
      case 'access':
        steps.push({
          ja: `見つかった記録の各項目（${item.fields.map((f) => f.name).join('、')}）を入力するか、写しをアップロードしてください。`,
          en: `Enter each field of every record found (${item.fields.map((f) => f.name).join(', ')}) or upload a copy.`,
        });
        break;
      case 'erasure':
        for (const hold of item.holds ?? []) {
          steps.push({ ja: `消去しないでください（法令等による保存義務: ${hold.reason}）。`, en: `Do not erase (legal hold: ${hold.reason}).` });
        }
        if ((item.holds ?? []).length === 0) {
          if (item.deleteRecord) steps.push({ ja: STRATEGY_TEXT.delete_row?.ja ?? '', en: STRATEGY_TEXT.delete_row?.en ?? '' });
          for (const e of item.erase ?? []) {
            const text = STRATEGY_TEXT[e.strategy] ?? STRATEGY_TEXT.nullify;
            steps.push({ ja: `項目「${e.field}」: ${text?.ja ?? ''}。`, en: `Field "${e.field}": ${text?.en ?? ''}.` });
          }
        }
        break;
      case 'correction':
        for (const c of item.correct ?? []) steps.push({ ja: `項目「${c.field}」を訂正後の内容に改めてください。`, en: `Correct field "${c.field}" to the new content.` });
        break;
      case 'suspend_use':
        steps.push({ ja: '見つかった記録の利用を停止し、その旨を記録に表示してください。', en: 'Stop using the records found and mark them as suspended.' });
        break;
      case 'stop_provision':
        steps.push({ ja: '見つかった記録の第三者提供を停止し、その旨を記録に表示してください。', en: 'Stop providing the records found to third parties and mark them so.' });
        break;
    }
    steps.push({ ja: '行った作業と件数を記入し、完了を確認してください。', en: 'Record what was done and how many records, then confirm completion.' });
    return {
      collection: where,
      searchBy: item.searchBy,
      record: item.fields.map((f) => ({ field: f.name, categories: f.categories })),
      steps,
    };
  });
  return { system: input.system, owner: input.owner, action: input.action, dueAt: input.dueAt.toISOString(), items };
}

export function createManualConnector(input: { name: string; options?: ConnectorOptions }): Connector {
  const refuse = (what: string) => new ConnectorError('not_supported', `${input.name}: a manual system cannot be ${what} automatically; its owner gets a task`, false);
  return {
    kind: 'manual',
    name: input.name,
    concurrency: 1,
    options: input.options ?? {},
    async test() {
      return { reachable: true, canWrite: null, detail: 'manual system: searched and changed by its owner through a task', latencyMs: 0 };
    },
    async keyFields(_target, declared) {
      return declared.length > 0 ? [...declared] : null;
    },
    // eslint-disable-next-line require-yield -- a manual system never answers rows
    async *query(): AsyncGenerator<Row[]> {
      throw refuse('searched');
    },
    async fetch() {
      throw refuse('read');
    },
    async write() {
      throw refuse('changed');
    },
    async close() {},
  };
}
