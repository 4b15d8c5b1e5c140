// The corrections the engine applies are the ones staff wrote as `訂正 collection.field = value`
// lines in the decision; everything else in the details is prose for the letter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCorrectionLines } from '../../src/domains/fulfillment/correction-lines.rules.ts';

describe('correction lines in a decision', () => {
  test('a line names the collection, the field and the new value', () => {
    assert.deepEqual(parseCorrectionLines('訂正 shop_db:shop.customers.phone = 080-9999-0000'), [
      { node: 'shop_db:shop.customers', field: 'phone', value: '080-9999-0000' },
    ]);
  });

  test('Japanese and English keywords, full-width colon and equals sign, spaces kept inside the value', () => {
    const text = [
      'ご請求のとおり訂正しました。',
      '訂正：shop_db:shop.addresses.street ＝ 海岸1-2-3 ハイツ201',
      'correct: loyalty_points:loyalty_api.members.tier = gold',
      'Correct shop_db:shop.customers.family_name=山田',
    ].join('\n');
    assert.deepEqual(parseCorrectionLines(text), [
      { node: 'shop_db:shop.addresses', field: 'street', value: '海岸1-2-3 ハイツ201' },
      { node: 'loyalty_points:loyalty_api.members', field: 'tier', value: 'gold' },
      { node: 'shop_db:shop.customers', field: 'family_name', value: '山田' },
    ]);
  });

  test('prose, lines without a value or without a collection are not corrections', () => {
    assert.deepEqual(parseCorrectionLines(null), []);
    assert.deepEqual(parseCorrectionLines('住所を訂正しました。\n訂正 shop_db:shop.customers.phone =\n訂正 phone = 080\nthe phone = 080'), []);
  });

  test('the same field twice: the last line counts', () => {
    assert.deepEqual(parseCorrectionLines('訂正 a:b.c.d = 1\r\n訂正 a:b.c.d = 2'), [{ node: 'a:b.c', field: 'd', value: '2' }]);
  });
});
