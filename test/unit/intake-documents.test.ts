import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_REQUEST_SETTINGS } from '../../src/domains/organization/request-settings.ts';
import { declaredDocumentProblems } from '../../src/domains/requests/documents.service.ts';

const settings = DEFAULT_REQUEST_SETTINGS;

describe('declared document types', () => {
  test("the person's identity: any photo or non-photo document of the settings", () => {
    assert.deepEqual(
      declaredDocumentProblems(settings, 'principal', [
        { role: 'principal_identity', type: 'drivers_license' },
        { role: 'principal_identity', type: 'health_insurance' },
        { role: 'other', type: 'utility_bill' },
      ]),
      [],
    );
    const problems = declaredDocumentProblems(settings, 'principal', [
      { role: 'principal_identity', type: 'passport' },
      { role: 'principal_identity', type: 'library_card' },
    ]);
    assert.deepEqual(problems.map((p) => [p.path, p.reason]), [['request.documents.1.type', 'type_not_accepted']]);
    assert.match(problems[0]?.message ?? '', /drivers_license/);
  });

  test('a statutory agent proves authority with the statutory list, an appointed agent with the appointed list', () => {
    assert.deepEqual(declaredDocumentProblems(settings, 'statutory_agent', [{ role: 'agent_authority', type: 'family_register' }]), []);
    assert.deepEqual(declaredDocumentProblems(settings, 'appointed_agent', [{ role: 'agent_authority', type: 'power_of_attorney' }]), []);
    assert.deepEqual(
      declaredDocumentProblems(settings, 'statutory_agent', [{ role: 'agent_authority', type: 'power_of_attorney' }]).map((p) => p.reason),
      ['type_not_accepted'],
    );
    assert.deepEqual(
      declaredDocumentProblems(settings, 'appointed_agent', [{ role: 'agent_authority', type: 'family_register' }]).map((p) => p.reason),
      ['type_not_accepted'],
    );
    assert.deepEqual(declaredDocumentProblems(settings, 'appointed_agent', [{ role: 'agent_identity', type: 'residence_card' }]), []);
  });

  test("agent documents on the person's own request are not expected; the path prefix is the caller's", () => {
    assert.deepEqual(
      declaredDocumentProblems(settings, 'principal', [{ role: 'agent_authority', type: 'family_register' }], 'documents').map((p) => [p.path, p.reason]),
      [['documents.0.type', 'role_not_expected']],
    );
  });

  test("the organisation's own lists decide, not the defaults", () => {
    const own = structuredClone(settings);
    own.identity.photoDocuments = own.identity.photoDocuments.filter((d) => d.code !== 'passport');
    assert.equal(declaredDocumentProblems(own, 'principal', [{ role: 'principal_identity', type: 'passport' }]).length, 1);
  });
});
