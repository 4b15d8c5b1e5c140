import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DECISION_REASON_CODES,
  MAX_EXPLANATION_LENGTH,
  PART_REASONS,
  closesRequest,
  decisionProblems,
  decisionReason,
  finalEventFor,
  outcomesFor,
  reasonCodesOf,
  reasonsFor,
  type DecisionDraft,
} from '../../src/domains/requests/decision.rules.ts';
import { DECISION_OUTCOMES, WITHHOLDING_REASON_CODES, type RequestType } from '../../src/domains/requests/request.ts';

function draft(d: Partial<DecisionDraft> & { outcome: string }): DecisionDraft {
  return { withheld: [], reason: null, explanation: null, details: null, ...d };
}

/** The reason codes of the problems, keyed by path, so a test names exactly what is wrong. */
function problems(type: RequestType, d: DecisionDraft): Record<string, string> {
  return Object.fromEntries(decisionProblems(type, d).map((p) => [p.path.join('.'), p.reason]));
}

const part = (name: string, reason = 'business_impediment', explanation = '選考の評価過程を記録したもので、開示すると今後の選考に著しい支障があるためです。') => ({
  part: name,
  reason,
  explanation,
});

describe('disclosure (Art. 33): in full, in part or not at all', () => {
  test('a full disclosure withholds nothing and needs no reason', () => {
    assert.deepEqual(problems('disclosure', draft({ outcome: 'full' })), {});
    assert.deepEqual(problems('disclosure', draft({ outcome: 'full', withheld: [part('社内メモ')] })), { withheld: 'not_expected' });
    assert.deepEqual(problems('disclosure', draft({ outcome: 'full', reason: 'not_held', explanation: 'x' })), {
      reason: 'not_expected',
      explanation: 'not_expected',
    });
  });

  test('a full disclosure may carry a note for the letter', () => {
    assert.deepEqual(problems('disclosure', draft({ outcome: 'full', details: '会員情報と購入履歴を開示します。' })), {});
  });

  test('a partial disclosure names at least one withheld part', () => {
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial' })), { withheld: 'required' });
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('社内評価メモ'), part('通話録音', 'not_held', '保存期間の経過により削除済みです。')] })), {});
  });

  test('each withheld part rests on one reason that concerns the data itself, and explains it', () => {
    // The procedural reasons (identity, agency, documents, fee) end a whole request, not a part.
    for (const procedural of ['identity_unconfirmed', 'agent_authority_unconfirmed', 'documents_incomplete', 'fee_unpaid']) {
      assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', procedural)] })), { 'withheld.0.reason': 'reason_not_allowed' });
    }
    for (const reason of PART_REASONS) {
      assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', reason)] })), {}, reason);
    }
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', 'because_we_said_so')] })), { 'withheld.0.reason': 'reason_not_allowed' });
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', 'not_held', '  ')] })), { 'withheld.0.explanation': 'required' });
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('', 'not_held')] })), { 'withheld.0.part': 'required' });
  });

  test('an explanation is at most 2000 characters, counted as characters people see', () => {
    const at = '理'.repeat(MAX_EXPLANATION_LENGTH);
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', 'not_held', at)] })), {});
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', 'not_held', `${at}理`)] })), { 'withheld.0.explanation': 'too_long' });
    // A character outside the BMP is one character, not two.
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('メモ', 'not_held', '𠮷'.repeat(MAX_EXPLANATION_LENGTH))] })), {});
  });

  test('a part is listed once, with the one reason it is withheld for', () => {
    assert.deepEqual(problems('disclosure', draft({ outcome: 'partial', withheld: [part('社内メモ'), part('社内メモ ', 'not_held')] })), { 'withheld.1.part': 'duplicate' });
  });

  test('disclosing nothing gives one of the policy’s nine reasons and explains it (Art. 33(3), Art. 36)', () => {
    assert.deepEqual(problems('disclosure', draft({ outcome: 'none' })), { reason: 'required', explanation: 'required' });
    for (const reason of WITHHOLDING_REASON_CODES) {
      assert.deepEqual(problems('disclosure', draft({ outcome: 'none', reason, explanation: '該当する記録はありませんでした。' })), {}, reason);
    }
    assert.deepEqual(problems('disclosure', draft({ outcome: 'none', reason: 'content_accurate', explanation: 'x' })), { reason: 'reason_not_allowed' });
    // The reason is for the whole answer; parts belong to a partial disclosure.
    assert.deepEqual(problems('disclosure', draft({ outcome: 'none', reason: 'not_held', explanation: 'x', withheld: [part('メモ', 'not_held')] })), {
      withheld: 'not_expected',
    });
  });

  test('the same holds for purpose notification and the records of provision', () => {
    for (const type of ['purpose_notification', 'provision_record_disclosure'] as const) {
      assert.deepEqual(outcomesFor(type), ['full', 'partial', 'none']);
      assert.deepEqual(problems(type, draft({ outcome: 'none', reason: 'harm_to_interests', explanation: '第三者の権利利益を害するおそれがあるためです。' })), {});
    }
  });

  test('a disclosure is not answered with a measure, nor a measure with a disclosure', () => {
    assert.deepEqual(problems('disclosure', draft({ outcome: 'done', details: 'x' })), { outcome: 'outcome_not_for_type' });
    assert.deepEqual(problems('correction', draft({ outcome: 'full' })), { outcome: 'outcome_not_for_type' });
    assert.deepEqual(problems('suspension', draft({ outcome: 'partial', withheld: [part('x')] })), { outcome: 'outcome_not_for_type' });
  });
});

