// The signed-in person's own account: role, session limits, what the role may do, and setting
// up (or replacing) the authenticator app when the role does not force it at sign-in.
import { useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { Button, ErrorAlert } from '../../shared/ui.tsx';
import type { SessionAnswer } from '../api-types.ts';
import { ActionResult, DateTime, DefinitionList, PageHeader, Section, useAction } from '../admin-ui.tsx';
import { authMessages } from '../messages/auth.messages.ts';
import { common } from '../messages/common.messages.ts';
import { api, useSession, useStaff } from '../session.tsx';
import { EnrollAuthenticator } from './sign-in-page.tsx';

export function AccountPage() {
  const t = useT(authMessages);
  const tc = useT(common);
  const { me, permissions } = useStaff();
  const { state, completeSignIn } = useSession();
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const start = useAction();
  const finished = useAction();
  const session = state.kind === 'active' ? state.info.session : null;

  const begin = async () => {
    const e = await start.run(() => api<{ secret: string; otpauthUrl: string }>('/api/admin/auth/mfa/enroll', { method: 'POST', body: {} }));
    if (e) setEnrolment(e);
  };
  const confirmed = async (answer: SessionAnswer) => {
    setEnrolment(null);
    await finished.run(() => completeSignIn(answer), t('enroll.done'));
  };

  return (
    <>
      <PageHeader title={t('account.title')} />
      <Section title={me.displayName}>
        <DefinitionList
          items={[
            [t('account.email'), me.email],
            [t('account.role'), tc(`role.${me.role}`)],
            [t('account.mfa'), me.mfaEnabled ? t('account.mfaOn') : t('account.mfaOff')],
            session ? [t('account.sessionEnds'), <DateTime key="e" iso={session.expiresAt} />] : null,
          ]}
        />
        {session ? <p className="muted">{t('account.idle', { n: session.idleTimeoutMinutes })}</p> : null}
        <ActionResult action={finished} />
        <ErrorAlert error={start.error} />
        {enrolment ? (
          <EnrollAuthenticator secret={enrolment.secret} otpauthUrl={enrolment.otpauthUrl} onConfirmed={confirmed} />
        ) : (
          <Button variant="secondary" busy={start.busy} onClick={() => void begin()}>
            {me.mfaEnabled ? t('account.mfaReplace') : t('account.mfaSetUp')}
          </Button>
        )}
      </Section>
      <Section title={t('account.permissions')}>
        <ul className="chips">
          {permissions.map((p) => (
            <li key={p} className="chip">
              <code>{p}</code>
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}