describe('correction (Art. 34), suspension and stopping provision (Art. 35): done, not done, or an alternative', () => {
  test('a measure taken says what was changed, added, deleted or stopped (Art. 34(3), 35(7))', () => {
    assert.deepEqual(problems('correction', draft({ outcome: 'done' })), { details: 'required' });
    assert.deepEqual(problems('correction', draft({ outcome: 'done', details: '会員情報の住所を新しい住所に訂正しました。' })), {});
    assert.deepEqual(problems('stop_provision', draft({ outcome: 'done', details: '提携先への提供を停止しました。', reason: 'grounds_not_met', explanation: 'x' })), {
      reason: 'not_expected',
      explanation: 'not_expected',
    });
  });

  test('a correction not made gives a reason that fits a correction and explains it', () => {
    assert.deepEqual(problems('correction', draft({ outcome: 'not_done' })), { reason: 'required', explanation: 'required' });
    for (const reason of ['content_accurate', 'other_law_procedure', 'not_held', 'identity_unconfirmed']) {
      assert.deepEqual(problems('correction', draft({ outcome: 'not_done', reason, explanation: '調査の結果、登録内容は正しいことを確認しました。' })), {}, reason);
    }
    // Art. 33(2)'s grounds for withholding a disclosure are no ground for refusing a correction.
    assert.deepEqual(problems('correction', draft({ outcome: 'not_done', reason: 'business_impediment', explanation: 'x' })), { reason: 'reason_not_allowed' });
    assert.deepEqual(problems('correction', draft({ outcome: 'not_done', reason: 'grounds_not_met', explanation: 'x' })), { reason: 'reason_not_allowed' });
  });

  test('suspension or stopping provision not done gives a reason under Art. 35 and explains it', () => {
    assert.deepEqual(problems('suspension', draft({ outcome: 'not_done', reason: 'grounds_not_met', explanation: '利用目的の範囲内で利用しています。' })), {});
    assert.deepEqual(problems('suspension', draft({ outcome: 'not_done', reason: 'content_accurate', explanation: 'x' })), { reason: 'reason_not_allowed' });
    // No fee is charged for these requests (Art. 38), so an unpaid fee cannot be the reason.
    assert.deepEqual(problems('stop_provision', draft({ outcome: 'not_done', reason: 'fee_unpaid', explanation: 'x' })), { reason: 'reason_not_allowed' });
  });

  test('an alternative measure exists only under Art. 35, rests on its proviso and describes the measure', () => {
    assert.deepEqual(outcomesFor('correction'), ['done', 'not_done']);
    assert.deepEqual(problems('correction', draft({ outcome: 'alternative', reason: 'measure_difficult', explanation: 'x', details: 'y' })), {
      outcome: 'outcome_not_for_type',
    });
    assert.deepEqual(problems('suspension', draft({ outcome: 'alternative' })), { reason: 'required', explanation: 'required', details: 'required' });
    assert.deepEqual(
      problems('suspension', draft({ outcome: 'alternative', reason: 'measure_difficult', explanation: 'バックアップからの消去には多額の費用を要するためです。', details: '利用を停止し、アクセスを制限しました。' })),
      {},
    );
    assert.deepEqual(problems('stop_provision', draft({ outcome: 'alternative', reason: 'not_held', explanation: 'x', details: 'y' })), { reason: 'reason_not_allowed' });
  });
});

describe('what an approved decision does to the request', () => {
  test('granting (in full, in part, done, or by an alternative) completes it; refusing closes it with the reason', () => {
    const expected = { full: 'approve_completed', partial: 'approve_completed', done: 'approve_completed', alternative: 'approve_completed', none: 'approve_closed', not_done: 'approve_closed' };
    for (const outcome of DECISION_OUTCOMES) {
      assert.equal(finalEventFor(outcome), expected[outcome], outcome);
      assert.equal(closesRequest(outcome), expected[outcome] === 'approve_closed');
    }
  });

  test('the reasons a decision rests on are listed once each, the whole reason first', () => {
    assert.deepEqual(reasonCodesOf({ reason: null, withheld: [{ reason: 'not_held' }, { reason: 'business_impediment' }, { reason: 'not_held' }] }), ['not_held', 'business_impediment']);
    assert.deepEqual(reasonCodesOf({ reason: 'grounds_not_met', withheld: [] }), ['grounds_not_met']);
  });

  test('a grant needs no reason; every refusal has reasons to choose from', () => {
    for (const type of ['disclosure', 'correction', 'suspension', 'stop_provision'] as const) {
      for (const outcome of outcomesFor(type)) {
        const needs = outcome === 'none' || outcome === 'not_done' || outcome === 'alternative';
        assert.equal(reasonsFor(type, outcome).length > 0, needs, `${type}/${outcome}`);
      }
    }
  });
});

describe('the reasons themselves', () => {
  test('the nine reasons of the policy keep their numbers 1 to 9', () => {
    assert.deepEqual(
      WITHHOLDING_REASON_CODES.map((c) => decisionReason(c).policyNumber),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  test('every reason has its wording and its legal ground in Japanese and English', () => {
    for (const code of DECISION_REASON_CODES) {
      const r = decisionReason(code);
      for (const lang of ['ja', 'en'] as const) {
        assert.ok(r.label[lang].trim().length > 10, `${code} label ${lang}`);
        assert.match(r.legalGround[lang], lang === 'ja' ? /個人情報保護法第\d+条/ : /APPI Art\. \d+/, `${code} ground ${lang}`);
      }
    }
  });
});
